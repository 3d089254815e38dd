import {
  AppError,
  createEvent,
  type CreateMessageBody,
  type Message,
  type Page,
  type ThreadMessagesQuery,
  type UpdateMessageBody,
} from '@communities/contracts';
import { assertSelf, forbidden, type CommunityAccess } from '../../access/community-access';
import { policy } from '../../access/policy';
import type { Actor } from '../../auth/authenticator';
import type { EventPublisher } from '../../events/event-publisher';
import type { PageRequest } from '../../store/keyset';
import type { Repositories } from '../../store/repositories';
import type { ThreadService } from '../threads/thread.service';
import type { ReplayPath } from './message.repository';

export class MessageService {
  constructor(
    private readonly repos: Repositories,
    private readonly threads: ThreadService,
    private readonly access: CommunityAccess,
    private readonly events: EventPublisher,
  ) {}

  /** Oldest first; with `after_seq`, the messages after that seq in seq order. */
  async listOfThread(
    threadId: string,
    viewer: Actor | undefined,
    query: PageRequest & Pick<ThreadMessagesQuery, 'after_seq'>,
  ): Promise<Page<Message>> {
    await this.threads.viewable(threadId, viewer);
    const page = { limit: query.limit, cursor: query.cursor };
    return query.after_seq === undefined
      ? this.repos.messages.listOfThread(threadId, page)
      : this.repos.messages.listAfterSeq(threadId, query.after_seq, page);
  }

  /**
   * Posts a message (members of the community only): the thread's `last_activity` moves forward
   * (its `message_count` is counted from its messages). With an idempotency key (`client_msg_id`,
   * or the `Idempotency-Key` header given as `headerKey`), a retry of the same request by the
   * same author returns the message already posted, `replayed`, and changes and publishes nothing.
   */
  async create(
    threadId: string,
    actor: Actor,
    body: CreateMessageBody,
    headerKey?: string,
  ): Promise<{ message: Message; replayed: boolean; replayedBy?: ReplayPath }> {
    assertSelf(body.author, actor, 'author');
    const clientMsgId = idempotencyKey(body.client_msg_id, headerKey);
    // The actor is active: the Authenticator read the member for this very request.
    const { thread } = await this.threads.postable(
      threadId,
      actor,
      'join the community to post in its threads',
    );
    if (body.reply_to !== null) {
      const target = await this.repos.messages.get(body.reply_to);
      // A retry stays a replay even if the target has been deleted since the first attempt.
      const valid = target?.thread_id === threadId || (await this.posted(actor.id, clientMsgId));
      if (!valid) {
        throw new AppError('INVALID_REPLY_TARGET', 'reply_to must be a message of the same thread');
      }
    }
    const { outcome, message, replayedBy } = await this.repos.messages.create({
      thread_id: threadId,
      community_id: thread.community_id,
      author: actor.id,
      content: body.content,
      reply_to: body.reply_to,
      attachments: body.attachments,
      client_msg_id: clientMsgId,
    });
    if (outcome === 'key_reused') {
      throw new AppError(
        'IDEMPOTENCY_KEY_REUSED',
        'this idempotency key was used for another message; use a new key for a new message',
      );
    }
    if (outcome === 'replayed') return { message, replayed: true, replayedBy };
    await this.repos.threads.recordMessage(threadId, new Date(message.created_at));
    this.events.publish(createEvent('new_message', { message }));
    return { message, replayed: false };
  }

  /** Whether the author has already posted with this key (a retry, or a reuse of the key). */
  private async posted(author: string, key: string | null): Promise<boolean> {
    if (key === null) return false;
    return (await this.repos.messages.findByIdempotencyKey(author, key)) !== null;
  }

  async get(id: string, viewer: Actor | undefined): Promise<Message> {
    return (await this.viewable(id, viewer)).message;
  }

  /** Edits content or attachments (the author only); marks the message edited. */
  async update(id: string, actor: Actor, patch: UpdateMessageBody): Promise<Message> {
    const { message: current } = await this.viewable(id, actor);
    if (!policy.editMessage(actor.id, current)) {
      throw forbidden('only the author may edit a message');
    }
    const message = await this.repos.messages.update(id, patch);
    if (!message) throw notFound(id);
    this.events.publish(createEvent('message_updated', { message }));
    return message;
  }

  /** Author or moderators. */
  async delete(id: string, actor: Actor): Promise<void> {
    const { message: current, role } = await this.viewable(id, actor);
    if (!policy.deleteMessage(actor.id, current, role)) {
      throw forbidden('only the author and moderators may delete a message');
    }
    const message = await this.repos.messages.delete(id);
    if (!message) throw notFound(id);
    this.events.publish(
      createEvent('message_deleted', { message_id: id, thread_id: message.thread_id }),
    );
  }

  /** Searches the communities the viewer may see (or one thread of them). */
  async search(
    q: string,
    threadId: string | undefined,
    viewer: Actor | undefined,
    page: PageRequest,
  ): Promise<Page<Message>> {
    if (threadId) {
      await this.threads.viewable(threadId, viewer);
      return this.repos.messages.search(q, { threadId }, page);
    }
    const hidden = await this.access.hiddenCommunityIds(viewer);
    return this.repos.messages.search(q, { except: hidden }, page);
  }

  /** Messages of the thread whose `reply_to` is the given message, oldest first. */
  async replies(
    threadId: string,
    messageId: string,
    viewer: Actor | undefined,
    page: PageRequest,
  ): Promise<Page<Message>> {
    await this.threads.viewable(threadId, viewer);
    const message = await this.repos.messages.get(messageId);
    if (!message || message.thread_id !== threadId) throw notFound(messageId);
    return this.repos.messages.repliesTo(threadId, messageId, page);
  }

  /** The message, if it is in a community the viewer may see; MESSAGE_NOT_FOUND otherwise. */
  private async viewable(id: string, viewer: Actor | undefined) {
    const message = await this.repos.messages.get(id);
    if (!message) throw notFound(id);
    const found = await this.access.viewableFor(message.community_id, viewer, () => notFound(id));
    return { message, ...found };
  }
}

/** The key from the body or the header; both given must agree. */
function idempotencyKey(fromBody: string | undefined, fromHeader: string | undefined) {
  if (fromBody !== undefined && fromHeader !== undefined && fromBody !== fromHeader) {
    throw new AppError('VALIDATION_FAILED', 'client_msg_id and Idempotency-Key differ', [
      {
        path: 'body.client_msg_id',
        message: 'must equal the Idempotency-Key header when both are given',
      },
    ]);
  }
  return fromBody ?? fromHeader ?? null;
}

function notFound(id: string): AppError {
  return new AppError('MESSAGE_NOT_FOUND', `message ${id} not found`);
}
