import {
  AppError,
  createEvent,
  type CreateMessageBody,
  type Message,
  type Page,
  type UpdateMessageBody,
} from '@communities/contracts';
import { assertSelf, forbidden, type CommunityAccess } from '../../access/community-access';
import { policy } from '../../access/policy';
import type { Actor } from '../../auth/authenticator';
import type { EventPublisher } from '../../events/event-publisher';
import type { PageRequest } from '../../store/keyset';
import type { Repositories } from '../../store/repositories';
import type { MemberService } from '../members/member.service';
import type { ThreadService } from '../threads/thread.service';

export class MessageService {
  constructor(
    private readonly repos: Repositories,
    private readonly threads: ThreadService,
    private readonly access: CommunityAccess,
    private readonly members: MemberService,
    private readonly events: EventPublisher,
  ) {}

  /** Oldest first. */
  async listOfThread(
    threadId: string,
    viewer: Actor | undefined,
    page: PageRequest,
  ): Promise<Page<Message>> {
    await this.threads.viewable(threadId, viewer);
    return this.repos.messages.listOfThread(threadId, page);
  }

  /**
   * Posts a message (members of the community only): the thread's `message_count` goes up by one
   * and `last_activity` forward.
   */
  async create(threadId: string, actor: Actor, body: CreateMessageBody): Promise<Message> {
    assertSelf(body.author, actor, 'author');
    const [{ thread, role }] = await Promise.all([
      this.threads.viewable(threadId, actor),
      this.members.requireActive(actor.id),
    ]);
    if (!policy.post(role)) throw forbidden('join the community to post in its threads');
    if (body.reply_to !== null) {
      const target = await this.repos.messages.get(body.reply_to);
      if (!target || target.thread_id !== threadId) {
        throw new AppError('INVALID_REPLY_TARGET', 'reply_to must be a message of the same thread');
      }
    }
    const message = await this.repos.messages.create({
      thread_id: threadId,
      community_id: thread.community_id,
      author: actor.id,
      content: body.content,
      reply_to: body.reply_to,
      attachments: body.attachments,
    });
    await this.repos.threads.recordMessage(threadId, new Date(message.created_at));
    this.events.publish(createEvent('new_message', { message }));
    return message;
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

  /** Author or moderators. Only the request that deleted the message decrements the count. */
  async delete(id: string, actor: Actor): Promise<void> {
    const { message: current, role } = await this.viewable(id, actor);
    if (!policy.deleteMessage(actor.id, current, role)) {
      throw forbidden('only the author and moderators may delete a message');
    }
    const message = await this.repos.messages.delete(id);
    if (!message) throw notFound(id);
    await this.repos.threads.forgetMessage(message.thread_id);
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
    try {
      return { message, ...(await this.access.viewable(message.community_id, viewer)) };
    } catch (error) {
      if (error instanceof AppError && error.code === 'COMMUNITY_NOT_FOUND') throw notFound(id);
      throw error;
    }
  }
}

function notFound(id: string): AppError {
  return new AppError('MESSAGE_NOT_FOUND', `message ${id} not found`);
}
