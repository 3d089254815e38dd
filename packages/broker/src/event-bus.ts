import { type DomainEvent } from '@communities/contracts';

/**
 * Receives the raw JSON text of one event exactly as it travelled on the broker, so the consumer
 * validates it once and forwards the same text without re-serializing it.
 */
export type MessageHandler = (payload: string, channel: string) => void;

/** Publisher side, used by the api-service (and by the gateway for ephemeral typing events). */
export interface EventPublisher {
  /**
   * Serializes `event` to JSON and publishes it on `event.channel`. Resolves once the broker has
   * taken it (not once anybody received it: pub/sub is fire-and-forget). Rejects, never hangs,
   * when the broker cannot take it: not connected, or no reply within the publish timeout.
   */
  publish(event: DomainEvent): Promise<void>;
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

export interface EventBus extends EventPublisher, EventSubscriber {
  /** For readiness probes: true while the broker connections are usable. */
  ready(): boolean;
  /** Drops every subscription and closes the connections; `publish` rejects afterwards. */
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
