import { type LocalConnection } from '../connections/local-connection';
import { CLOSE } from '../protocol/close-codes';
import { type TextFrame } from '../protocol/text-frame';
import { type ChannelPosition } from '@communities/broker';
import { pressureFor } from './backpressure';

/** An event on its way to one socket: the frame to write and its place in the channel history. */
export interface SequencedFrame {
  frame: TextFrame | string;
  /** Undefined for ephemeral events (typing): they are never deduplicated. */
  seq: number | undefined;
  epoch: string | undefined;
  ephemeral: boolean;
}

/**
 * What happened to a live event offered to a socket that is catching up: `deliver` (the fanout
 * writes it as for any socket), `held` (queued until the replay is written), or the reason it was
 * dropped for this socket (`duplicate`: it was already written by the replay).
 */
export type Admission =
  'deliver' | 'held' | 'duplicate' | 'ephemeral_backpressure' | 'slow_consumer';

export interface ReleaseResult {
  /** The last seq written to the socket on the channel (the start position if none was). */
  position: ChannelPosition;
  /** Replayed events written. */
  replayed: number;
  /** Replayed or held events not written because the socket already had them. */
  duplicates: number;
  /** The socket was closed as a slow consumer while the catch-up was written. */
  closed: boolean;
}

/**
 * One socket joining one channel, from before its broker subscription exists until the socket is
 * provably past every event it has already been sent.
 *
 * 1. `holding`: live events for the socket are queued here, not written, while the joiner reads
 *    the history (or the channel position).
 * 2. `release(start, replay)` writes, synchronously, the replay (history events after the client's
 *    `last_seq`), then the held events that are newer than the last one written; older held events
 *    are duplicates and dropped.
 * 3. `deduping`: the history read is not ordered with the pub/sub stream (two Redis connections;
 *    in-process, a later macrotask), so events already in the replay (or at most the start
 *    position) can still arrive live; they are dropped until the first newer one, after which
 *    pub/sub order is seq order again and the socket leaves the tracker (the fanout's plain path).
 *    A newer event among the held ones ends the catch-up at the release already.
 *
 * An event of another epoch than the last written is never a duplicate: it is delivered, and the
 * client sees the epoch change.
 */
export class CatchUp {
  private state: 'holding' | 'deduping' | 'ended' = 'holding';
  private held: SequencedFrame[] = [];
  private heldBytes = 0;
  private floor = 0;
  private epoch: string | null = null;

  constructor(
    readonly connection: LocalConnection,
    readonly channel: string,
    private readonly tracker: CatchUpTracker,
    private readonly maxBufferedBytes: number,
  ) {}

  /** Called by the fanout, for this socket only, instead of writing a live event. */
  admit(event: SequencedFrame): Admission {
    if (this.state === 'holding') return this.hold(event);
    if (this.state === 'ended' || event.seq === undefined) return 'deliver';
    if (this.isDuplicate(event)) return 'duplicate';
    this.end();
    return 'deliver';
  }

  /**
   * Writes the replay then the held events, skipping what the socket has (seq ≤ `start.seq` in
   * `start.epoch`, then ≤ the last written), and switches to deduping. No-op once ended (the socket
   * left the channel or closed meanwhile).
   */
  release(start: ChannelPosition, replay: readonly SequencedFrame[]): ReleaseResult {
    const result: ReleaseResult = { position: start, replayed: 0, duplicates: 0, closed: false };
    if (this.state !== 'holding') return result;
    this.floor = start.seq;
    this.epoch = start.epoch;
    const held = this.held;
    this.held = [];
    this.heldBytes = 0;
    // A live event newer than the replay was written: pub/sub brings nothing older after it.
    let pastReplay = false;
    for (const [events, replayed] of [
      [replay, true],
      [held, false],
    ] as const) {
      for (const event of events) {
        if (this.isDuplicate(event)) {
          result.duplicates += 1;
          continue;
        }
        const pressure = pressureFor(
          this.connection.bufferedAmount,
          event.ephemeral,
          this.maxBufferedBytes,
        );
        if (pressure === 'slow_consumer') {
          this.closeSlowConsumer();
          result.closed = true;
          result.position = this.position;
          return result;
        }
        if (pressure !== 'send') continue;
        this.connection.send(event.frame);
        if (replayed) result.replayed += 1;
        else if (event.seq !== undefined) pastReplay = true;
        this.advance(event);
      }
    }
    result.position = this.position;
    // Nothing has a seq ≤ 0: there is nothing to deduplicate either.
    if (pastReplay || this.floor === 0) this.end();
    else this.state = 'deduping';
    return result;
  }

