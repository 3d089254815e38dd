import {
  AppError,
  createEvent,
  type Community,
  type CreateCommunityBody,
  type Invitation,
  type Member,
  type MembershipResult,
  type Page,
  type RoleResult,
  type UpdateCommunityBody,
} from '@communities/contracts';
import {
  assertSelf,
  communityNotFound,
  forbidden,
  type CommunityAccess,
} from '../../access/community-access';
import { policy } from '../../access/policy';
import type { Actor } from '../../auth/authenticator';
import type { EventPublisher } from '../../events/event-publisher';
import type { PageRequest } from '../../store/keyset';
import type { Repositories } from '../../store/repositories';
import type { MemberService } from '../members/member.service';
import type { UncountedCommunity } from './community.repository';

export class CommunityService {
  constructor(
    private readonly repos: Repositories,
    private readonly members: MemberService,
    private readonly access: CommunityAccess,
    private readonly events: EventPublisher,
  ) {}

  /** Creates the community with the actor as owner and first member. */
  async create(actor: Actor, body: CreateCommunityBody): Promise<Community> {
    const { created_by, ...fields } = body;
    assertSelf(created_by, actor, 'created_by');
    await this.members.requireActive(actor.id);
    const created = await this.repos.communities.create({ ...fields, created_by: actor.id });
    await this.repos.memberships.add(created.id, actor.id, 'owner');
    const memberCount = await this.repos.memberships.countOfCommunity(created.id);
    const community = { ...created, member_count: memberCount };
    // The global channel reaches every socket: a private community is announced to nobody.
    if (community.is_public) this.events.publish(createEvent('community_created', { community }));
    return community;
  }

  async get(id: string, viewer: Actor | undefined): Promise<Community> {
    const { community } = await this.access.viewable(id, viewer, { invitees: true });
    return this.repos.communities.counted(community);
  }

  /** Public communities, plus the private ones the viewer belongs to. */
  async list(viewer: Actor | undefined, page: PageRequest): Promise<Page<Community>> {
    return this.repos.communities.list(page, await this.access.communityIdsOf(viewer));
  }

  async update(id: string, actor: Actor, patch: UpdateCommunityBody): Promise<Community> {
    await this.access.managed(id, actor);
    const updated = await this.repos.communities.update(id, patch);
    if (!updated) throw communityNotFound(id);
    const { community, endedPublicEpoch } = updated;
    this.events.publish(createEvent('community_updated', { community }));
    if (endedPublicEpoch !== null) {
      // Non-members subscribed while it was public must stop receiving it, and their grants die.
      this.events.publish(
        createEvent('access_revoked', {
          scope: 'community',
          community_id: id,
          reason: 'became_private',
          access_epoch: endedPublicEpoch,
        }),
      );
    }
    return community;
  }

  /**
   * Deletes the community with its messages, threads, invitations and memberships. Children go
   * first and the community last, so an interrupted delete leaves a community a retry finishes.
   */
  async delete(id: string, actor: Actor): Promise<void> {
    const { community } = await this.access.managed(id, actor);
    await this.repos.messages.deleteAllOfCommunity(id);
    await this.repos.threads.deleteAllOfCommunity(id);
    await this.repos.invitations.removeAllOfCommunity(id);
    await this.repos.memberships.removeAllOfCommunity(id);
    if (!(await this.repos.communities.delete(id))) throw communityNotFound(id);
    if (community.is_public) {
      this.events.publish(createEvent('community_deleted', { community_id: id }));
    }
    this.events.publish(
      createEvent('access_revoked', { scope: 'community', community_id: id, reason: 'deleted' }),
    );
  }

  /**
   * Idempotent: joining twice counts once. A private community needs an invitation, which the
   * join consumes; without one it answers 404 like any community the actor cannot see.
   */
  async join(id: string, actor: Actor, body: { member_id?: string }): Promise<MembershipResult> {
    assertSelf(body.member_id, actor, 'member_id');
    await this.members.requireActive(actor.id);
    const { community: found, role } = await this.access.viewable(id, actor, { invitees: true });
    if (role !== null) {
      return membership(await this.repos.communities.counted(found), actor.id, true, false);
    }
    const added = await this.repos.memberships.add(id, actor.id);
    if (!found.is_public) await this.repos.invitations.remove(id, actor.id);
    // Counted after the join: this join is in it, and so is any join that finished before it.
    const community = added
      ? await this.repos.communities.get(id)
      : await this.repos.communities.counted(found);
    if (!community) throw communityNotFound(id);
    if (added) {
      const data = { community_id: id, member_id: actor.id, member_count: community.member_count };
      this.events.publish(createEvent('member_joined', data));
    }
    return membership(community, actor.id, true, added);
  }

