import { type DomainEvent, REVOCATION_TTL_SECONDS } from '@communities/contracts';
import {
  type BusLogger,
  type ChannelHistory,
  type ChannelPosition,
  type EventBus,
  type HistoryOptions,
  type MessageHandler,
  PublishError,
  type Sequenced,
  deliverSafely,
} from './event-bus';
import { InProcessHistory } from './in-process-history';
import { entriesToRecord, InProcessRevocations } from './revocation-register';
import { eventJson, historyOptions, isDurable } from './sequencing';

export interface InProcessHubOptions {
  /** Bounds of each channel's history. Default 1000 events, 86400 s. */
  history?: Partial<HistoryOptions> | undefined;
  /** Clock for history expiry, in ms (tests move it forward). Default `Date.now`. */
  now?: () => number;
}

/**
 * What the Redis server is to `RedisEventBus`: it routes a published payload to every bus that is
 * subscribed to the channel. Buses created without a hub get their own, which is all a single
 * process needs; tests share one hub between several buses to stand for several processes.
 */
export class InProcessHub {
  private readonly subscribers = new Map<string, Set<InProcessEventBus>>();
  /** Like the Redis keys: shared by every bus on the hub, so seqs are per channel, not per bus. */
  readonly history: InProcessHistory;
  readonly revocations: InProcessRevocations;

  constructor(options: InProcessHubOptions = {}) {
    const now = options.now ?? (() => Date.now());
    this.history = new InProcessHistory(historyOptions(options.history), now);
    this.revocations = new InProcessRevocations(REVOCATION_TTL_SECONDS * 1000, now);
  }

  /**
   * Records the event's revocations, numbers, appends and routes in one synchronous step:
   * delivery order is seq order, and a revocation is in the register before anyone hears of it.
   */
  publishDurable(event: DomainEvent, json: string): Sequenced {
    this.revocations.record(entriesToRecord(event));
    const { seq, epoch, payload } = this.history.append(event.channel, json);
    this.publish(event.channel, payload);
    return { seq, epoch };
  }

  /** Routes at publish time (like Redis); each bus checks its own subscription again on receipt. */
  publish(channel: string, payload: string): void {
    const targets = this.subscribers.get(channel);
    if (!targets) return;
    const snapshot = [...targets];
    // setImmediate callbacks run in FIFO order, which preserves per-channel ordering, and never
    // inside `publish`, so callers cannot come to rely on synchronous delivery.
    setImmediate(() => {
      for (const bus of snapshot) bus.receive(channel, payload);
    });
  }

  attach(channel: string, bus: InProcessEventBus): void {
    const set = this.subscribers.get(channel) ?? new Set();
    set.add(bus);
    this.subscribers.set(channel, set);
  }

  detach(channel: string, bus: InProcessEventBus): void {
    const set = this.subscribers.get(channel);
    if (!set?.delete(bus)) return;
    if (set.size === 0) this.subscribers.delete(channel);
  }

  /** Subscribed buses on `channel`: the in-process `PUBSUB NUMSUB`. */
  numsub(channel: string): number {
    return this.subscribers.get(channel)?.size ?? 0;
  }
}

/**
 * The embedded broker: Redis pub/sub semantics inside one process. Events are serialized to the
 * JSON text Redis would carry (durable ones numbered and kept in the hub's history, as on Redis)
 * and delivered on a later macrotask, in publish order per channel.
 */
export class InProcessEventBus implements EventBus {
  private readonly handlers = new Map<string, MessageHandler>();
  private closed = false;

  constructor(
    private readonly logger: BusLogger,
    readonly hub: InProcessHub = new InProcessHub(),
  ) {}

  publish(event: DomainEvent): Promise<Sequenced | undefined> {
    if (this.closed) {
      return Promise.reject(new PublishError('event bus is closed', event.channel));
    }
    const json = eventJson(event);
    if (isDurable(event)) return Promise.resolve(this.hub.publishDurable(event, json));
    this.hub.publish(event.channel, json);
    return Promise.resolve(undefined);
  }

  position(channel: string): Promise<ChannelPosition> {
    if (this.closed) return Promise.reject(new Error('event bus is closed'));
    return Promise.resolve(this.hub.history.position(channel));
  }

  history(channel: string, afterSeq: number): Promise<ChannelHistory> {
    if (this.closed) return Promise.reject(new Error('event bus is closed'));
    // The executor turns a bad afterSeq's RangeError into a rejection, as on Redis.
    return new Promise((resolve) => resolve(this.hub.history.history(channel, afterSeq)));
  }

  readRevocations(keys: readonly string[]): Promise<(number | undefined)[]> {
    if (this.closed) return Promise.reject(new Error('event bus is closed'));
    return Promise.resolve(this.hub.revocations.readAll(keys));
  }

  subscribe(channel: string, handler: MessageHandler): Promise<void> {
    if (this.closed) return Promise.reject(new Error('event bus is closed'));
    this.handlers.set(channel, handler);
    this.hub.attach(channel, this);
    return Promise.resolve();
  }

  unsubscribe(channel: string): Promise<void> {
    if (this.handlers.delete(channel)) this.hub.detach(channel, this);
    return Promise.resolve();
  }

  /** Called by the hub. Like a Redis client, drops a message for a channel unsubscribed meanwhile. */
  receive(channel: string, payload: string): void {
    const handler = this.handlers.get(channel);
    if (handler) deliverSafely(handler, payload, channel, this.logger);
  }

  isSubscribed(channel: string): boolean {
    return this.handlers.has(channel);
  }

  ready(): boolean {
    return !this.closed;
  }

  close(): Promise<void> {
    this.closed = true;
    for (const channel of this.handlers.keys()) this.hub.detach(channel, this);
    this.handlers.clear();
    return Promise.resolve();
  }
}
