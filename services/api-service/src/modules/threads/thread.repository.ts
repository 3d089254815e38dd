import type { Page, Thread } from '@communities/contracts';
import type { DbId, DocumentDb, Filter, IndexSpec } from '../../store/document-db';
import { idToHex } from '../../store/document-db';
import { DocumentRepository } from '../../store/document-repository';
import { KeyedBatches, type Settled } from '../../store/keyed-batches';
import {
  containsInsensitive,
  decodeCursor,
  encodeCursor,
  type PageRequest,
  type SortKey,
} from '../../store/keyset';
import { scopeFilter, type CommunityScope } from '../../store/community-scope';
import { ThreadPins } from './thread-pins';

export interface ThreadDoc {
  _id: DbId;
  community_id: string;
  title: string;
  content: string;
  created_by: string;
  created_at: Date;
  updated_at: Date;
  /** Stored by earlier versions only: message_count is counted from the messages (see below). */
  message_count?: number;
  last_activity: Date;
  /**
   * The pin before any toggle counted in ThreadPins, which decide it from then on: false for
   * every thread created since, and never written again. Threads stored earlier keep theirs.
   */
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
  // Finds the threads stored pinned before pins were toggles (see ThreadDoc.is_pinned).
  {
    name: 'community_listing',
    key: { community_id: 1, is_pinned: -1, last_activity: -1, _id: -1 },
  },
  // Serves each part of the community listing: by most recent activity, keyset on _id.
  { name: 'community_activity', key: { community_id: 1, last_activity: -1, _id: -1 } },
  { name: 'created_by_created_at', key: { created_by: 1, created_at: -1 } },
];

/**
 * A community's threads: pinned first, then by last activity, newest first. The pin is not a
 * field of the thread (see ThreadPins), so the listing reads the pinned ones, then the others;
 * its cursor keeps these three keys, with which part it is in first.
 */
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
    message_count: 0,
    last_activity: doc.last_activity.toISOString(),
    is_pinned: doc.is_pinned,
    tags: doc.tags,
  };
}

/** What access checks need of a thread: read from its document alone, no count or pin. */
export type ThreadRef = Pick<Thread, 'id' | 'community_id' | 'created_by'>;

/** Where a thread's messages are: their count is the thread's message_count. */
export interface ThreadMessages {
  countOfThread(threadId: string): Promise<number>;
}

/**
 * Threads, with `message_count` counted from the messages at read time (one indexed count per
 * thread, in parallel for a page of at most 100): each message is one document, so the count is
 * exact under any concurrency of posts, deletes and edits, across replicas, on every engine. A
 * stored counter would be as exact as the engine's concurrent updates are, which not every engine
 * guarantees (see store/capabilities.ts).
 */
export class ThreadRepository extends DocumentRepository<ThreadDoc, Thread> {
  private readonly pins: ThreadPins;
  /** New messages of a thread that arrive while its update is under way go in the next one. */
  private readonly activity = new KeyedBatches<Date, void>((id, times) =>
    this.moveActivity(id, times),
  );

  constructor(
    db: DocumentDb,
    private readonly messages: ThreadMessages,
  ) {
    super(db, 'threads', THREAD_INDEXES, toThread);
    this.pins = new ThreadPins(db);
  }

  override async ensureIndexes(): Promise<void> {
    await super.ensureIndexes();
    await this.pins.ensureIndexes();
  }

  override async get(id: string): Promise<Thread | null> {
    const [thread, pins, count] = await Promise.all([
      super.get(id),
      this.pins.statesOf([id]),
      this.messages.countOfThread(id),
    ]);
    return thread && { ...withPin(thread, pins), message_count: count };
  }

  /** One read: for the checks before a post or a listing, which must not pay for a count. */
  async ref(id: string): Promise<ThreadRef | null> {
    const doc = await this.collection.findOne({ _id: this.db.toId(id) });
    return (
      doc && { id: idToHex(doc._id), community_id: doc.community_id, created_by: doc.created_by }
    );
  }

