import {
  AppError,
  createEvent,
  type CreateThreadBody,
  type Page,
  type Thread,
  type UpdateThreadBody,
} from '@communities/contracts';
import {
  assertSelf,
  forbidden,
  type CommunityAccess,
  type Viewable,
} from '../../access/community-access';
import { policy, type Role } from '../../access/policy';
import type { Actor } from '../../auth/authenticator';
import type { EventPublisher } from '../../events/event-publisher';
import type { PageRequest } from '../../store/keyset';
import type { Repositories } from '../../store/repositories';
import type { MemberService } from '../members/member.service';
import type { ThreadRef } from './thread.repository';

/** A thread the viewer may see, with the viewer's role in its community. */
export interface ViewableThread extends Viewable {
  thread: ThreadRef;
}

export class ThreadService {
  constructor(
    private readonly repos: Repositories,
    private readonly access: CommunityAccess,
    private readonly members: MemberService,
    private readonly events: EventPublisher,
  ) {}

  /** Pinned first, then by last activity, newest first. */
  async listOfCommunity(
    communityId: string,
    viewer: Actor | undefined,
    page: PageRequest,
  ): Promise<Page<Thread>> {
    await this.access.viewable(communityId, viewer);
    return this.repos.threads.listOfCommunity(communityId, page);
  }

  /** Members of the community start threads. */
  async create(communityId: string, actor: Actor, body: CreateThreadBody): Promise<Thread> {
    assertSelf(body.created_by, actor, 'created_by');
    const { role } = await this.access.viewable(communityId, actor);
    if (!policy.post(role)) throw forbidden('join the community to start threads in it');
    await this.members.requireActive(actor.id);
    const thread = await this.repos.threads.create({
      community_id: communityId,
      created_by: actor.id,
      title: body.title,
      content: body.content,
      tags: body.tags,
    });
    this.events.publish(createEvent('new_thread', { thread }));
    return thread;
  }

  async get(id: string, viewer: Actor | undefined): Promise<Thread> {
    const thread = await this.repos.threads.get(id);
    if (!thread) throw notFound(id);
    await this.access.viewableFor(thread.community_id, viewer, () => notFound(id));
    return thread;
  }

  /**
   * The thread, if it exists in a community the viewer may see; THREAD_NOT_FOUND otherwise. Only
   * what the checks need (ThreadRef): the count and pin a full read adds are not paid here.
   */
  async viewable(id: string, viewer: Actor | undefined): Promise<ViewableThread> {
    const thread = await this.repos.threads.ref(id);
    if (!thread) throw notFound(id);
    const found = await this.access.viewableFor(thread.community_id, viewer, () => notFound(id));
    return { thread, ...found };
  }

  /**
   * The thread and the actor's role in its community, if the actor may post in it:
   * THREAD_NOT_FOUND if it is missing or hidden, FORBIDDEN with `reason` for a non-member.
   */
  async postable(
    id: string,
    actor: Actor,
    reason: string,
  ): Promise<{ thread: ThreadRef; role: Role }> {
    const thread = await this.repos.threads.ref(id);
    if (!thread) throw notFound(id);
    const role = await this.access.postable(thread.community_id, actor, () => notFound(id), reason);
    return { thread, role };
  }

  async update(id: string, actor: Actor, patch: UpdateThreadBody): Promise<Thread> {
    const { thread: current, role } = await this.viewable(id, actor);
    if (!policy.editThread(actor.id, current, role)) {
      throw forbidden("only the thread's author and moderators may edit it");
    }
    const thread = await this.repos.threads.update(id, patch);
    if (!thread) throw notFound(id);
    this.events.publish(createEvent('thread_updated', { thread }));
    return thread;
  }

  /** Deletes the thread's messages, then the thread (a retry finishes an interrupted delete). */
  async delete(id: string, actor: Actor): Promise<void> {
    const { thread, role } = await this.viewable(id, actor);
    if (!policy.deleteThread(actor.id, thread, role)) {
      throw forbidden("only the thread's author and moderators may delete it");
    }
    await this.repos.messages.deleteAllOfThread(id);
    if (!(await this.repos.threads.delete(id))) throw notFound(id);
    const ids = { thread_id: id, community_id: thread.community_id };
    this.events.publish(createEvent('thread_deleted', ids));
    // Its subscribers stop hearing the deleted thread, and no grant for it joins again.
    this.events.publish(
      createEvent('access_revoked', { scope: 'thread', ...ids, reason: 'deleted' }),
    );
  }

  /** Flips `is_pinned`; owner and moderators only. */
  async togglePin(id: string, actor: Actor): Promise<Thread> {
    const { role } = await this.viewable(id, actor);
    if (!policy.manageCommunity(role)) throw forbidden('only the owner and moderators pin threads');
    const thread = await this.repos.threads.togglePin(id);
    if (!thread) throw notFound(id);
    this.events.publish(createEvent('thread_updated', { thread }));
    return thread;
  }

  /** Searches the communities the viewer may see (or one of them). */
  async search(
    q: string,
    communityId: string | undefined,
    viewer: Actor | undefined,
    page: PageRequest,
  ): Promise<Page<Thread>> {
    if (communityId) {
      await this.access.viewable(communityId, viewer);
      return this.repos.threads.search(q, { communityId }, page);
    }
    const hidden = await this.access.hiddenCommunityIds(viewer);
    return this.repos.threads.search(q, { except: hidden }, page);
  }
}

function notFound(id: string): AppError {
  return new AppError('THREAD_NOT_FOUND', `thread ${id} not found`);
}
