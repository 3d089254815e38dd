import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { AppError, webUrlsOnly, type Message, type Page } from '@communities/contracts';
import {
  DuplicateKeyError,
  idToHex,
  type DbId,
  type DocumentDb,
  type Filter,
  type IndexSpec,
} from '../../store/document-db';
import { DocumentRepository } from '../../store/document-repository';
import { KeyedBatches, type Settled } from '../../store/keyed-batches';
import { containsInsensitive, type PageRequest, type SortKey } from '../../store/keyset';
import { scopeFilter, type CommunityScope } from '../../store/community-scope';
import { ThreadSeqs } from './thread-seqs';

export interface MessageDoc {
  _id: DbId;
  thread_id: string;
  /** Denormalized from the thread: cascades by community, and the shard key the spec suggests. */
  community_id: string;
  content: string;
  author: string;
  created_at: Date;
  edited_at: Date | null;
  is_edited: boolean;
  reply_to: string | null;
  attachments: string[];
  /** Position in the thread; unique per thread (see `create`). */
  seq: number;
  client_msg_id: string | null;
  /** `client_msg_id`, else the message's own id: unique per author, so a retry cannot post twice. */
  idempotency_key: string;
  /** Digest of what was asked (thread, content, reply, attachments): a replay must ask the same. */
  request_digest: string;
}

export type NewMessage = Pick<
  MessageDoc,
  'thread_id' | 'community_id' | 'content' | 'author' | 'reply_to' | 'attachments'
> & { client_msg_id?: string | null };

/**
 * What `create` did: `created` a new message; `replayed` an earlier one posted by the same author
 * with the same key and the same request; `key_reused` found the author's key on a different
 * request (another thread or other content), and posted nothing.
 */
export interface PostedMessage {
  outcome: 'created' | 'replayed' | 'key_reused';
  message: Message;
  /** How a `replayed` post found its earlier message (absent otherwise). */
  replayedBy?: ReplayPath;
}

/**
 * `lookup`: the key was already stored when the post was looked at; `same_batch`: an earlier post
 * of the same batch (this replica) had the key; `duplicate_key`: the post's own insert broke a
 * unique index first (another replica stored the key, or its seq, in between), and the next look
 * found the key: the path of retries racing in on two replicas at once.
 */
export type ReplayPath = 'lookup' | 'same_batch' | 'duplicate_key';

/** One post waiting in its thread's batch. */
interface PendingPost {
  input: NewMessage;
  now: Date;
  _id: DbId;
  digest: string;
  attempts: number;
  /** Left for the next round behind a post of the same batch with the same key. */
  deferred: boolean;
}

/**
 * Rounds one post may go through before it gives up: a round is lost only to another replica
 * that took the same seq (the counter hands seqs out; the unique index decides them), so this
 * bounds replicas racing for one thread; a jittered pause spreads them.
 */
const SEQ_ATTEMPTS = 20;
/** Messages that have a seq (the backfill's own input has none yet). */
const SEQUENCED: Filter = { seq: { $exists: true } };
export type MessagePatch = Partial<Pick<MessageDoc, 'content' | 'attachments'>>;

export const MESSAGE_INDEXES: IndexSpec[] = [
  { name: 'thread_id', key: { thread_id: 1 } },
  { name: 'author', key: { author: 1 } },
  { name: 'created_at', key: { created_at: 1 } },
  { name: 'thread_created_at', key: { thread_id: 1, created_at: 1 } },
  // Keyset pagination of a thread (and of the replies to one message), oldest first.
  { name: 'thread_chronology', key: { thread_id: 1, created_at: 1, _id: 1 } },
  { name: 'thread_replies', key: { thread_id: 1, reply_to: 1, created_at: 1, _id: 1 } },
  { name: 'author_created_at', key: { author: 1, created_at: -1 } },
  { name: 'community_id', key: { community_id: 1 } },
  // A seq is taken once per thread: the counter hands seqs out, and replicas that got the same
  // number (an engine without atomic updates hands one out twice) are told apart here; the loser
  // takes new ones.
  { name: 'thread_seq_unique', key: { thread_id: 1, seq: 1 }, unique: true },
  // Idempotent posting: one message per author and key, across replicas and restarts.
  { name: 'author_idempotency_key_unique', key: { author: 1, idempotency_key: 1 }, unique: true },
];

