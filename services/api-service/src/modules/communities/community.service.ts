import {
  AppError,
  createEvent,
  type Community,
  type CreateCommunityBody,
  type Member,
  type MembershipResult,
  type Page,
  type UpdateCommunityBody,
} from '@communities/contracts';
import type { EventPublisher } from '../../events/event-publisher';
import type { PageRequest } from '../../store/keyset';
import type { Repositories } from '../../store/repositories';
import type { MemberService } from '../members/member.service';

export class CommunityService {
  constructor(
    private readonly repos: Repositories,
    private readonly members: MemberService,
    private readonly events: EventPublisher,
  ) {}

  /** Creates the community with its creator as owner and first member. */
  async create(actorId: string, body: Omit<CreateCommunityBody, 'created_by'>): Promise<Community> {
    await this.members.requireActive(actorId);
    const created = await this.repos.communities.create({ ...body, created_by: actorId });
    await this.repos.memberships.add(created.id, actorId, 'owner');
    const community = (await this.repos.communities.addToMemberCount(created.id, 1)) ?? created;
    this.events.publish(createEvent('community_created', { community }));
    return community;
  }

  async get(id: string): Promise<Community> {
    const community = await this.repos.communities.get(id);
    if (!community) throw notFound(id);
    return community;
  }

  list(page: PageRequest): Promise<Page<Community>> {
    return this.repos.communities.list(page);
  }

  async update(id: string, patch: UpdateCommunityBody): Promise<Community> {
    const community = await this.repos.communities.update(id, patch);
    if (!community) throw notFound(id);
    this.events.publish(createEvent('community_updated', { community }));
    return community;
  }

  /**
   * Deletes the community with its messages, threads and memberships. Children go first and the
   * community last, so an interrupted delete leaves a community that a retry finishes.
   */
  async delete(id: string): Promise<void> {
    await this.get(id);
    await this.repos.messages.deleteAllOfCommunity(id);
    await this.repos.threads.deleteAllOfCommunity(id);
    await this.repos.memberships.removeAllOfCommunity(id);
    if (!(await this.repos.communities.delete(id))) throw notFound(id);
    this.events.publish(createEvent('community_deleted', { community_id: id }));
  }

  /**
   * Idempotent: joining twice counts once. The unique membership decides concurrent joins, and
   * only the request that created the membership increments `member_count`.
   */
  async join(id: string, memberId: string): Promise<MembershipResult> {
    await this.members.requireActive(memberId);
    await this.get(id);
    const added = await this.repos.memberships.add(id, memberId);
    const community = added
      ? await this.repos.communities.addToMemberCount(id, 1)
      : await this.get(id);
    if (!community) throw notFound(id);
    if (added) {
      const data = { community_id: id, member_id: memberId, member_count: community.member_count };
      this.events.publish(createEvent('member_joined', data));
    }
    return membership(community, memberId, true, added);
  }

  /** Idempotent: leaving when not a member changes nothing. */
  async leave(id: string, memberId: string): Promise<MembershipResult> {
    await this.members.require(memberId);
    await this.get(id);
    const removed = await this.repos.memberships.remove(id, memberId);
    const community = removed
      ? await this.repos.communities.addToMemberCount(id, -1)
      : await this.get(id);
    if (!community) throw notFound(id);
    if (removed) {
      const data = { community_id: id, member_id: memberId, member_count: community.member_count };
      this.events.publish(createEvent('member_left', data));
    }
    return membership(community, memberId, false, removed);
  }

  /** Members in the order they joined. */
  async membersOf(id: string, page: PageRequest): Promise<Page<Member>> {
    await this.get(id);
    const memberships = await this.repos.memberships.pageOfCommunity(id, page);
    const profiles = await this.repos.members.getMany(memberships.items.map((m) => m.member_id));
    const byId = new Map(profiles.map((p) => [p.id, p]));
    const ordered = memberships.items.flatMap((m) => byId.get(m.member_id) ?? []);
    return {
      items: await this.members.withCommunities(ordered),
      next_cursor: memberships.next_cursor,
    };
  }
}

function membership(
  community: Community,
  memberId: string,
  isMember: boolean,
  changed: boolean,
): MembershipResult {
  return {
    community_id: community.id,
    member_id: memberId,
    is_member: isMember,
    changed,
    member_count: community.member_count,
  };
}

function notFound(id: string): AppError {
  return new AppError('COMMUNITY_NOT_FOUND', `community ${id} not found`);
}
