import {
  AppError,
  createEvent,
  type CreateMessageBody,
  type Message,
  type Page,
  type UpdateMessageBody,
} from '@communities/contracts';
import type { EventPublisher } from '../../events/event-publisher';
import type { PageRequest } from '../../store/keyset';
import type { Repositories } from '../../store/repositories';
import type { MemberService } from '../members/member.service';
import type { ThreadService } from '../threads/thread.service';

export class MessageService {
  constructor(
    private readonly repos: Repositories,
    private readonly threads: ThreadService,
    private readonly members: MemberService,
    private readonly events: EventPublisher,
  ) {}

  /** Oldest first. */
  async listOfThread(threadId: string, page: PageRequest): Promise<Page<Message>> {
    await this.threads.get(threadId);
    return this.repos.messages.listOfThread(threadId, page);
  }

  /** Posts a message: the thread's `message_count` goes up by one and `last_activity` forward. */
  async create(
    threadId: string,
    actorId: string,
    body: Omit<CreateMessageBody, 'author'>,
  ): Promise<Message> {
    const thread = await this.threads.get(threadId);
    await this.members.requireActive(actorId);
    if (body.reply_to !== null) {
      const target = await this.repos.messages.get(body.reply_to);
      if (!target || target.thread_id !== threadId) {
        throw new AppError('INVALID_REPLY_TARGET', 'reply_to must be a message of the same thread');
      }
    }
    const message = await this.repos.messages.create({
      thread_id: threadId,
      community_id: thread.community_id,
      author: actorId,
      content: body.content,
      reply_to: body.reply_to,
      attachments: body.attachments,
    });
    await this.repos.threads.recordMessage(threadId, new Date(message.created_at));
    this.events.publish(createEvent('new_message', { message }));
    return message;
  }

  async get(id: string): Promise<Message> {
    const message = await this.repos.messages.get(id);
    if (!message) throw notFound(id);
    return message;
  }

  /** Edits content or attachments; marks the message edited. */
  async update(id: string, patch: UpdateMessageBody): Promise<Message> {
    const message = await this.repos.messages.update(id, patch);
    if (!message) throw notFound(id);
    this.events.publish(createEvent('message_updated', { message }));
    return message;
  }

  /** Only the request that actually deleted the message decrements the thread's count. */
  async delete(id: string): Promise<void> {
    const message = await this.repos.messages.delete(id);
    if (!message) throw notFound(id);
    await this.repos.threads.forgetMessage(message.thread_id);
    this.events.publish(
      createEvent('message_deleted', { message_id: id, thread_id: message.thread_id }),
    );
  }

  search(q: string, threadId: string | undefined, page: PageRequest): Promise<Page<Message>> {
    return this.repos.messages.search(q, threadId, page);
  }

  /** Messages of the thread whose `reply_to` is the given message, oldest first. */
  async replies(threadId: string, messageId: string, page: PageRequest): Promise<Page<Message>> {
    await this.threads.get(threadId);
    const message = await this.repos.messages.get(messageId);
    if (!message || message.thread_id !== threadId) throw notFound(messageId);
    return this.repos.messages.repliesTo(threadId, messageId, page);
  }
}

function notFound(id: string): AppError {
  return new AppError('MESSAGE_NOT_FOUND', `message ${id} not found`);
}