  /** Idempotent: leaving when not a member changes nothing. The owner cannot leave. */
  async leave(id: string, actor: Actor, body: { member_id?: string }): Promise<MembershipResult> {
    assertSelf(body.member_id, actor, 'member_id');
    const { community: found, role } = await this.access.viewable(id, actor);
    if (!policy.leave(role)) {
      throw new AppError('OWNER_CANNOT_LEAVE', 'the owner cannot leave; delete the community');
    }
    const removed = role === null ? null : await this.repos.memberships.remove(id, actor.id);
    const community = await this.endMembership(found, actor.id, removed, 'left');
    return membership(community, actor.id, false, removed !== null);
  }

  /** Owner and moderators remove a member (see `policy.removeMember`). */
  async removeMember(id: string, actor: Actor, memberId: string): Promise<void> {
    const { community, role } = await this.access.managed(id, actor);
    const targetRole = await this.repos.memberships.roleOf(id, memberId);
    if (targetRole === null) throw notAMember(memberId);
    if (!policy.removeMember(role, targetRole)) {
      throw forbidden('the owner removes anyone else; moderators remove members only');
    }
    const removed = await this.repos.memberships.remove(id, memberId);
    await this.endMembership(community, memberId, removed, 'removed');
  }

  /** Members in the order they joined. */
  async membersOf(id: string, viewer: Actor | undefined, page: PageRequest): Promise<Page<Member>> {
    await this.access.viewable(id, viewer);
    const memberships = await this.repos.memberships.pageOfCommunity(id, page);
    const profiles = await this.repos.members.getMany(memberships.items.map((m) => m.member_id));
    const byId = new Map(profiles.map((p) => [p.id, p]));
    const ordered = memberships.items.flatMap((m) => byId.get(m.member_id) ?? []);
    return {
      items: await this.members.present(ordered, viewer),
      next_cursor: memberships.next_cursor,
    };
  }

  /** Invites a member (idempotent). Useful for private communities; harmless for public ones. */
  async invite(id: string, actor: Actor, memberId: string): Promise<Invitation> {
    await this.access.managed(id, actor);
    await this.members.requireActive(memberId);
    return this.repos.invitations.add(id, memberId, actor.id);
  }

  /** Withdraws an invitation; idempotent. */
  async uninvite(id: string, actor: Actor, memberId: string): Promise<void> {
    await this.access.managed(id, actor);
    await this.repos.invitations.remove(id, memberId);
  }

  /** Names a member moderator (idempotent); the owner stays owner. */
  async addModerator(id: string, actor: Actor, memberId: string): Promise<RoleResult> {
    return this.changeRole(id, actor, memberId, 'moderator');
  }

  /** Makes a moderator a plain member again (idempotent); the owner stays owner. */
  async removeModerator(id: string, actor: Actor, memberId: string): Promise<RoleResult> {
    return this.changeRole(id, actor, memberId, 'member');
  }

  private async changeRole(
    id: string,
    actor: Actor,
    memberId: string,
    role: 'moderator' | 'member',
  ): Promise<RoleResult> {
    await this.access.managed(id, actor);
    const current = await this.repos.memberships.roleOf(id, memberId);
    if (current === null) throw notAMember(memberId);
    if (current !== 'owner' && current !== role) {
      await this.repos.memberships.setRole(id, memberId, role);
    }
    return { community_id: id, member_id: memberId, role: current === 'owner' ? 'owner' : role };
  }

  /**
   * After a membership was removed (only the request that removed it gets its id, `removed`):
   * `member_left` is announced with the count after it, and for a private community the gateways drop
   * the member's subscriptions to it and refuse every grant issued on that membership.
   */
  private async endMembership(
    found: UncountedCommunity,
    memberId: string,
    removed: string | null,
    reason: 'left' | 'removed',
  ): Promise<Community> {
    if (removed === null) return this.repos.communities.counted(found);
    // Counted after the removal, as a join counts after itself.
    const community =
      (await this.repos.communities.get(found.id)) ?? (await this.repos.communities.counted(found));
    const data = {
      community_id: found.id,
      member_id: memberId,
      member_count: community.member_count,
    };
    this.events.publish(createEvent('member_left', data));
    if (!community.is_public) {
      this.events.publish(
        createEvent('access_revoked', {
          scope: 'membership',
          community_id: found.id,
          member_id: memberId,
          membership_id: removed,
          reason,
        }),
      );
    }
    return community;
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

function notAMember(memberId: string): AppError {
  return new AppError('NOT_A_MEMBER', `member ${memberId} is not a member of this community`);
}
