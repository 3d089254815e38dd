import {
  DuplicateKeyError,
  type DbId,
  type DocumentCollection,
  type DocumentDb,
  type Filter,
  type IndexSpec,
} from '../../store/document-db';
import type { MessageDoc } from './message.repository';

/**
 * The highest seq ever deleted from a thread, kept since before counters existed: a thread's
 * counter starts from it and its live messages (see `highest`), so a seq a client saw is never
 * handed out again even when the last message of the thread was deleted.
 */
interface SeqFloorDoc {
  _id: DbId;
  thread_id: string;
  community_id: string;
  seq: number;
}

/** The last seq handed out in a thread: posts take the next ones by one `$inc`. */
interface SeqCounterDoc {
  _id: DbId;
  thread_id: string;
  community_id: string;
  last_seq: number;
}

/** Floors and counters alike: one per thread, removed with their thread or community. */
const PER_THREAD_INDEXES: IndexSpec[] = [
  { name: 'thread_id_unique', key: { thread_id: 1 }, unique: true },
  { name: 'community_id', key: { community_id: 1 } },
];

/**
 * The seqs of each thread's messages: a counter per thread that posts take their numbers from,
 * and the floors deletes leave for threads whose counter does not exist yet. Together they make
 * sure a seq is handed out once, ever: never again after its message was deleted.
 */
export class ThreadSeqs {
  private readonly floors: DocumentCollection<SeqFloorDoc>;
  private readonly counters: DocumentCollection<SeqCounterDoc>;

  constructor(
    private readonly db: DocumentDb,
    private readonly messages: DocumentCollection<MessageDoc>,
  ) {
    this.floors = db.collection<SeqFloorDoc>('message_seq_floors');
    this.counters = db.collection<SeqCounterDoc>('message_seq_counters');
  }

  async ensureIndexes(): Promise<void> {
    await this.floors.ensureIndexes(PER_THREAD_INDEXES);
    await this.counters.ensureIndexes(PER_THREAD_INDEXES);
  }

  /**
   * Reserves `count` seqs of the thread and returns the first. A thread without a counter yet
   * (new, or last posted to before counters existed) gets one starting after its highest seq.
   * Seqs reserved by a post that then fails are skipped, never reused.
   */
  async take(threadId: string, communityId: string, count: number): Promise<number> {
    for (;;) {
      const counter = await this.counters.findOneAndUpdate(
        { thread_id: threadId },
        { $inc: { last_seq: count } },
      );
      if (counter) return counter.last_seq - count + 1;
      const highest = await this.highest(threadId);
      try {
        await this.counters.insertOne({
          _id: this.db.newId(),
          thread_id: threadId,
          community_id: communityId,
          last_seq: highest + count,
        });
        return highest + 1;
      } catch (error) {
        // Another replica created it first: take from theirs.
        if (!(error instanceof DuplicateKeyError)) throw error;
      }
    }
  }

  /**
   * The highest seq the thread has used: its live messages, then the floor left by deletes, then
   * its counter. In this order, against `delete` raising the floor before removing: a message
   * deleted between the two reads is seen by one of them.
   */
  async highest(threadId: string, where: Filter = {}): Promise<number> {
    const [last] = await this.messages.find(
      { thread_id: threadId, ...where },
      { sort: { seq: -1 }, limit: 1 },
    );
    const floor = await this.floors.findOne({ thread_id: threadId });
    const counter = await this.counters.findOne({ thread_id: threadId });
    return Math.max(last?.seq ?? 0, floor?.seq ?? 0, counter?.last_seq ?? 0);
  }

  /**
   * Raises the thread's seq floor to the message's seq (never lowers it), before the message is
   * deleted: for a thread whose counter is yet to be made (see `take`).
   */
  async raiseFloor(doc: MessageDoc): Promise<void> {
    const filter = { thread_id: doc.thread_id };
    const update = { $max: { seq: doc.seq } };
    if (await this.floors.findOneAndUpdate(filter, update)) return;
    try {
      await this.floors.insertOne({
        _id: this.db.newId(),
        thread_id: doc.thread_id,
        community_id: doc.community_id,
        seq: doc.seq,
      });
    } catch (error) {
      // Another delete in the thread created it first: raise theirs.
      if (!(error instanceof DuplicateKeyError)) throw error;
      await this.floors.findOneAndUpdate(filter, update);
    }
  }

  /** Raises the thread's counter, if it has one, to at least `seq` (messages numbered by hand). */
  async raiseCounter(threadId: string, seq: number): Promise<void> {
    await this.counters.findOneAndUpdate({ thread_id: threadId }, { $max: { last_seq: seq } });
  }

  /** Forgets the floors and counters of a thread or a community whose messages are gone. */
  async deleteAll(filter: { thread_id: string } | { community_id: string }): Promise<void> {
    await this.floors.deleteMany(filter);
    await this.counters.deleteMany(filter);
  }
}
