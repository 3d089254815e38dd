import { type DomainEvent } from '@communities/contracts';

/**
 * Receives the raw JSON text of one event exactly as it travelled on the broker, so the consumer
 * validates it once and forwards the same text without re-serializing it.
 */
export type MessageHandler = (payload: string, channel: string) => void;

/** Where a durable event sits in its channel's history (the `seq` and `epoch` it was sent with). */
export interface Sequenced {
  /** 1, 2, 3, ... per channel and epoch: strictly increasing, no gaps. */
  seq: number;
  epoch: string;
}

/** A channel's latest position. `{ epoch: null, seq: 0 }`: no history (yet, or any more). */
export interface ChannelPosition {
  epoch: string | null;
  seq: number;
}

/** What `history(channel, afterSeq)` found. */
export interface ChannelHistory {
  /** The history's epoch; null when the channel has none (the next event starts a new epoch). */
  epoch: string | null;
  /** The channel's latest seq (0 with a null epoch). */
  latestSeq: number;
  /** Raw payloads with `afterSeq < seq <= latestSeq`, ascending, byte-identical to the live ones. */
  events: string[];
  /**
   * True when `events` holds every seq in `(afterSeq, latestSeq]` (vacuously when afterSeq >=
   * latestSeq); false when older ones were trimmed or expired: the caller must resync instead.
   * It says nothing about epochs: comparing the caller's epoch with `epoch` is the caller's job.
   */
  complete: boolean;
}

/** Bounds of each channel's history; every publisher applies its own on each append. */
export interface HistoryOptions {
  /** At least this many latest events are kept (Redis may keep ~100 more: `MAXLEN ~`). */
  maxEvents: number;
  /** A channel's whole history (counter, epoch, events) goes this long after its last event. */
  ttlSeconds: number;
}

/** Publisher side, used by the api-service (and by the gateway for ephemeral typing events). */
export interface EventPublisher {
  /**
   * Serializes `event` to JSON and publishes it on `event.channel`. Resolves once the broker has
   * taken it (not once anybody received it: pub/sub is fire-and-forget). Rejects, never hangs,
   * when the broker cannot take it: not connected, or no reply within the publish timeout.
   *
   * A durable event (any type not in EPHEMERAL_EVENT_TYPES) is numbered and appended to the
   * channel's history atomically with the publish: the payload is its JSON with `"seq"` and
   * `"epoch"` appended (any `seq`/`epoch` already on `event` is replaced), and the call resolves
   * with them. Ephemeral events are published as they are, kept nowhere, and resolve undefined.
   * An `access_revoked` event's `revocationEntries` are written to the revocation register in
   * the same step, before any subscriber can receive it.
   * A rejected publish may still have been applied (e.g. a reply lost in a timeout); a retry then
   * publishes the event again under a new seq, so consumers dedupe on the event's `id`.
   */
  publish(event: DomainEvent): Promise<Sequenced | undefined>;
}

/** Reading a channel's history back, used by the gateway to resume a subscription. */
export interface EventHistory {
  /** The channel's latest position. Rejects, never hangs, when the broker cannot answer. */
  position(channel: string): Promise<ChannelPosition>;
  /**
   * The durable events after `afterSeq` (an integer >= 0) in the channel's current epoch, read
   * atomically with the position. To resume without a gap, subscribe first, then read this, then
   * merge by seq. Rejects, never hangs, when the broker cannot answer.
   */
  history(channel: string, afterSeq: number): Promise<ChannelHistory>;
}

/** Subscriber side, used by the gateway. Channel names are exact: no patterns. */
export interface EventSubscriber {
  /**
   * Subscribes to one channel. One handler per channel: subscribing again replaces the handler and
   * sends no second SUBSCRIBE, so a message is delivered once. The subscription is desired state:
   * while the broker is unreachable the call still resolves, and every current channel is
   * subscribed again after each reconnect. Reference counting across sockets is the caller's job.
   */
  subscribe(channel: string, handler: MessageHandler): Promise<void>;
  /** Idempotent: unsubscribing a channel that is not subscribed does nothing. */
  unsubscribe(channel: string): Promise<void>;
}

/**
 * The revocation register (see `revocationEntries` in contracts): written by `publish` itself,
 * atomically with each `access_revoked` event, so every subscriber that hears of a revocation,
 * and everyone who asks later (a gateway that missed it or restarted), finds it recorded. Entries
 * live REVOCATION_TTL_SECONDS.
 */
export interface RevocationRegister {
  /** The register's value for each key, undefined where none. Rejects when the broker cannot answer. */
  readRevocations(keys: readonly string[]): Promise<(number | undefined)[]>;
}

export interface EventBus
  extends EventPublisher, EventSubscriber, EventHistory, RevocationRegister {
  /** For readiness probes: true while the broker connections are usable. */
  ready(): boolean;
  /** Drops every subscription and closes the connections; publish, position and history reject afterwards. */
  close(): Promise<void>;
}

/**
 * The slice of a pino logger the bus uses; any pino `Logger` fits, and the broker does not
 * depend on pino itself.
 */
export interface BusLogger {
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** Thrown by `publish` when the event was not handed to the broker. */
export class PublishError extends Error {
  constructor(
    message: string,
    readonly channel: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'PublishError';
  }
}

/** Runs a handler without letting its exception escape into the bus's own event loop callbacks. */
export function deliverSafely(
  handler: MessageHandler,
  payload: string,
  channel: string,
  logger: BusLogger,
): void {
  try {
    handler(payload, channel);
  } catch (error) {
    logger.error({ err: error, channel }, 'event handler threw');
  }
}
