import type { CLOSE_CODES, ReconnectFrame } from '@communities/contracts';
import { DEFAULT_BACKOFF, backoffDelay, type BackoffOptions } from './backoff';
import type { Timers, WebSocketConstructor, WebSocketLike } from './platform';
import { RealtimeClientError, type AccessTokenRequest, type ClientState } from './types';

// Values checked against the contracts' CLOSE_CODES by type only: importing the contracts at
// run time would pull zod and node:crypto into a browser bundle.
const UNAUTHENTICATED: (typeof CLOSE_CODES)['UNAUTHENTICATED'] = 4401;
const FORBIDDEN: (typeof CLOSE_CODES)['FORBIDDEN'] = 4403;
const NORMAL: (typeof CLOSE_CODES)['NORMAL'] = 1000;
const SERVICE_RESTART: (typeof CLOSE_CODES)['SERVICE_RESTART'] = 1012;
const TOO_MANY_CONNECTIONS: (typeof CLOSE_CODES)['TOO_MANY_CONNECTIONS'] = 4429;
/** No close frame (RFC 6455 §7.1.5); also what the client reports for its connect timeout. */
const ABNORMAL = 1006;

export type Frame = { type: string } & Record<string, unknown>;

export interface ConnectionOptions {
  url: string;
  getAccessToken(request: AccessTokenRequest): Promise<string>;
  WebSocket: WebSocketConstructor;
  timers: Timers;
  random: () => number;
  backoff?: BackoffOptions;
  connectTimeoutMs: number;
}

export interface ConnectionCallbacks {
  /** The socket is authenticated (`connected`); `send` works from now on. */
  onConnected(): void;
  /** Every frame after `connected`, except `reconnect` (handled here). */
  onFrame(frame: Frame): void;
  /** The socket is gone; `reconnectInMs` null: the connection stopped for good. */
  onDisconnected(code: number, reason: string, reconnectInMs: number | null): void;
  /** 4403, or 4401 twice in a row: the connection stops. */
  onFatal(error: RealtimeClientError): void;
}

interface Live {
  socket: WebSocketLike;
  connectedAt: number | undefined;
}

/**
 * One logical connection to the gateway over successive sockets: authenticates with the first
 * frame, reconnects after every close with exponential backoff and full jitter (the attempt count
 * resets after a stable connection), honours the gateway's `reconnect` frame (drain), and stops on
 * 4403 or on a 4401 that a fresh token did not cure.
 */
/** An attempt number whose backoff ceiling is the cap for any sane base and cap. */
const CAP_ATTEMPT = 30;

export class Connection {
  state: ClientState = 'idle';
  private live: Live | undefined;
  private attempt = 0;
  /** A 4401 was answered by asking for a token again; cleared once a socket authenticates. */
  private authRetried = false;
  /** The last token was refused (4401) and no new one was obtained yet. */
  private tokenRejected = false;
  /** When the gateway asked us to reconnect (drain), as a timestamp; the next socket opens then. */
  private drainAt: number | undefined;
  private readonly pending = new Set<unknown>();
  private readonly backoff;

  constructor(
    private readonly options: ConnectionOptions,
    private readonly callbacks: ConnectionCallbacks,
  ) {
    this.backoff = { ...DEFAULT_BACKOFF, ...options.backoff };
  }

  start(): void {
    if (this.state !== 'idle') return;
    this.state = 'connecting';
    void this.open();
  }

  /** Sends a frame on the authenticated socket; false when there is none (it is not queued). */
  send(frame: object): boolean {
    if (this.state !== 'connected' || !this.live) return false;
    this.live.socket.send(JSON.stringify(frame));
    return true;
  }

  stop(): void {
    if (this.state === 'closed') return;
    const live = this.live;
    this.finish();
    if (live) {
      closeQuietly(live.socket, NORMAL, 'client closed');
      this.callbacks.onDisconnected(NORMAL, 'client closed', null);
    }
  }

