import {
  AppError,
  type Community,
  type CreateMemberBody,
  type Member,
  type MemberActivity,
  type Page,
  type UpdateMemberBody,
} from '@communities/contracts';
import type { PageRequest } from '../../store/keyset';
import type { Repositories } from '../../store/repositories';
import type { MemberProfile } from './member.repository';

function latest(dates: (Date | null)[]): Date | null {
  return dates.reduce<Date | null>((max, d) => (d && (!max || d > max) ? d : max), null);
}

export class MemberService {
  constructor(private readonly repos: Repositories) {}

  async create(body: CreateMemberBody): Promise<Member> {
    const profile = await this.repos.members.create({
      username: body.username,
      email: body.email,
      full_name: body.full_name ?? null,
      avatar_url: body.avatar_url ?? null,
      bio: body.bio ?? null,
    });
    return { ...profile, communities: [] };
  }

  async get(id: string): Promise<Member> {
    return (await this.withCommunities([await this.require(id)]))[0]!;
  }

  async getByUsername(username: string): Promise<Member> {
    const profile = await this.repos.members.getByUsername(username);
    if (!profile) throw new AppError('MEMBER_NOT_FOUND', `no member named ${username}`);
    return (await this.withCommunities([profile]))[0]!;
  }

  async list(page: PageRequest): Promise<Page<Member>> {
    const result = await this.repos.members.list(page);
    return { items: await this.withCommunities(result.items), next_cursor: result.next_cursor };
  }

  async update(id: string, patch: UpdateMemberBody): Promise<Member> {
    const profile = await this.repos.members.update(id, patch);
    if (!profile) throw notFound(id);
    return (await this.withCommunities([profile]))[0]!;
  }

  /** Deactivates; the member's threads, messages and memberships stay. */
  async deactivate(id: string): Promise<void> {
    if (!(await this.repos.members.deactivate(id))) throw notFound(id);
  }

  async communitiesOf(id: string, page: PageRequest): Promise<Page<Community>> {
    await this.require(id);
    const memberships = await this.repos.memberships.pageOfMember(id, page);
    const communities = await this.repos.communities.getMany(
      memberships.items.map((m) => m.community_id),
    );
    const byId = new Map(communities.map((c) => [c.id, c]));
    return {
      items: memberships.items.flatMap((m) => byId.get(m.community_id) ?? []),
      next_cursor: memberships.next_cursor,
    };
  }

  async activity(id: string): Promise<MemberActivity> {
    await this.require(id);
    const { memberships, threads, messages } = this.repos;
    const [joined, threadCount, messageCount, lastJoin, lastThread, lastMessage] =
      await Promise.all([
        memberships.countOfMember(id),
        threads.countByAuthor(id),
        messages.countByAuthor(id),
        memberships.latestJoinOf(id),
        threads.latestByAuthor(id),
        messages.latestByAuthor(id),
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

  /** Adds `communities` (from the memberships, the one source of truth) with one query. */
  async withCommunities(profiles: MemberProfile[]): Promise<Member[]> {
    const ids = await this.repos.memberships.communityIdsOf(profiles.map((p) => p.id));
    return profiles.map((p) => ({ ...p, communities: ids.get(p.id) ?? [] }));
  }
}

function notFound(id: string): AppError {
  return new AppError('MEMBER_NOT_FOUND', `member ${id} not found`);
}
