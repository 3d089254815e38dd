import type { DomainEvent, MembershipResult } from '@communities/contracts';
import { createServices, type Services } from '../../../src/app';
import { PasswordHasher } from '../../../src/auth/password-hasher';
import { RecordingPublisher } from '../../../src/events/event-publisher';
import type { MemberProfile } from '../../../src/modules/members/member.repository';
import type { Repositories } from '../../../src/store/repositories';
import { testTokenService } from '../../support/api-harness';
import { concurrently, countOf, createMember, useStore, type OpenStore } from './fixtures';

type MembershipEvent = Extract<DomainEvent, { type: 'member_joined' | 'member_left' }>;

const changedCount = (results: MembershipResult[]): number =>
  countOf(
    results.map((r) => r.changed),
    true,
  );

interface Scene {
  repos: Repositories;
  services: Services;
  events: RecordingPublisher;
  communityId: string;
  owner: MemberProfile;
  members: MemberProfile[];
}

/** A community created (and so joined) by its owner, and `n` other members not in it yet. */
async function scene(repos: Repositories, n: number): Promise<Scene> {
  const events = new RecordingPublisher();
  const services = createServices(repos, events, {
    tokens: testTokenService(),
    hasher: new PasswordHasher(10),
    refreshTtlSeconds: 3600,
  });
  const owner = await createMember(repos);
  // A member profile is the acting member (the Actor) of the calls below.
  const community = await services.communities.create(owner, {
    name: 'Busy',
    description: '',
    is_public: true,
    tags: [],
    avatar_url: null,
  });
  const members = [];
  for (let i = 0; i < n; i++) members.push(await createMember(repos));
  return { repos, services, events, communityId: community.id, owner, members };
}

function membershipEvents(s: Scene, type: MembershipEvent['type']): MembershipEvent[] {
  return s.events.events.filter((e): e is MembershipEvent => e.type === type);
}

/** member_count as read, next to the memberships it is derived from. */
async function counts(s: Scene): Promise<{ member_count: number; memberships: number }> {
  const community = await s.services.communities.get(s.communityId, undefined);
  const memberships = await s.repos.memberships.countOfCommunity(s.communityId);
  return { member_count: community.member_count, memberships };
}

/** 40 members join, each twice at once; then the first 20 leave, the first 10 twice at once. */
async function joinThenLeave(s: Scene) {
  const joins = await concurrently(80, (i) =>
    s.services.communities.join(s.communityId, s.members[i % 40]!, {}),
  );
  const joined = membershipEvents(s, 'member_joined');
  const afterJoins = await counts(s);
  const leavers = s.members.slice(0, 20);
  const leaves = await concurrently(30, (i) =>
    s.services.communities.leave(s.communityId, leavers[i % 20]!, {}),
  );
  const left = membershipEvents(s, 'member_left');
  return { joins, joined, afterJoins, leavers, leaves, left, afterLeaves: await counts(s) };
}

export function joinLeaveContract(open: OpenStore): void {
  const store = useStore(open);

  it('publishes one member_joined per real join and one member_left per real leave', async () => {
    const s = await scene(store().repos, 40);
    const run = await joinThenLeave(s);

    expect(changedCount(run.joins)).toBe(40);
    expect(run.joins.every((r) => r.is_member)).toBe(true);
    expect(run.joined).toHaveLength(40);
    expect(new Set(run.joined.map((e) => e.data.member_id))).toEqual(
      new Set(s.members.map((m) => m.id)),
    );
    expect(run.afterJoins.memberships).toBe(41);

    expect(changedCount(run.leaves)).toBe(20);
    expect(run.leaves.every((r) => !r.is_member)).toBe(true);
    expect(run.left).toHaveLength(20);
    expect(new Set(run.left.map((e) => e.data.member_id))).toEqual(
      new Set(run.leavers.map((m) => m.id)),
    );
    expect(run.afterLeaves.memberships).toBe(21);
    for (const [i, member] of s.members.entries()) {
      expect(await s.repos.memberships.has(s.communityId, member.id)).toBe(i >= 20);
    }
  });

  it('keeps member_count equal to the memberships through concurrent joins and leaves', async () => {
    const s = await scene(store().repos, 40);
    const run = await joinThenLeave(s);

    expect(run.afterJoins).toEqual({ member_count: 41, memberships: 41 });
    // Each real join reports a count taken after it: itself and the owner at least, and the
    // last one to count saw every join.
    const joinedCounts = run.joined.map((e) => e.data.member_count);
    expect(Math.min(...joinedCounts)).toBeGreaterThanOrEqual(2);
    expect(Math.max(...joinedCounts)).toBe(41);
    expect(run.afterLeaves).toEqual({ member_count: 21, memberships: 21 });
    // Each real leave counts after itself: at most 40, and the last one to count saw every leave.
    const leftCounts = run.left.map((e) => e.data.member_count);
    expect(Math.max(...leftCounts)).toBeLessThanOrEqual(40);
    expect(Math.min(...leftCounts)).toBe(21);
    expect(Math.min(...run.leaves.map((r) => r.member_count))).toBe(21);
  });

  it('keeps the owner counted when everyone else leaves at once, twice', async () => {
    const s = await scene(store().repos, 9);
    await concurrently(9, (i) => s.services.communities.join(s.communityId, s.members[i]!, {}));

    const leaves = await concurrently(18, (i) =>
      s.services.communities.leave(s.communityId, s.members[i % 9]!, {}),
    );
    expect(changedCount(leaves)).toBe(9);
    expect(Math.min(...leaves.map((r) => r.member_count))).toBe(1);
    expect(await counts(s)).toEqual({ member_count: 1, memberships: 1 });
    expect(membershipEvents(s, 'member_left')).toHaveLength(9);

    // The owner cannot leave; leaving again changes nothing and publishes nothing.
    await expect(s.services.communities.leave(s.communityId, s.owner, {})).rejects.toMatchObject({
      code: 'OWNER_CANNOT_LEAVE',
    });
    const again = await s.services.communities.leave(s.communityId, s.members[0]!, {});
    expect(again).toMatchObject({ changed: false, member_count: 1, is_member: false });
    expect(await counts(s)).toEqual({ member_count: 1, memberships: 1 });
    expect(membershipEvents(s, 'member_left')).toHaveLength(9);
  });
}
