import type { DomainEvent, Message } from '@communities/contracts';
import type { BackoffOptions } from './backoff';
import type { FetchLike, Timers, WebSocketConstructor } from './platform';

/** Why the client asks `getAccessToken()` for a token. */
export interface AccessTokenRequest {
  /** The token it gave last was refused (4401, HTTP 401): a cached one will not do. */
  readonly rejected: boolean;
}

export interface RealtimeClientOptions {
  /** The gateway's origin, e.g. `ws://localhost:5001`; the client connects to `/ws/{memberId}`. */
  wsUrl: string;
  /** The api-service's origin, e.g. `http://localhost:5001`; REST calls go to `/api/…`. */
  apiUrl: string;
  memberId: string;
  /**
   * A valid access token. Called before every connection and REST request, so return a cached
   * token and refresh it when it is about to expire. After a 4401 close (or an HTTP 401) it is
   * asked once more with `rejected: true` (the cached token was refused, e.g. by a server that
   * restarted with a new signing key: refresh or log in again); a second refusal in a row is final.
   */
  getAccessToken(request: AccessTokenRequest): Promise<string>;
  /** Default `globalThis.WebSocket`; in Node 20 pass `WebSocket` from `ws`. */
  WebSocket?: WebSocketConstructor;
  /** Default the global `fetch`. */
  fetch?: FetchLike;
  backoff?: BackoffOptions;
  /**
   * A thread's REST catch-up starts this many message seqs below the highest one delivered
   * (default 32): two messages posted concurrently may be published in the opposite order to their
   * seqs, so the newest delivered does not prove every older one was. The overlap is deduplicated
   * by message id (the last 1000 ids of each thread are remembered).
   */
  resyncOverlap?: number;
  /** How long a connection may take to reach `connected` before it is dropped (default 10 s). */
  connectTimeoutMs?: number;
  /** For tests: a clock and timers (default the global ones) and a [0, 1) random source. */
  timers?: Timers;
  random?: () => number;
}

/** Why a channel was resynchronised rather than resumed seq by seq. */
export type ResyncReason = 'epoch_changed' | 'history_truncated' | 'gap';

export interface ResyncInfo {
  channel: string;
  reason: ResyncReason;
  /** Thread channels: messages fetched over REST and delivered (not delivered before). */
  recovered: number;
}

export interface ThreadHandlers {
  /** Each message of the thread once (deduplicated by id), oldest first within a catch-up. */
  onMessage(message: Message): void;
  /** Every event of the channel delivered live or replayed (after seq dedupe), typing included. */
  onEvent?(event: DomainEvent): void;
  /**
   * After a REST catch-up. Edits and deletions made during the gap are not replayed by it:
   * refetch what is on screen if they matter.
   */
  onResync?(info: ResyncInfo): void;
  /** The subscription ended for good (no access, revoked); it is removed from the client. */
  onError?(error: RealtimeClientError): void;
}

export interface CommunityHandlers {
  onEvent(event: DomainEvent): void;
  /** Events may have been missed (history reset or truncated): refetch the community's state. */
  onResync?(info: ResyncInfo): void;
  onError?(error: RealtimeClientError): void;
}

export interface ThreadSubscribeOptions {
  /**
   * The seq of the newest message the caller already has (e.g. from its initial REST load). A
   * REST catch-up before any message was delivered fetches from here; without it, from the start
   * of the thread.
   */
  afterSeq?: number;
}

/** A live subscription; its fields are the client's current view of the channel. */
export interface Subscription {
  readonly channel: string;
  /** Last durable event seq delivered (or the join's starting position); undefined before. */
  readonly lastSeq: number | undefined;
  readonly epoch: string | undefined;
  /** Events delivered to the handlers (after dedupe). */
  readonly delivered: number;
  /** Resolves at the first join's ack; rejects if the subscription fails first. */
  readonly ready: Promise<void>;
  unsubscribe(): void;
}

export type ClientState = 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'closed';

export interface ClientStats {
  /** Connections that reached `connected`. */
  connections: number;
  /** Durable and ephemeral events delivered to handlers, all channels. */
  delivered: number;
  /** Durable events dropped because their seq was not above the channel's last. */
  duplicates: number;
  /** Thread messages delivered by REST catch-ups. */
  recovered: number;
  resyncs: number;
  /** Channels left and joined again from their last seq after a seq gap on a live socket. */
  gapRejoins: number;
}

// A type alias, not an interface, so that it satisfies the emitter's Record<string, unknown>.
export type ClientEvents = {
  /** `connection`: 1 for the first socket that authenticated, 2 for the next, … */
  connected: { connection: number };
  /** `reconnectInMs` is null when the client stops (close(), 4403, a second 4401). */
  disconnected: { code: number; reason: string; reconnectInMs: number | null };
  resynced: ResyncInfo;
  gap: { channel: string; lastSeq: number; received: number };
  /** Every delivered event of every channel, `global:notifications` included. */
  event: DomainEvent;
  error: RealtimeClientError;
  closed: { error: RealtimeClientError | null };
};

export type ClientErrorCode =
  /** Closed with 4401 twice in a row: the access token is refused. Final. */
  | 'UNAUTHENTICATED'
  /** Closed with 4403: the token is not this member's. Final. */
  | 'FORBIDDEN'
  /** A channel could not be joined (no grant, `FORBIDDEN` answer). The subscription ends. */
  | 'SUBSCRIPTION_FAILED'
  /** The gateway ended a subscription (`subscription_revoked`). The subscription ends. */
  | 'SUBSCRIPTION_REVOKED'
  /** A REST catch-up failed; it is retried with backoff. */
  | 'RESYNC_FAILED'
  /** A handler or listener threw; the client carries on. */
  | 'HANDLER_FAILED';

export class RealtimeClientError extends Error {
  override readonly name = 'RealtimeClientError';

  constructor(
    readonly code: ClientErrorCode,
    message: string,
    readonly channel?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