const CHRONOLOGICAL: SortKey[] = [
  { field: 'created_at', direction: 1, type: 'date' },
  { field: '_id', direction: 1, type: 'id' },
];
const NEWEST_FIRST: SortKey[] = [{ field: '_id', direction: -1, type: 'id' }];
const BY_SEQ: SortKey[] = [
  { field: 'seq', direction: 1, type: 'number' },
  { field: '_id', direction: 1, type: 'id' },
];

/** The post's idempotency key as `takenKeys` indexes it; null without one. */
function keyOf(input: NewMessage): string | null {
  return input.client_msg_id ? `${input.author} ${input.client_msg_id}` : null;
}

/** A clash outranks a deferral: a deferred post may clash in a later round too. */
function replayPath(post: PendingPost): ReplayPath {
  if (post.attempts > 0) return 'duplicate_key';
  return post.deferred ? 'same_batch' : 'lookup';
}

function digestOf(input: NewMessage): string {
  const asked = [input.thread_id, input.content, input.reply_to, input.attachments];
  return createHash('sha256').update(JSON.stringify(asked)).digest('base64url');
}

export function toMessage(doc: MessageDoc): Message {
  return {
    id: idToHex(doc._id),
    thread_id: doc.thread_id,
    community_id: doc.community_id,
    content: doc.content,
    author: doc.author,
    created_at: doc.created_at.toISOString(),
    edited_at: doc.edited_at ? doc.edited_at.toISOString() : null,
    is_edited: doc.is_edited,
    reply_to: doc.reply_to,
    attachments: webUrlsOnly(doc.attachments),
    seq: doc.seq,
    client_msg_id: doc.client_msg_id,
  };
}

export class MessageRepository extends DocumentRepository<MessageDoc, Message> {
  private readonly seqs: ThreadSeqs;
  private readonly posts = new KeyedBatches<PendingPost, PostedMessage>((threadId, batch) =>
    this.postBatch(threadId, batch),
  );

  constructor(db: DocumentDb) {
    super(db, 'messages', MESSAGE_INDEXES, toMessage);
    this.seqs = new ThreadSeqs(db, this.collection);
  }

  override async ensureIndexes(): Promise<void> {
    await this.backfillSequence();
    await super.ensureIndexes();
    await this.seqs.ensureIndexes();
  }

  /**
   * Messages stored before sequencing existed get, before the unique indexes are built, a seq
   * after their thread's sequenced ones (in creation order) and their own id as idempotency key,
   * so an existing store upgrades in place instead of failing to start. Runs at each start and
   * finds nothing once done; a crash halfway is finished by the next start.
   */
  private async backfillSequence(): Promise<void> {
    const missing = await this.collection.find(
      { seq: { $exists: false } },
      { sort: { thread_id: 1, created_at: 1, _id: 1 } },
    );
    const next = new Map<string, number>();
    for (const doc of missing) {
      const seq =
        (next.get(doc.thread_id) ?? (await this.seqs.highest(doc.thread_id, SEQUENCED))) + 1;
      next.set(doc.thread_id, seq);
      await this.collection.findOneAndUpdate(
        { _id: doc._id },
        {
          $set: {
            seq,
            client_msg_id: null,
            idempotency_key: idToHex(doc._id),
            request_digest: '',
          },
        },
      );
      await this.seqs.raiseCounter(doc.thread_id, seq);
    }
  }

