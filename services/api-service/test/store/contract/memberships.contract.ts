import {
  at,
  concurrently,
  countOf,
  hexId,
  readAllPages,
  useStore,
  type OpenStore,
} from './fixtures';

export function membershipsContract(open: OpenStore): void {
  const store = useStore(open);

  it('adds a membership once: a repeated add reports false and changes nothing', async () => {
    const { repos } = store();
    const [community, member] = [hexId(), hexId()];
    expect(await repos.memberships.add(community, member, 'owner', at(1))).toBe(true);
    expect(await repos.memberships.add(community, member, 'member', at(2))).toBe(false);
    expect(await repos.memberships.has(community, member)).toBe(true);
    expect(await repos.memberships.countOfCommunity(community)).toBe(1);
    const { items } = await repos.memberships.pageOfCommunity(community, { limit: 10 });
    expect(items).toEqual([
      { community_id: community, member_id: member, role: 'owner', joined_at: at(1) },
    ]);
  });

  it('removes a membership once, answering its id: a repeated remove answers null', async () => {
    const { repos } = store();
    const [community, member] = [hexId(), hexId()];
    await repos.memberships.add(community, member);
    const { id } = (await repos.memberships.find(community, member))!;
    expect(await repos.memberships.remove(community, member)).toBe(id);
    expect(await repos.memberships.remove(community, member)).toBeNull();
    expect(await repos.memberships.has(community, member)).toBe(false);
    expect(await repos.memberships.remove(hexId(), member)).toBeNull();
  });

  it('gives a membership made again after a leave a new id (grants rest on it)', async () => {
    const { repos } = store();
    const [community, member] = [hexId(), hexId()];
    await repos.memberships.add(community, member, 'moderator');
    const first = await repos.memberships.find(community, member);
    expect(first).toEqual({ id: expect.stringMatching(/^[0-9a-f]{24}$/), role: 'moderator' });
    await repos.memberships.remove(community, member);
    expect(await repos.memberships.find(community, member)).toBeNull();
    await repos.memberships.add(community, member);
    const second = await repos.memberships.find(community, member);
    expect(second?.id).not.toBe(first?.id);
  });

  it('lets exactly one of many concurrent adds of one membership win', async () => {
    const { repos } = store();
    const [community, member] = [hexId(), hexId()];
    const results = await concurrently(12, () => repos.memberships.add(community, member));
    expect(countOf(results, true)).toBe(1);
    expect(await repos.memberships.countOfCommunity(community)).toBe(1);
  });

  it('lets exactly one of many concurrent removes of one membership win', async () => {
    const { repos } = store();
    const [community, member] = [hexId(), hexId()];
    await repos.memberships.add(community, member);
    const results = await concurrently(12, () => repos.memberships.remove(community, member));
    expect(results.filter((id) => id !== null)).toHaveLength(1);
    expect(await repos.memberships.countOfCommunity(community)).toBe(0);
  });

  it('keeps the count exact when many members join and leave at once', async () => {
    const { repos } = store();
    const community = hexId();
    const members = Array.from({ length: 30 }, () => hexId());
    const added = await concurrently(60, (i) => repos.memberships.add(community, members[i % 30]!));
    expect(countOf(added, true)).toBe(30);
    const removed = await concurrently(30, (i) =>
      repos.memberships.remove(community, members[i % 15]!),
    );
    expect(removed.filter((id) => id !== null)).toHaveLength(15);
    expect(await repos.memberships.countOfCommunity(community)).toBe(15);
    for (const [i, member] of members.entries()) {
      expect(await repos.memberships.has(community, member)).toBe(i >= 15);
    }
  });

  it("lists each member's communities in join order, ties broken by insertion id", async () => {
    const { repos } = store();
    const [ada, grace, idle] = [hexId(), hexId(), hexId()];
    const [c1, c2, c3] = [hexId(), hexId(), hexId()];
    await repos.memberships.add(c1, ada, 'member', at(30));
    await repos.memberships.add(c2, ada, 'member', at(10));
    await repos.memberships.add(c3, ada, 'member', at(30));
    await repos.memberships.add(c3, grace, 'member', at(5));
    const byMember = await repos.memberships.communityIdsOf([ada, grace, idle]);
    expect(byMember.get(ada)).toEqual([c2, c1, c3]);
    expect(byMember.get(grace)).toEqual([c3]);
    expect(byMember.get(idle)).toEqual([]);
    expect((await repos.memberships.communityIdsOf([])).size).toBe(0);
  });

  it('pages the members of a community and the communities of a member in join order', async () => {
    const { repos } = store();
    const community = hexId();
    const member = hexId();
    const members = Array.from({ length: 5 }, () => hexId());
    const communities = Array.from({ length: 5 }, () => hexId());
    // Joins at 0, 1, 1, 1, 2: equal joined_at values straddle the page boundaries.
    const times = [0, 1, 1, 1, 2];
    for (let i = 0; i < 5; i++) {
      await repos.memberships.add(community, members[i]!, 'member', at(times[i]!));
      await repos.memberships.add(communities[i]!, member, 'member', at(times[i]!));
    }
    const ofCommunity = await readAllPages((cursor) =>
      repos.memberships.pageOfCommunity(community, { limit: 2, cursor }),
    );
    expect(ofCommunity.pages).toBe(3);
    expect(ofCommunity.items.map((m) => m.member_id)).toEqual(members);
    const ofMember = await readAllPages((cursor) =>
      repos.memberships.pageOfMember(member, { limit: 2, cursor }),
    );
    expect(ofMember.items.map((m) => m.community_id)).toEqual(communities);
  });

  it("reports a member's role in a community, and null where they are not a member", async () => {
    const { repos } = store();
    const [community, other, owner, member] = [hexId(), hexId(), hexId(), hexId()];
    await repos.memberships.add(community, owner, 'owner');
    await repos.memberships.add(community, member);
    await repos.memberships.add(other, owner, 'moderator');
    expect(await repos.memberships.roleOf(community, owner)).toBe('owner');
    expect(await repos.memberships.roleOf(community, member)).toBe('member');
    expect(await repos.memberships.roleOf(other, owner)).toBe('moderator');
    expect(await repos.memberships.roleOf(other, member)).toBeNull();
    expect(await repos.memberships.roleOf(hexId(), owner)).toBeNull();
  });

  it("changes a member's role in one community only; false when they are not a member", async () => {
    const { repos } = store();
    const [community, other, member] = [hexId(), hexId(), hexId()];
    await repos.memberships.add(community, member, 'member', at(4));
    await repos.memberships.add(other, member);
    expect(await repos.memberships.setRole(community, member, 'moderator')).toBe(true);
    expect(await repos.memberships.roleOf(community, member)).toBe('moderator');
    expect(await repos.memberships.roleOf(other, member)).toBe('member');
    const { items } = await repos.memberships.pageOfCommunity(community, { limit: 5 });
    expect(items).toEqual([
      { community_id: community, member_id: member, role: 'moderator', joined_at: at(4) },
    ]);
    expect(await repos.memberships.setRole(community, member, 'member')).toBe(true);
    expect(await repos.memberships.roleOf(community, member)).toBe('member');

    expect(await repos.memberships.setRole(community, hexId(), 'moderator')).toBe(false);
    expect(await repos.memberships.countOfCommunity(community)).toBe(1);
  });

  it("pages a member's communities leaving out the excepted ones", async () => {
    const { repos } = store();
    const member = hexId();
    const communities = Array.from({ length: 6 }, () => hexId());
    for (const [i, community] of communities.entries()) {
      await repos.memberships.add(community, member, 'member', at(i));
    }
    const except = [communities[1]!, communities[4]!, hexId()];
    const { items, pages } = await readAllPages((cursor) =>
      repos.memberships.pageOfMember(member, { limit: 2, cursor }, except),
    );
    expect(items.map((m) => m.community_id)).toEqual([
      communities[0],
      communities[2],
      communities[3],
      communities[5],
    ]);
    expect(pages).toBe(2);
    const all = await repos.memberships.pageOfMember(member, { limit: 10 }, []);
    expect(all.items.map((m) => m.community_id)).toEqual(communities);
  });

  it('removes every membership of one community and no other', async () => {
    const { repos } = store();
    const [community, other, member] = [hexId(), hexId(), hexId()];
    await repos.memberships.add(community, member);
    await repos.memberships.add(community, hexId());
    await repos.memberships.add(other, member);
    expect(await repos.memberships.removeAllOfCommunity(community)).toBe(2);
    expect(await repos.memberships.countOfCommunity(community)).toBe(0);
    expect(await repos.memberships.countOfMember(member)).toBe(1);
    expect(await repos.memberships.has(other, member)).toBe(true);
  });
}
