import {
  AppError,
  createEvent,
  type CreateThreadBody,
  type Page,
  type Thread,
  type UpdateThreadBody,
} from '@communities/contracts';
import type { EventPublisher } from '../../events/event-publisher';
import type { PageRequest } from '../../store/keyset';
import type { Repositories } from '../../store/repositories';
import type { CommunityService } from '../communities/community.service';
import type { MemberService } from '../members/member.service';

export class ThreadService {
  constructor(
    private readonly repos: Repositories,
    private readonly communities: CommunityService,
    private readonly members: MemberService,
    private readonly events: EventPublisher,
  ) {}

  /** Pinned first, then by last activity, newest first. */
  async listOfCommunity(communityId: string, page: PageRequest): Promise<Page<Thread>> {
    await this.communities.get(communityId);
    return this.repos.threads.listOfCommunity(communityId, page);
  }

  async create(
    communityId: string,
    actorId: string,
    body: Omit<CreateThreadBody, 'created_by'>,
  ): Promise<Thread> {
    await this.communities.get(communityId);
    await this.members.requireActive(actorId);
    const thread = await this.repos.threads.create({
      community_id: communityId,
      created_by: actorId,
      title: body.title,
      content: body.content,
      tags: body.tags,
    });
    this.events.publish(createEvent('new_thread', { thread }));
    return thread;
  }

  async get(id: string): Promise<Thread> {
    const thread = await this.repos.threads.get(id);
    if (!thread) throw notFound(id);
    return thread;
  }

  async update(id: string, patch: UpdateThreadBody): Promise<Thread> {
    const thread = await this.repos.threads.update(id, patch);
    if (!thread) throw notFound(id);
    this.events.publish(createEvent('thread_updated', { thread }));
    return thread;
  }

  /** Deletes the thread's messages, then the thread (a retry finishes an interrupted delete). */
  async delete(id: string): Promise<void> {
    const thread = await this.get(id);
    await this.repos.messages.deleteAllOfThread(id);
    if (!(await this.repos.threads.delete(id))) throw notFound(id);
    this.events.publish(
      createEvent('thread_deleted', { thread_id: id, community_id: thread.community_id }),
    );
  }

  /** Flips `is_pinned`. */
  async togglePin(id: string): Promise<Thread> {
    const thread = await this.repos.threads.togglePin(id);
    if (!thread) throw notFound(id);
    this.events.publish(createEvent('thread_updated', { thread }));
    return thread;
  }

  search(q: string, communityId: string | undefined, page: PageRequest): Promise<Page<Thread>> {
    return this.repos.threads.search(q, communityId, page);
  }
}

function notFound(id: string): AppError {
  return new AppError('THREAD_NOT_FOUND', `thread ${id} not found`);
}