  /** Before `release`: drops the held events (the join failed). */
  abandon(): void {
    if (this.state === 'holding') this.end();
  }

  end(): void {
    if (this.state === 'ended') return;
    this.state = 'ended';
    this.held = [];
    this.tracker.remove(this);
  }

  get isHolding(): boolean {
    return this.state === 'holding';
  }

  private get position(): ChannelPosition {
    return { seq: this.floor, epoch: this.epoch };
  }

  /**
   * Held events count against the socket's limit as if they were in its send buffer: a catch-up
   * that takes long cannot make the gateway's memory grow without bound.
   */
  private hold(event: SequencedFrame): Admission {
    const pending = this.connection.bufferedAmount + this.heldBytes;
    const pressure = pressureFor(pending, event.ephemeral, this.maxBufferedBytes);
    if (pressure === 'slow_consumer') this.closeSlowConsumer();
    if (pressure !== 'send') return pressure;
    this.held.push(event);
    this.heldBytes += event.frame.length;
    return 'held';
  }

  private isDuplicate(event: SequencedFrame): boolean {
    return (
      event.seq !== undefined &&
      event.epoch === (this.epoch ?? undefined) &&
      event.seq <= this.floor
    );
  }

  private advance(event: SequencedFrame): void {
    if (event.seq === undefined) return;
    this.floor = event.seq;
    this.epoch = event.epoch ?? null;
  }

  private closeSlowConsumer(): void {
    this.end();
    this.connection.close(CLOSE.slowConsumer.code, CLOSE.slowConsumer.reason);
  }
}

/**
 * The sockets catching up, per channel. The fanout asks `of(channel)` once per event; the answer
 * is undefined unless some socket is catching up on that channel, so the per-socket loop of every
 * other channel pays one comparison with undefined and nothing else.
 */
export class CatchUpTracker {
  private readonly channels = new Map<string, Map<LocalConnection, CatchUp>>();

  constructor(private readonly maxBufferedBytes: number) {}

  of(channel: string): ReadonlyMap<LocalConnection, CatchUp> | undefined {
    return this.channels.size === 0 ? undefined : this.channels.get(channel);
  }

  /** Starts holding live events of `channel` for `connection`, replacing an earlier catch-up. */
  begin(connection: LocalConnection, channel: string): CatchUp {
    // Ending the replaced one first: it may remove the channel's (then empty) map.
    this.channels.get(channel)?.get(connection)?.end();
    let catchUps = this.channels.get(channel);
    if (!catchUps) this.channels.set(channel, (catchUps = new Map<LocalConnection, CatchUp>()));
    const catchUp = new CatchUp(connection, channel, this, this.maxBufferedBytes);
    catchUps.set(connection, catchUp);
    return catchUp;
  }

  /** The socket left the channel (or closed): its catch-up there, if any, ends. */
  left(connection: LocalConnection, channel: string): void {
    this.channels.get(channel)?.get(connection)?.end();
  }

  /** Catch-ups in progress (holding or deduping), over every channel. */
  get size(): number {
    let count = 0;
    for (const catchUps of this.channels.values()) count += catchUps.size;
    return count;
  }

  /** Called by `CatchUp.end()` only. */
  remove(catchUp: CatchUp): void {
    const catchUps = this.channels.get(catchUp.channel);
    if (catchUps?.get(catchUp.connection) !== catchUp) return;
    catchUps.delete(catchUp.connection);
    if (catchUps.size === 0) this.channels.delete(catchUp.channel);
  }
}