  /**
   * Posts a message with the next seq of its thread, at most once per author and key. Posts to
   * one thread are written in batches (see `KeyedBatches`): a batch looks its keys up, takes its
   * seqs from the thread's counter in one `$inc` and inserts its messages in one ordered
   * `insertMany`, so a busy thread costs three round trips per batch, not per post.
   */
  create(input: NewMessage, now = new Date()): Promise<PostedMessage> {
    const post = {
      input,
      now,
      _id: this.db.newId(),
      digest: digestOf(input),
      attempts: 0,
      deferred: false,
    };
    return this.posts.submit(input.thread_id, post);
  }

  /**
   * One batch, in rounds until every post is settled. A round settles the posts whose key is
   * taken (a replay, or a reuse of the key); the others take consecutive seqs and are inserted in
   * order. The unique indexes settle what the counter cannot: a clash on (thread_id, seq) (another
   * replica took that seq) or on the author's key (a retry racing in from another replica) stops
   * the insert there, and the posts from that one on go to the next round, which looks their keys
   * up again (a duplicate key does not say which index it broke).
   */
  private async postBatch(
    threadId: string,
    batch: PendingPost[],
  ): Promise<Settled<PostedMessage>[]> {
    const results = new Map<PendingPost, Settled<PostedMessage>>();
    let pending = batch;
    while (pending.length > 0) {
      const taken = await this.takenKeys(pending);
      const toInsert: PendingPost[] = [];
      const keysInRound = new Set<string>();
      const later: PendingPost[] = [];
      for (const post of pending) {
        const key = keyOf(post.input);
        const earlier = key === null ? undefined : taken.get(key);
        if (earlier) {
          const message = toMessage(earlier);
          const value: PostedMessage =
            earlier.request_digest === post.digest
              ? { outcome: 'replayed', message, replayedBy: replayPath(post) }
              : { outcome: 'key_reused', message };
          results.set(post, { ok: true, value });
        } else if (key !== null && keysInRound.has(key)) {
          // The same key twice in one round: the first is inserted, this one then replays it.
          post.deferred = true;
          later.push(post);
        } else {
          if (key !== null) keysInRound.add(key);
          toInsert.push(post);
        }
      }
      const docs = await this.sequence(threadId, toInsert);
      let inserted = docs.length;
      try {
        await this.collection.insertMany(docs);
      } catch (error) {
        if (!(error instanceof DuplicateKeyError)) throw error;
        inserted = error.inserted;
      }
      docs.slice(0, inserted).forEach((doc, i) => {
        results.set(toInsert[i]!, {
          ok: true,
          value: { outcome: 'created', message: toMessage(doc) },
        });
      });
      const clashed = toInsert.slice(inserted);
      for (const post of clashed) {
        post.attempts += 1;
        if (post.attempts === SEQ_ATTEMPTS) {
          const error = new AppError(
            'SERVICE_UNAVAILABLE',
            'the thread is too busy right now; retry',
          );
          results.set(post, { ok: false, error });
        }
      }
      pending = [...clashed.filter((post) => !results.has(post)), ...later];
      if (clashed.length > 0) await sleep(Math.random() * Math.min(2 ** clashed[0]!.attempts, 100));
    }
    return batch.map((post) => results.get(post)!);
  }

  /** The stored messages holding the posts' keys, by `author` + key: one query for the batch. */
  private async takenKeys(posts: PendingPost[]): Promise<Map<string, MessageDoc>> {
    const keys = new Map<string, { author: string; idempotency_key: string }>();
    for (const { input } of posts) {
      const key = keyOf(input);
      if (key !== null)
        keys.set(key, { author: input.author, idempotency_key: input.client_msg_id! });
    }
    if (keys.size === 0) return new Map();
    const found = await this.collection.find({ $or: [...keys.values()] });
    return new Map(found.map((doc) => [`${doc.author} ${doc.idempotency_key}`, doc]));
  }

