import { type EventBus } from '@communities/broker';

export interface HistoryHooks {
  /** Runs after the gateway asked for the history, before the broker is asked. */
  before?: () => Promise<void>;
  /** Runs after the broker answered, before the gateway gets the answer. */
  after?: () => Promise<void>;
}

/**
 * A bus that behaves like `bus`, except that `history()` runs the hooks set with `race` around
 * the real read, once. Tests publish in them to make "events published while the gateway reads
 * the history" happen every time instead of by luck.
 */
export class RacingBus implements EventBus {
  private hooks: HistoryHooks | undefined;

  constructor(private readonly bus: EventBus) {}

  /** The next `history()` call runs these hooks. */
  race(hooks: HistoryHooks): void {
    this.hooks = hooks;
  }

  async history(channel: string, afterSeq: number): ReturnType<EventBus['history']> {
    const hooks = this.hooks;
    this.hooks = undefined;
    await hooks?.before?.();
    const found = await this.bus.history(channel, afterSeq);
    await hooks?.after?.();
    return found;
  }

  private afterRevocationRead: (() => Promise<void>) | undefined;

  /** The next `readRevocations()` runs `after` once the broker answered, before the caller hears. */
  raceRevocationRead(after: () => Promise<void>): void {
    this.afterRevocationRead = after;
  }

  async readRevocations(keys: readonly string[]): ReturnType<EventBus['readRevocations']> {
    const after = this.afterRevocationRead;
    this.afterRevocationRead = undefined;
    const found = await this.bus.readRevocations(keys);
    await after?.();
    return found;
  }

  publish: EventBus['publish'] = (event) => this.bus.publish(event);
  position: EventBus['position'] = (channel) => this.bus.position(channel);
  subscribe: EventBus['subscribe'] = (channel, handler) => this.bus.subscribe(channel, handler);
  unsubscribe: EventBus['unsubscribe'] = (channel) => this.bus.unsubscribe(channel);
  ready: EventBus['ready'] = () => this.bus.ready();
  close: EventBus['close'] = () => this.bus.close();
}