  private async open(): Promise<void> {
    let token: string;
    try {
      token = await this.options.getAccessToken({ rejected: this.tokenRejected });
      this.tokenRejected = false;
    } catch {
      // The app could not produce a token now (offline refresh): try again later.
      if (this.state !== 'closed') this.retry(ABNORMAL, 'getAccessToken failed');
      return;
    }
    if (this.state === 'closed') return;
    let socket: WebSocketLike;
    try {
      socket = new this.options.WebSocket(this.options.url);
    } catch (error) {
      // E.g. a browser refusing the URL: reported with each attempt, retried with backoff.
      this.retry(ABNORMAL, error instanceof Error ? error.message : String(error));
      return;
    }
    const live: Live = { socket, connectedAt: undefined };
    this.live = live;
    const timeout = this.later(this.options.connectTimeoutMs, () => {
      if (this.live === live && live.connectedAt === undefined)
        this.abandon(live, 'connect timeout');
    });
    // Handlers stay attached for the socket's life (`ws` throws on an unhandled 'error'); each
    // ignores a socket that is no longer the current one.
    socket.onopen = () => {
      if (this.live === live) socket.send(JSON.stringify({ action: 'authenticate', token }));
    };
    socket.onerror = () => undefined; // a close event follows
    socket.onclose = (event) => {
      if (this.live !== live) return;
      this.clear(timeout);
      this.closed(live, event.code, event.reason);
    };
    socket.onmessage = (event) => {
      if (this.live !== live) return;
      const frame = parseFrame(event.data);
      if (!frame) return;
      if (frame.type === 'connected') {
        this.clear(timeout);
        live.connectedAt = this.options.timers.now();
        this.authRetried = false;
        this.state = 'connected';
        this.callbacks.onConnected();
      } else if (frame.type === 'reconnect') {
        this.drain(live, (frame as unknown as ReconnectFrame).after_ms);
      } else if (live.connectedAt !== undefined) {
        this.callbacks.onFrame(frame);
      }
    };
  }

  /** The gateway drains: open the next socket after `afterMs` (its own spread), not earlier. */
  private drain(live: Live, afterMs: number): void {
    this.drainAt = this.options.timers.now() + afterMs;
    this.later(afterMs, () => {
      if (this.live === live) this.abandon(live, 'reconnect requested', SERVICE_RESTART);
    });
  }

  /** Closes a socket from this side and goes on as if the gateway had closed it. */
  private abandon(live: Live, reason: string, code = ABNORMAL): void {
    closeQuietly(live.socket, NORMAL, reason);
    this.closed(live, code, reason);
  }

  private closed(live: Live, code: number, reason: string): void {
    this.live = undefined;
    if (this.state === 'closed') return;
    const now = this.options.timers.now();
    if (live.connectedAt !== undefined && now - live.connectedAt >= this.backoff.stableAfterMs) {
      this.attempt = 0;
    }
    if (code === FORBIDDEN) {
      this.fail(code, reason, new RealtimeClientError('FORBIDDEN', `closed ${code}: ${reason}`));
    } else if (code === UNAUTHENTICATED && this.authRetried) {
      const error = new RealtimeClientError('UNAUTHENTICATED', `closed ${code}: ${reason}`);
      this.fail(code, reason, error);
    } else {
      // A first 4401: the next socket asks getAccessToken() again (the token may have expired).
      if (code === UNAUTHENTICATED) this.authRetried = this.tokenRejected = true;
      // The member holds as many sockets here as the gateway allows: a place frees only when one
      // of their other tabs closes, so wait as long as backoff ever does, not its short first tries.
      if (code === TOO_MANY_CONNECTIONS) this.attempt = Math.max(this.attempt, CAP_ATTEMPT);
      this.retry(code, reason);
    }
  }

  private retry(code: number, reason: string): void {
    let delay: number;
    if (this.drainAt !== undefined) {
      delay = Math.max(0, this.drainAt - this.options.timers.now());
      this.drainAt = undefined;
    } else {
      delay = backoffDelay(this.attempt, this.backoff, this.options.random);
      this.attempt += 1;
    }
    this.state = 'reconnecting';
    this.callbacks.onDisconnected(code, reason, delay);
    this.later(delay, () => void this.open());
  }

  private fail(code: number, reason: string, error: RealtimeClientError): void {
    this.finish();
    this.callbacks.onDisconnected(code, reason, null);
    this.callbacks.onFatal(error);
  }

  private finish(): void {
    this.state = 'closed';
    this.live = undefined;
    for (const handle of this.pending) this.options.timers.clearTimeout(handle);
    this.pending.clear();
  }

  private later(ms: number, callback: () => void): unknown {
    const handle = this.options.timers.setTimeout(() => {
      this.pending.delete(handle);
      callback();
    }, ms);
    this.pending.add(handle);
    return handle;
  }

  private clear(handle: unknown): void {
    this.options.timers.clearTimeout(handle);
    this.pending.delete(handle);
  }
}

function parseFrame(data: unknown): Frame | undefined {
  try {
    const frame = JSON.parse(typeof data === 'string' ? data : String(data)) as unknown;
    const isFrame =
      typeof frame === 'object' && frame !== null && typeof (frame as Frame).type === 'string';
    return isFrame ? (frame as Frame) : undefined;
  } catch {
    return undefined;
  }
}

function closeQuietly(socket: WebSocketLike, code: number, reason: string): void {
  try {
    socket.close(code, reason);
  } catch {
    // Already closing, or still connecting on a platform that refuses: nothing to undo.
  }
}