  override async getMany(ids: string[]): Promise<Thread[]> {
    return this.present(await super.getMany(ids));
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

  /** Pinned first, then by last activity, newest first (see LISTING_ORDER). */
  async listOfCommunity(communityId: string, page: PageRequest): Promise<Page<Thread>> {
    const pinnedIds = (await this.pinnedIn(communityId)).map((id) => this.db.toId(id));
    const position = page.cursor
      ? (decodeCursor(page.cursor, LISTING_ORDER, this.db) as [boolean, Date, DbId])
      : null;
    const parts = [
      { pinned: true, filter: { community_id: communityId, _id: { $in: pinnedIds } } },
      {
        pinned: false,
        filter: pinnedIds.length
          ? { community_id: communityId, _id: { $nin: pinnedIds } }
          : { community_id: communityId },
      },
    ];
    // One more than the page, to know whether another follows.
    const rows: Thread[] = [];
    for (const part of parts) {
      if (rows.length > page.limit) break;
      if (part.pinned && (pinnedIds.length === 0 || position?.[0] === false)) continue;
      const after = position?.[0] === part.pinned ? afterActivity(position[1], position[2]) : {};
      const docs = await this.collection.find(
        { ...part.filter, ...after },
        { sort: { last_activity: -1, _id: -1 }, limit: page.limit + 1 - rows.length },
      );
      rows.push(...docs.map((doc) => ({ ...toThread(doc), is_pinned: part.pinned })));
    }
    const items = await this.counted(rows.slice(0, page.limit));
    const last = items[items.length - 1];
    const next = rows.length > page.limit && last ? this.listingCursor(last) : null;
    return { items, next_cursor: next };
  }

  /** Case-insensitive literal match on title or content, newest first. */
  async search(text: string, scope: CommunityScope, page: PageRequest): Promise<Page<Thread>> {
    const match = containsInsensitive(text);
    const filter: Filter = { $or: [{ title: { $regex: match } }, { content: { $regex: match } }] };
    const found = await this.page({ ...filter, ...scopeFilter(scope) }, NEWEST_FIRST, page);
    return { items: await this.present(found.items), next_cursor: found.next_cursor };
  }

  async update(id: string, patch: ThreadPatch, now = new Date()): Promise<Thread | null> {
    const doc = await this.collection.findOneAndUpdate(
      { _id: this.db.toId(id) },
      { $set: { ...patch, updated_at: now } },
    );
    return doc && (await this.present([toThread(doc)]))[0]!;
  }

  /**
   * Flips the pin (see ThreadPins: exact under any concurrency) and returns the thread with the
   * pin this toggle gave it, even if a later toggle already changed it again; null for a thread
   * that does not exist, or no longer does.
   */
  async togglePin(id: string): Promise<Thread | null> {
    const _id = this.db.toId(id);
    const current = await this.collection.findOne({ _id });
    if (!current) return null;
    const pinned = await this.pins.toggle(id, current.community_id, current.is_pinned);
    const after = await this.collection.findOne({ _id });
    if (!after) return null;
    const [thread] = await this.counted([toThread(after)]);
    return { ...thread!, is_pinned: pinned };
  }

  /**
   * A new message: last_activity moves forward to `at`, never back (the listing's order). The
   * messages of one thread that arrive while its update is under way go together in the next one
   * (one update per batch, never two at once on the thread's document).
   */
  recordMessage(id: string, at: Date): Promise<void> {
    return this.activity.submit(id, at);
  }

  private async moveActivity(id: string, times: Date[]): Promise<Settled<void>[]> {
    const latest = new Date(Math.max(...times.map((time) => time.getTime())));
    await this.collection.findOneAndUpdate(
      { _id: this.db.toId(id) },
      { $max: { last_activity: latest } },
    );
    return times.map(() => ({ ok: true, value: undefined }));
  }

  /** Deletes the thread, then its pin (a pin left by an interrupted delete names no thread). */
  async delete(id: string): Promise<boolean> {
    const deleted = (await this.deleteById(id)) !== null;
    await this.pins.forget(id);
    return deleted;
  }

  async deleteAllOfCommunity(communityId: string): Promise<number> {
    const deleted = await this.collection.deleteMany({ community_id: communityId });
    await this.pins.forgetCommunity(communityId);
    return deleted;
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

  /** Pinned by a toggle, or stored pinned and never toggled since. */
  private async pinnedIn(communityId: string): Promise<string[]> {
    const [toggled, stored] = await Promise.all([
      this.pins.pinnedIn(communityId),
      this.collection.find({ community_id: communityId, is_pinned: true }),
    ]);
    if (stored.length === 0) return toggled;
    const storedIds = stored.map((doc) => idToHex(doc._id));
    const states = await this.pins.statesOf(storedIds);
    return [...toggled, ...storedIds.filter((id) => !states.has(id))];
  }

  /** The threads with their pins and message counts as they are now. */
  private async present(threads: Thread[]): Promise<Thread[]> {
    const pins = await this.pins.statesOf(threads.map((thread) => thread.id));
    return this.counted(threads.map((thread) => withPin(thread, pins)));
  }

  private counted(threads: Thread[]): Promise<Thread[]> {
    return Promise.all(
      threads.map(async (thread) => ({
        ...thread,
        message_count: await this.messages.countOfThread(thread.id),
      })),
    );
  }

  private listingCursor(thread: Thread): string {
    const position = {
      is_pinned: thread.is_pinned,
      last_activity: new Date(thread.last_activity),
      _id: this.db.toId(thread.id),
    };
    return encodeCursor(position, LISTING_ORDER);
  }
}

/** The thread with its toggled pin, when it was ever toggled (else the stored one stands). */
function withPin(thread: Thread, pins: Map<string, boolean>): Thread {
  const pinned = pins.get(thread.id);
  return pinned === undefined ? thread : { ...thread, is_pinned: pinned };
}

/** After (last_activity, _id) in the listing's order: less recent, or as recent and older. */
function afterActivity(lastActivity: Date, id: DbId): Filter {
  return {
    $or: [
      { last_activity: { $lt: lastActivity } },
      { last_activity: lastActivity, _id: { $lt: id } },
    ],
  };
}
