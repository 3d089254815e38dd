import {
  AppError,
  createEvent,
  type Community,
  type CreateMemberBody,
  type Member,
  type MemberActivity,
  type Page,
  type UpdateMemberBody,
} from '@communities/contracts';
import { forbidden, type CommunityAccess } from '../../access/community-access';
import { policy } from '../../access/policy';
import type { Actor } from '../../auth/authenticator';
import type { PasswordHasher } from '../../auth/password-hasher';
import type { EventPublisher } from '../../events/event-publisher';
import type { PageRequest } from '../../store/keyset';
import type { Repositories } from '../../store/repositories';
import type { MemberProfile } from './member.repository';

function latest(dates: (Date | null)[]): Date | null {
  return dates.reduce<Date | null>((max, d) => (d && (!max || d > max) ? d : max), null);
}

export class MemberService {
  constructor(
    private readonly repos: Repositories,
    private readonly access: CommunityAccess,
    private readonly hasher: PasswordHasher,
    private readonly events: EventPublisher,
  ) {}

  /** Sign-up: the password is kept only as a slow salted hash. */
  async create(body: CreateMemberBody): Promise<Member> {
    const passwordHash = await this.hasher.hash(body.password);
    const profile = await this.repos.members.create(
      {
        username: body.username,
        email: body.email,
        full_name: body.full_name ?? null,
        avatar_url: body.avatar_url ?? null,
        bio: body.bio ?? null,
      },
      passwordHash,
    );
    return { ...profile, communities: [] };
  }

  async get(id: string, viewer: Actor | undefined): Promise<Member> {
    return (await this.present([await this.require(id)], viewer))[0]!;
  }

  async getByUsername(username: string, viewer: Actor | undefined): Promise<Member> {
    const profile = await this.repos.members.getByUsername(username);
    if (!profile) throw new AppError('MEMBER_NOT_FOUND', `no member named ${username}`);
    return (await this.present([profile], viewer))[0]!;
  }

  async list(viewer: Actor | undefined, page: PageRequest): Promise<Page<Member>> {
    const result = await this.repos.members.list(page);
    return { items: await this.present(result.items, viewer), next_cursor: result.next_cursor };
  }

  async update(id: string, actor: Actor, patch: UpdateMemberBody): Promise<Member> {
    this.requireSelf(actor, id);
    const profile = await this.repos.members.update(id, patch);
    if (!profile) throw notFound(id);
    return (await this.present([profile], actor))[0]!;
  }

  /**
   * Deactivates; the member's threads, messages and memberships stay. Every session ends: the
   * token version moves (access tokens fail at once), refresh tokens are deleted, and gateways
   * close the member's sockets.
   */
  async deactivate(id: string, actor: Actor): Promise<void> {
    this.requireSelf(actor, id);
    if (!(await this.repos.members.deactivate(id))) throw notFound(id);
    await this.repos.refreshTokens.revokeAllOf(id);
    const credentials = await this.repos.members.credentialsById(id);
    this.events.publish(
      createEvent('access_revoked', {
        scope: 'member',
        member_id: id,
        reason: 'deactivated',
        token_version: credentials?.token_version ?? 0,
      }),
    );
  }

  /** The member's communities that the viewer may see, in join order. */
  async communitiesOf(
    id: string,
    viewer: Actor | undefined,
    page: PageRequest,
  ): Promise<Page<Community>> {
    await this.require(id);
    const hidden = await this.access.hiddenCommunityIds(viewer);
    const memberships = await this.repos.memberships.pageOfMember(id, page, hidden);
    const communities = await this.repos.communities.getMany(
      memberships.items.map((m) => m.community_id),
    );
    const byId = new Map(communities.map((c) => [c.id, c]));
    return {
      items: memberships.items.flatMap((m) => byId.get(m.community_id) ?? []),
      next_cursor: memberships.next_cursor,
    };
  }

  /**
   * Counts only what the viewer may see: the member themself sees everything; anyone else gets
   * the counts without the private communities they are not in (anonymous: without every private
   * one), so posting in a private community moves nothing an outsider can read.
   */
  async activity(id: string, viewer: Actor | undefined): Promise<MemberActivity> {
    const [, hidden] = await Promise.all([
      this.require(id),
      policy.seeAllActivity(viewer?.id, id) ? [] : this.access.hiddenCommunityIds(viewer),
    ]);
    const { memberships, threads, messages } = this.repos;
    const [joined, threadCount, messageCount, lastJoin, lastThread, lastMessage] =
      await Promise.all([
        memberships.countOfMember(id, hidden),
        threads.countByAuthor(id, hidden),
        messages.countByAuthor(id, hidden),
        memberships.latestJoinOf(id, hidden),
        threads.latestByAuthor(id, hidden),
        messages.latestByAuthor(id, hidden),
      ]);
    return {
      member_id: id,
      communities_joined: joined,
      threads_created: threadCount,
      messages_posted: messageCount,
      last_activity: latest([lastJoin, lastThread, lastMessage])?.toISOString() ?? null,
    };
  }

  /** The acting member of a write: must exist and be active. */
  async requireActive(id: string): Promise<MemberProfile> {
    const profile = await this.require(id);
    if (!profile.is_active) throw new AppError('MEMBER_INACTIVE', `member ${id} is deactivated`);
    return profile;
  }

  async require(id: string): Promise<MemberProfile> {
    const profile = await this.repos.members.get(id);
    if (!profile) throw notFound(id);
    return profile;
  }

  /**
   * Members as the viewer may see them: `communities` (from the memberships, the one source of
   * truth) without the private ones the viewer is not in, and `email` only on their own profile.
   */
  async present(profiles: MemberProfile[], viewer: Actor | undefined): Promise<Member[]> {
    if (profiles.length === 0) return [];
    const [ids, hidden] = await Promise.all([
      this.repos.memberships.communityIdsOf(profiles.map((p) => p.id)),
      this.access.hiddenCommunityIds(viewer),
    ]);
    const hide = new Set(hidden);
    return profiles.map((p) => ({
      ...p,
      email: policy.seeEmail(viewer?.id, p.id) ? p.email : null,
      communities: (ids.get(p.id) ?? []).filter((id) => !hide.has(id)),
    }));
  }

  private requireSelf(actor: Actor, memberId: string): void {
    if (!policy.manageProfile(actor.id, memberId)) {
      throw forbidden('only the member themself may change this profile');
    }
  }
}

function notFound(id: string): AppError {
  return new AppError('MEMBER_NOT_FOUND', `member ${id} not found`);
}
