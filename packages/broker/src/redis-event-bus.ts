import { type DomainEvent } from '@communities/contracts';
import { type Redis } from 'ioredis';
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
import { closeRedisConnection, openRedisConnection } from './redis-connection';
import { RedisHistory } from './redis-history';
import { entriesToRecord } from './revocation-register';
import { eventJson, historyOptions, isDurable } from './sequencing';

export interface RedisEventBusOptions {
  /** e.g. `redis://127.0.0.1:6379`. */
  url: string;
  logger: BusLogger;
  /** How long `publish` waits for Redis to take an event before rejecting. Default 2000 ms. */
  publishTimeoutMs?: number;
  /** Cap of the reconnect backoff. Default 2000 ms. */
  maxReconnectDelayMs?: number;
  /** Prefix of the names shown by `CLIENT LIST`. Default `communities`. */
  connectionName?: string;
  /** Bounds of each channel's history. Default 1000 events, 86400 s. */
  history?: Partial<HistoryOptions>;
}

/** Channels per SUBSCRIBE command when re-subscribing after a reconnect. */
const RESUBSCRIBE_BATCH = 500;

/**
 * Redis pub/sub: one publisher connection per process, opened at construction, and one subscriber
 * connection, opened on the first `subscribe` (a publish-only api-service never holds one).
 * Plain SUBSCRIBE per exact channel, never PSUBSCRIBE: Redis then routes each message only to the
 * processes that have a socket on that channel. Durable events are numbered and kept in a
 * per-channel history by one script on the publisher connection (see redis-history.ts).
 */
export class RedisEventBus implements EventBus {
  private readonly handlers = new Map<string, MessageHandler>();
  private readonly publisher: Redis;
  private subscriber: Redis | undefined;
  private closing = false;
  /** Callers of `subscribe` waiting for the subscriber connection to come up. */
  private readonly waiters = new Set<() => void>();
  private readonly logger: BusLogger;
  private readonly settings: Required<Omit<RedisEventBusOptions, 'logger' | 'history'>>;
  /** Sequenced publishes and history reads, on the publisher connection. */
  private readonly historyStore: RedisHistory;

  constructor(options: RedisEventBusOptions) {
    this.logger = options.logger;
    this.settings = {
      url: options.url,
      publishTimeoutMs: options.publishTimeoutMs ?? 2000,
      maxReconnectDelayMs: options.maxReconnectDelayMs ?? 2000,
      connectionName: options.connectionName ?? 'communities',
    };
    this.publisher = this.open('pub');
    this.historyStore = new RedisHistory(this.publisher, historyOptions(options.history));
  }

  /**
   * Durable: one EVALSHA (revocations recorded + sequence + append + PUBLISH). Ephemeral: one
   * plain PUBLISH.
   */
  async publish(event: DomainEvent): Promise<Sequenced | undefined> {
    const channel = event.channel;
    if (this.closing) throw new PublishError('event bus is closed', channel);
    const json = eventJson(event);
    try {
      if (isDurable(event)) {
        return await this.historyStore.publish(channel, json, entriesToRecord(event));
      }
      await this.publisher.publish(channel, json);
      return undefined;
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new PublishError(`publish to ${channel} failed: ${reason}`, channel, { cause: error });
    }
  }

  position(channel: string): Promise<ChannelPosition> {
    if (this.closing) return Promise.reject(new Error('event bus is closed'));
    return this.historyStore.position(channel);
  }

  history(channel: string, afterSeq: number): Promise<ChannelHistory> {
    if (this.closing) return Promise.reject(new Error('event bus is closed'));
    return this.historyStore.history(channel, afterSeq);
  }

  readRevocations(keys: readonly string[]): Promise<(number | undefined)[]> {
    if (this.closing) return Promise.reject(new Error('event bus is closed'));
    return this.historyStore.readRevocations(keys);
  }

  async subscribe(channel: string, handler: MessageHandler): Promise<void> {
    if (this.closing) throw new Error('event bus is closed');
    const known = this.handlers.has(channel);
    this.handlers.set(channel, handler);
    if (known) return;
    const subscriber = this.subscriberConnection();
    if (subscriber.status === 'ready') await this.command(subscriber, 'subscribe', [channel]);
    // Not ready: the `ready` listener subscribes the whole set, this channel included. Wait for
    // it (bounded) so that a caller who was told "subscribed" on a healthy start really is.
    else await this.untilResubscribed();
  }

  async unsubscribe(channel: string): Promise<void> {
    if (!this.handlers.delete(channel)) return;
    const subscriber = this.subscriber;
    // Not ready: the reconnect starts from an empty set on the server, so nothing to undo.
    if (subscriber?.status === 'ready') await this.command(subscriber, 'unsubscribe', [channel]);
  }

  /** Whether `channel` is in the desired subscription set (subscribed, or will be on reconnect). */
  isSubscribed(channel: string): boolean {
    return this.handlers.has(channel);
  }

  ready(): boolean {
    if (this.closing || this.publisher.status !== 'ready') return false;
    return this.subscriber === undefined || this.subscriber.status === 'ready';
  }

  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    this.handlers.clear();
    this.releaseWaiters();
    const connections = [this.publisher, this.subscriber].filter((c) => c !== undefined);
    await Promise.all(connections.map(closeRedisConnection));
  }

  private subscriberConnection(): Redis {
    if (this.subscriber) return this.subscriber;
    const subscriber = this.open('sub');
    subscriber.on('ready', () => void this.resubscribeAll(subscriber));
    subscriber.on('message', (channel: string, payload: string) => {
      // A message can still arrive between our UNSUBSCRIBE and Redis processing it: drop it.
      const handler = this.handlers.get(channel);
      if (handler) deliverSafely(handler, payload, channel, this.logger);
    });
    this.subscriber = subscriber;
    return subscriber;
  }

  /** Runs on the first connect and after every reconnect: the server side starts empty. */
  private async resubscribeAll(subscriber: Redis): Promise<void> {
    const channels = [...this.handlers.keys()];
    if (channels.length > 0) this.logger.info({ channels: channels.length }, 'resubscribing');
    const batches: Promise<void>[] = [];
    for (let i = 0; i < channels.length; i += RESUBSCRIBE_BATCH) {
      batches.push(this.command(subscriber, 'subscribe', channels.slice(i, i + RESUBSCRIBE_BATCH)));
    }
    await Promise.all(batches);
    this.releaseWaiters();
  }

  /** Resolves after the next successful re-subscribe, or after the publish timeout at the latest. */
  private untilResubscribed(): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, this.settings.publishTimeoutMs);
      this.waiters.add(done);
    });
  }

  private releaseWaiters(): void {
    for (const done of [...this.waiters]) done();
  }

  /**
   * A failed (UN)SUBSCRIBE is logged, not thrown: it fails only when the connection is dropping,
   * and the reconnect that follows re-subscribes the desired set from scratch.
   */
  private async command(
    subscriber: Redis,
    name: 'subscribe' | 'unsubscribe',
    channels: string[],
  ): Promise<void> {
    try {
      await subscriber[name](...channels);
    } catch (error) {
      this.logger.warn({ err: error, command: name, channels: channels.length }, 'pubsub failed');
    }
  }

  private open(role: 'pub' | 'sub'): Redis {
    return openRedisConnection({
      url: this.settings.url,
      logger: this.logger,
      commandTimeoutMs: this.settings.publishTimeoutMs,
      maxReconnectDelayMs: this.settings.maxReconnectDelayMs,
      connectionName: `${this.settings.connectionName}-${role}`,
      isClosing: () => this.closing,
    });
  }
}
