import {
  DuplicateKeyError,
  idToHex,
  type DbId,
  type DocumentCollection,
  type DocumentDb,
  type IndexSpec,
} from '../../store/document-db';

/**
 * The n-th toggle of a thread's pin. The unique (thread_id, n) index orders every toggle of a
 * thread, from any replica: a toggle takes the next n by inserting it, and a duplicate means
 * another toggle took that n first, so it takes the one after. A thread is pinned after an odd
 * number of toggles; a thread stored pinned before toggles were counted starts from n = 1.
 */
interface PinToggleDoc {
  _id: DbId;
  thread_id: string;
  community_id: string;
  n: number;
}

/**
 * What reads see: the latest toggle of the thread applied so far, `pinned` when its n is odd.
 * `_id` is the thread's. Only toggles write it, never the thread's own writes: on FerretDB 1.x
 * every update writes the whole document back, so a pin kept on the thread would be undone by a
 * concurrent message count or edit, and never put back.
 */
interface PinStateDoc {
  _id: DbId;
  community_id: string;
  n: number;
  pinned: boolean;
}

const TOGGLE_INDEXES: IndexSpec[] = [
  // Also serves "the latest toggle of a thread".
  { name: 'thread_n_unique', key: { thread_id: 1, n: -1 }, unique: true },
  { name: 'community_id', key: { community_id: 1 } },
];
const STATE_INDEXES: IndexSpec[] = [
  { name: 'community_pinned', key: { community_id: 1, pinned: 1 } },
];

/**
 * The pin of each thread, exact on every engine because it rests on unique inserts only.
 *
 * A toggle inserts its n (see PinToggleDoc), which decides what it did: its answer is the state
 * its own n gives, and N toggles, however concurrent, end at the parity of N. It then applies
 * the latest n to the thread's PinStateDoc and re-reads until the state has caught up with the
 * toggles: the write is conditional on the n it read, so on MongoDB and the embedded store the
 * state only moves forward; on FerretDB 1.x a slower toggle's stale write can still land after a
 * newer one, but that toggle is then still in its loop and puts the latest back before it
 * returns. So once no toggle of a thread is under way its state is its latest toggle's; a read
 * during concurrent toggles may see any of their states. A toggle interrupted between its
 * insert and its state takes effect, late, with the thread's next toggle.
 */
export class ThreadPins {
  private readonly toggles: DocumentCollection<PinToggleDoc>;
  private readonly states: DocumentCollection<PinStateDoc>;

  constructor(private readonly db: DocumentDb) {
    this.toggles = db.collection<PinToggleDoc>('thread_pin_toggles');
    this.states = db.collection<PinStateDoc>('thread_pin_states');
  }

  async ensureIndexes(): Promise<void> {
    await this.toggles.ensureIndexes(TOGGLE_INDEXES);
    await this.states.ensureIndexes(STATE_INDEXES);
  }

  /**
   * Toggles the thread's pin and returns whether this toggle pinned it.
   * @param storedPinned the thread document's `is_pinned`: its state before any counted toggle
   */
  async toggle(threadId: string, communityId: string, storedPinned: boolean): Promise<boolean> {
    const origin = storedPinned ? 1 : 0;
    let n = (await this.latest(threadId, origin)) + 1;
    for (;;) {
      try {
        await this.toggles.insertOne({
          _id: this.db.newId(),
          thread_id: threadId,
          community_id: communityId,
          n,
        });
        break;
      } catch (error) {
        if (!(error instanceof DuplicateKeyError)) throw error;
        n = (await this.latest(threadId, origin)) + 1;
      }
    }
    await this.catchUp(threadId, communityId, origin);
    return n % 2 === 1;
  }

  /** The pin of each given thread that was ever toggled; the others keep their stored one. */
  async statesOf(threadIds: string[]): Promise<Map<string, boolean>> {
    if (threadIds.length === 0) return new Map();
    const docs = await this.states.find({ _id: { $in: threadIds.map((id) => this.db.toId(id)) } });
    return new Map(docs.map((doc) => [idToHex(doc._id), doc.pinned]));
  }

  /** The community's threads pinned by a toggle (not those stored pinned and never toggled). */
  async pinnedIn(communityId: string): Promise<string[]> {
    const docs = await this.states.find({ community_id: communityId, pinned: true });
    return docs.map((doc) => idToHex(doc._id));
  }

  async forget(threadId: string): Promise<void> {
    await this.toggles.deleteMany({ thread_id: threadId });
    await this.states.deleteMany({ _id: this.db.toId(threadId) });
  }

  async forgetCommunity(communityId: string): Promise<void> {
    await this.toggles.deleteMany({ community_id: communityId });
    await this.states.deleteMany({ community_id: communityId });
  }

  private async latest(threadId: string, origin: number): Promise<number> {
    const [last] = await this.toggles.find({ thread_id: threadId }, { sort: { n: -1 }, limit: 1 });
    return last?.n ?? origin;
  }

  /**
   * Brings the state up to the latest toggle, and returns only after reading it there: both reads
   * of each round start after this toggle's own writes, which is what makes the state converge.
   */
  private async catchUp(threadId: string, communityId: string, origin: number): Promise<void> {
    const _id = this.db.toId(threadId);
    for (;;) {
      const [state, latest] = await Promise.all([
        this.states.findOne({ _id }),
        this.latest(threadId, origin),
      ]);
      if ((state?.n ?? origin) >= latest) return;
      const next = { n: latest, pinned: latest % 2 === 1 };
      if (state) {
        await this.states.findOneAndUpdate({ _id, n: state.n }, { $set: next });
        continue;
      }
      try {
        await this.states.insertOne({ _id, community_id: communityId, ...next });
      } catch (error) {
        // Another toggle wrote the first state meanwhile; the next round reads it.
        if (!(error instanceof DuplicateKeyError)) throw error;
      }
    }
  }
}
