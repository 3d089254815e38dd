import {
  type ChannelHistory,
  type ChannelPosition,
  type HistoryOptions,
  type Sequenced,
} from './event-bus';
import { checkAfterSeq, newEpoch, spliceSequence } from './sequencing';

/** One channel's counter, epoch and last `capacity` payloads: the three Redis keys in one. */
class ChannelLog {
  seq = 0;
  expiresAt = 0;
  /** A ring: the payload of seq `s` sits at `s % capacity`. */
  private readonly ring: string[] = [];

  constructor(
    readonly epoch: string,
    private readonly capacity: number,
  ) {}

  append(payload: string): void {
    this.seq += 1;
    this.ring[this.seq % this.capacity] = payload;
  }

  /** The oldest seq still in the ring. */
  oldest(): number {
    return Math.max(1, this.seq - this.capacity + 1);
  }

  after(afterSeq: number): string[] {
    const events: string[] = [];
    for (let s = Math.max(afterSeq + 1, this.oldest()); s <= this.seq; s += 1) {
      events.push(this.ring[s % this.capacity]!);
    }
    return events;
  }
}

/**
 * The in-process bus's history, with the Redis semantics: exactly `maxEvents` kept per channel,
 * and a channel idle for `ttlSeconds` forgotten, so its next event starts a new epoch at seq 1.
 */
export class InProcessHistory {
  /** Ordered by last append, oldest first, so expired channels are always at the front. */
  private readonly logs = new Map<string, ChannelLog>();

  constructor(
    private readonly options: HistoryOptions,
    private readonly now: () => number,
  ) {}

  /** Numbers `json` and returns it spliced with its seq and epoch, ready to publish. */
  append(channel: string, json: string): Sequenced & { payload: string } {
    this.dropExpired();
    const log = this.live(channel) ?? new ChannelLog(newEpoch(), this.options.maxEvents);
    // Re-inserting moves the channel to the back of the map's iteration order.
    this.logs.delete(channel);
    this.logs.set(channel, log);
    log.expiresAt = this.now() + this.options.ttlSeconds * 1000;
    const payload = spliceSequence(json, log.seq + 1, log.epoch);
    log.append(payload);
    return { seq: log.seq, epoch: log.epoch, payload };
  }

  position(channel: string): ChannelPosition {
    const log = this.live(channel);
    return log ? { epoch: log.epoch, seq: log.seq } : { epoch: null, seq: 0 };
  }

  history(channel: string, afterSeq: number): ChannelHistory {
    checkAfterSeq(afterSeq);
    const log = this.live(channel);
    if (!log) return { epoch: null, latestSeq: 0, events: [], complete: true };
    return {
      epoch: log.epoch,
      latestSeq: log.seq,
      events: log.after(afterSeq),
      complete: afterSeq >= log.oldest() - 1,
    };
  }

  private live(channel: string): ChannelLog | undefined {
    const log = this.logs.get(channel);
    if (log && log.expiresAt > this.now()) return log;
    if (log) this.logs.delete(channel);
    return undefined;
  }

  /** Amortized O(1) per append: stops at the first channel that is still live. */
  private dropExpired(): void {
    const now = this.now();
    for (const [channel, log] of this.logs) {
      if (log.expiresAt > now) return;
      this.logs.delete(channel);
    }
  }
}