  /** The posts as documents, with the next seqs of the thread in their order. */
  private async sequence(threadId: string, posts: PendingPost[]): Promise<MessageDoc[]> {
    if (posts.length === 0) return [];
    const first = await this.seqs.take(threadId, posts[0]!.input.community_id, posts.length);
    return posts.map(({ input, now, _id, digest }, i) => {
      const clientMsgId = input.client_msg_id ?? null;
      return {
        _id,
        thread_id: input.thread_id,
        community_id: input.community_id,
        content: input.content,
        author: input.author,
        created_at: now,
        edited_at: null,
        is_edited: false,
        reply_to: input.reply_to,
        attachments: input.attachments,
        seq: first + i,
        client_msg_id: clientMsgId,
        idempotency_key: clientMsgId ?? idToHex(_id),
        request_digest: digest,
      };
    });
  }

  /** The author's message posted with this idempotency key, if any. */
  async findByIdempotencyKey(author: string, key: string): Promise<Message | null> {
    const doc = await this.collection.findOne({ author, idempotency_key: key });
    return doc && toMessage(doc);
  }

  listOfThread(threadId: string, page: PageRequest): Promise<Page<Message>> {
    return this.page({ thread_id: threadId }, CHRONOLOGICAL, page);
  }

  /** The thread's messages with a seq greater than `afterSeq`, in seq order. */
  listAfterSeq(threadId: string, afterSeq: number, page: PageRequest): Promise<Page<Message>> {
    return this.page({ thread_id: threadId, seq: { $gt: afterSeq } }, BY_SEQ, page);
  }

  repliesTo(threadId: string, messageId: string, page: PageRequest): Promise<Page<Message>> {
    return this.page({ thread_id: threadId, reply_to: messageId }, CHRONOLOGICAL, page);
  }

  /** Case-insensitive literal match on content, newest first. */
  /** `threadId` narrows to one thread; otherwise `except` leaves out hidden communities. */
  search(
    text: string,
    scope: { threadId: string } | CommunityScope,
    page: PageRequest,
  ): Promise<Page<Message>> {
    const filter: Filter = { content: { $regex: containsInsensitive(text) } };
    const where = 'threadId' in scope ? { thread_id: scope.threadId } : scopeFilter(scope);
    return this.page({ ...filter, ...where }, NEWEST_FIRST, page);
  }

  async update(id: string, patch: MessagePatch, now = new Date()): Promise<Message | null> {
    const doc = await this.collection.findOneAndUpdate(
      { _id: this.db.toId(id) },
      { $set: { ...patch, is_edited: true, edited_at: now } },
    );
    return doc && toMessage(doc);
  }

  /**
   * Deletes and returns the message; null if absent or another request deleted it first. Its seq
   * is recorded as used first, so that it is never handed out again (see `ThreadSeqs.highest`).
   */
  async delete(id: string): Promise<Message | null> {
    const doc = await this.collection.findOne({ _id: this.db.toId(id) });
    if (!doc) return null;
    await this.seqs.raiseFloor(doc);
    return this.deleteById(id);
  }

  async deleteAllOfThread(threadId: string): Promise<number> {
    const deleted = await this.collection.deleteMany({ thread_id: threadId });
    await this.seqs.deleteAll({ thread_id: threadId });
    return deleted;
  }

  async deleteAllOfCommunity(communityId: string): Promise<number> {
    const deleted = await this.collection.deleteMany({ community_id: communityId });
    await this.seqs.deleteAll({ community_id: communityId });
    return deleted;
  }

  /** `except`: communities left out of the count (those hidden from whoever asks). */
  /** The thread's messages now (an indexed count): the thread's message_count. */
  countOfThread(threadId: string): Promise<number> {
    return this.collection.count({ thread_id: threadId });
  }

  countByAuthor(memberId: string, except: string[] = []): Promise<number> {
    return this.collection.count({ author: memberId, ...scopeFilter({ except }) });
  }

  async latestByAuthor(memberId: string, except: string[] = []): Promise<Date | null> {
    const [latest] = await this.collection.find(
      { author: memberId, ...scopeFilter({ except }) },
      { sort: { created_at: -1 }, limit: 1 },
    );
    return latest?.created_at ?? null;
  }
}
