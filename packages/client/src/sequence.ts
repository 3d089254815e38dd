/**
 * What a durable event's (seq, epoch) means for a channel whose last delivered position is
 * (lastSeq, epoch):
 * - `next`: the event right after the last one (or the first one the channel sees): deliver it;
 * - `duplicate`: seq ≤ lastSeq in the same epoch: already delivered, drop it;
 * - `gap`: seq > lastSeq + 1 in the same epoch: events were lost in between;
 * - `epoch_changed`: the channel's history was reset; seqs of the old epoch mean nothing now.
 */
export type SeqVerdict = 'next' | 'duplicate' | 'gap' | 'epoch_changed';

/** The client's position in one channel: the last seq delivered and its epoch. */
export class ChannelSequence {
  lastSeq: number | undefined;
  epoch: string | undefined;

  classify(seq: number, epoch: string | undefined): SeqVerdict {
    if (epoch !== undefined && this.epoch !== undefined && epoch !== this.epoch) {
      return 'epoch_changed';
    }
    if (this.lastSeq === undefined) return 'next';
    if (seq <= this.lastSeq) return 'duplicate';
    return seq === this.lastSeq + 1 ? 'next' : 'gap';
  }

  /** Sets the position (after delivering an event, or as a gateway frame says). */
  moveTo(seq: number, epoch: string | undefined): void {
    this.lastSeq = seq;
    if (epoch !== undefined) this.epoch = epoch;
  }

  /**
   * Where the gateway says the channel stands (`resync_required`). An empty epoch means the channel
   * has no history at all: the next event's epoch is then taken as it comes, not as a change.
   */
  resetTo(seq: number, epoch: string): void {
    this.lastSeq = seq;
    this.epoch = epoch === '' ? undefined : epoch;
  }

  /**
   * A fresh join's ack: the channel's position when the subscription started (every later event
   * has a greater seq). Events may already have arrived before the ack; never move backwards.
   */
  adoptStart(seq: number | undefined, epoch: string | undefined): void {
    if (seq === undefined) return;
    if (this.lastSeq === undefined || seq > this.lastSeq) this.lastSeq = seq;
    if (this.epoch === undefined && epoch) this.epoch = epoch;
  }
}

/**
 * The messages of a thread already handed to `onMessage`: their ids (the most recent `capacity`,
 * for dedupe between live events and REST catch-ups) and the highest message seq delivered.
 */
export class MessageLedger {
  private readonly ids = new Set<string>();
  private highestSeq: number | undefined;

  constructor(
    afterSeq: number | undefined,
    private readonly capacity = 1000,
  ) {
    this.highestSeq = afterSeq;
  }

  /** Records a message; false if it was delivered before (then it must not be delivered again). */
  record(message: { id: string; seq?: number }): boolean {
    if (this.ids.has(message.id)) return false;
    this.ids.add(message.id);
    // A Set iterates in insertion order: the first id is the oldest.
    if (this.ids.size > this.capacity) this.ids.delete(this.ids.values().next().value as string);
    if (
      message.seq !== undefined &&
      (this.highestSeq === undefined || message.seq > this.highestSeq)
    ) {
      this.highestSeq = message.seq;
    }
    return true;
  }

  /**
   * Where a REST catch-up starts: `overlap` seqs below the highest delivered, because two messages
   * posted concurrently may be published in the opposite order to their seqs; the refetched
   * overlap is deduplicated by id. 0 (the whole thread) when nothing is known.
   */
  catchUpAfter(overlap: number): number {
    return Math.max(0, (this.highestSeq ?? 0) - overlap);
  }
}
