import type { Message, Page } from '@communities/contracts';
import type { DbId, DocumentDb, Filter, IndexSpec } from '../../store/document-db';
import { idToHex } from '../../store/document-db';
import { DocumentRepository } from '../../store/document-repository';
import { containsInsensitive, type PageRequest, type SortKey } from '../../store/keyset';
import { scopeFilter, type CommunityScope } from '../../store/community-scope';

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
}

export type NewMessage = Pick<
  MessageDoc,
  'thread_id' | 'community_id' | 'content' | 'author' | 'reply_to' | 'attachments'
>;
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
];

const CHRONOLOGICAL: SortKey[] = [
  { field: 'created_at', direction: 1, type: 'date' },
  { field: '_id', direction: 1, type: 'id' },
];
const NEWEST_FIRST: SortKey[] = [{ field: '_id', direction: -1, type: 'id' }];

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
    attachments: doc.attachments,
  };
}

export class MessageRepository extends DocumentRepository<MessageDoc, Message> {
  constructor(db: DocumentDb) {
    super(db, 'messages', MESSAGE_INDEXES, toMessage);
  }

  async create(input: NewMessage, now = new Date()): Promise<Message> {
    const doc: MessageDoc = {
      _id: this.db.newId(),
      ...input,
      created_at: now,
      edited_at: null,
      is_edited: false,
    };
    await this.collection.insertOne(doc);
    return toMessage(doc);
  }

  listOfThread(threadId: string, page: PageRequest): Promise<Page<Message>> {
    return this.page({ thread_id: threadId }, CHRONOLOGICAL, page);
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

  /** Deletes and returns the message; null if absent or another request deleted it first. */
  delete(id: string): Promise<Message | null> {
    return this.deleteById(id);
  }

  deleteAllOfThread(threadId: string): Promise<number> {
    return this.collection.deleteMany({ thread_id: threadId });
  }

  deleteAllOfCommunity(communityId: string): Promise<number> {
    return this.collection.deleteMany({ community_id: communityId });
  }

  countByAuthor(memberId: string): Promise<number> {
    return this.collection.count({ author: memberId });
  }

  async latestByAuthor(memberId: string): Promise<Date | null> {
    const [latest] = await this.collection.find(
      { author: memberId },
      { sort: { created_at: -1 }, limit: 1 },
    );
    return latest?.created_at ?? null;
  }
}
