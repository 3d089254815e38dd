import type { Page, Thread } from '@communities/contracts';
import type { DbId, DocumentDb, Filter, IndexSpec, Update } from '../../store/document-db';
import { idToHex } from '../../store/document-db';
import { DocumentRepository } from '../../store/document-repository';
import { KeyedBatches, type Settled } from '../../store/keyed-batches';
import { containsInsensitive, type PageRequest, type SortKey } from '../../store/keyset';
import { scopeFilter, type CommunityScope } from '../../store/community-scope';

export interface ThreadDoc {
  _id: DbId;
  community_id: string;
  title: string;
  content: string;
  created_by: string;
  created_at: Date;
  updated_at: Date;
  message_count: number;
  last_activity: Date;
  is_pinned: boolean;
  tags: string[];
}

export type NewThread = Pick<
  ThreadDoc,
  'community_id' | 'title' | 'content' | 'created_by' | 'tags'
>;
export type ThreadPatch = Partial<Pick<ThreadDoc, 'title' | 'content' | 'tags'>>;

export const THREAD_INDEXES: IndexSpec[] = [
  { name: 'community_id', key: { community_id: 1 } },
  { name: 'created_by', key: { created_by: 1 } },
  { name: 'last_activity', key: { last_activity: -1 } },
  { name: 'community_last_activity', key: { community_id: 1, last_activity: -1 } },
  // Serves the community listing: pinned first, then most recent activity, keyset on _id.
  {
    name: 'community_listing',
    key: { community_id: 1, is_pinned: -1, last_activity: -1, _id: -1 },
  },
  { name: 'created_by_created_at', key: { created_by: 1, created_at: -1 } },
];

/** A community's threads: pinned first, then by last activity, newest first. */
const LISTING_ORDER: SortKey[] = [
  { field: 'is_pinned', direction: -1, type: 'boolean' },
  { field: 'last_activity', direction: -1, type: 'date' },
  { field: '_id', direction: -1, type: 'id' },
];
const NEWEST_FIRST: SortKey[] = [{ field: '_id', direction: -1, type: 'id' }];

export function toThread(doc: ThreadDoc): Thread {
  return {
    id: idToHex(doc._id),
    community_id: doc.community_id,
    title: doc.title,
    content: doc.content,
    created_by: doc.created_by,
    created_at: doc.created_at.toISOString(),
    updated_at: doc.updated_at.toISOString(),
    message_count: Math.max(0, doc.message_count),
    last_activity: doc.last_activity.toISOString(),
    is_pinned: doc.is_pinned,
    tags: doc.tags,
  };
}

/** A change to a thread's message count; a new message also moves last_activity to `at`. */
interface CountChange {
  delta: 1 | -1;
  at?: Date;
}

export class ThreadRepository extends DocumentRepository<ThreadDoc, Thread> {
  private readonly messageCounts = new KeyedBatches<CountChange, void>((id, changes) =>
    this.applyCounts(id, changes),
  );

  constructor(db: DocumentDb) {
    super(db, 'threads', THREAD_INDEXES, toThread);
  }

  async create(input: NewThread, now = new Date()): Promise<Thread> {
    const doc: ThreadDoc = {
      _id: this.db.newId(),
      ...input,
      created_at: now,
      updated_at: now,
      message_count: 0,
      last_activity: now,
      is_pinned: false,
    };
    await this.collection.insertOne(doc);
    return toThread(doc);
  }

  listOfCommunity(communityId: string, page: PageRequest): Promise<Page<Thread>> {
    return this.page({ community_id: communityId }, LISTING_ORDER, page);
  }

  /** Case-insensitive literal match on title or content, newest first. */
  search(text: string, scope: CommunityScope, page: PageRequest): Promise<Page<Thread>> {
    const match = containsInsensitive(text);
    const filter: Filter = { $or: [{ title: { $regex: match } }, { content: { $regex: match } }] };
    return this.page({ ...filter, ...scopeFilter(scope) }, NEWEST_FIRST, page);
  }

  async update(id: string, patch: ThreadPatch, now = new Date()): Promise<Thread | null> {
    const doc = await this.collection.findOneAndUpdate(
      { _id: this.db.toId(id) },
      { $set: { ...patch, updated_at: now } },
    );
    return doc && toThread(doc);
  }

  /** Flips is_pinned atomically: the filter names the current value, so two toggles never merge. */
  async togglePin(id: string): Promise<Thread | null> {
    for (;;) {
      const current = await this.collection.findOne({ _id: this.db.toId(id) });
      if (!current) return null;
      const doc = await this.collection.findOneAndUpdate(
        { _id: current._id, is_pinned: current.is_pinned },
        { $set: { is_pinned: !current.is_pinned } },
      );
      if (doc) return toThread(doc);
    }
  }

  /**
   * Counts a new message: message_count + 1 and last_activity moved forward, never back. The
   * counts of one thread that arrive while its update is under way go together in the next one
   * (one update per batch, never two at once on the thread's document).
   */
  recordMessage(id: string, at: Date): Promise<void> {
    return this.messageCounts.submit(id, { delta: 1, at });
  }

  /**
   * Counts a deleted message. Only for a message that was really deleted; like member_count,
   * the stored value is an exact sum that reads clamp at zero. Batched with the thread's new
   * messages, for the same reason.
   */
  forgetMessage(id: string): Promise<void> {
    return this.messageCounts.submit(id, { delta: -1 });
  }

  private async applyCounts(id: string, changes: CountChange[]): Promise<Settled<void>[]> {
    const times = changes.flatMap((change) => (change.at ? [change.at.getTime()] : []));
    const update: Update = { $inc: { message_count: changes.reduce((n, c) => n + c.delta, 0) } };
    if (times.length > 0) update.$max = { last_activity: new Date(Math.max(...times)) };
    await this.collection.findOneAndUpdate({ _id: this.db.toId(id) }, update);
    return changes.map(() => ({ ok: true, value: undefined }));
  }

  async delete(id: string): Promise<boolean> {
    return (await this.deleteById(id)) !== null;
  }

  deleteAllOfCommunity(communityId: string): Promise<number> {
    return this.collection.deleteMany({ community_id: communityId });
  }

  /** `except`: communities left out of the count (those hidden from whoever asks). */
  countByAuthor(memberId: string, except: string[] = []): Promise<number> {
    return this.collection.count({ created_by: memberId, ...scopeFilter({ except }) });
  }

  async latestByAuthor(memberId: string, except: string[] = []): Promise<Date | null> {
    const [latest] = await this.collection.find(
      { created_by: memberId, ...scopeFilter({ except }) },
      { sort: { created_at: -1 }, limit: 1 },
    );
    return latest?.created_at ?? null;
  }
}
