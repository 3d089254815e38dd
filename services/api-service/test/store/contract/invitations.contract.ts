import { concurrently, hexId, useStore, type OpenStore } from './fixtures';

export function invitationsContract(open: OpenStore): void {
  const store = useStore(open);

  it('invites once: inviting again, by anyone, gives back the first invitation', async () => {
    const { repos } = store();
    const [community, member, owner, moderator] = [hexId(), hexId(), hexId(), hexId()];
    const first = await repos.invitations.add(community, member, owner);
    expect(first).toEqual({
      community_id: community,
      member_id: member,
      invited_by: owner,
      created_at: expect.any(String),
    });
    expect(await repos.invitations.add(community, member, moderator)).toEqual(first);
    expect(await repos.invitations.find(community, member)).toEqual(first);
  });

  it('gives every one of many concurrent invitations of one member the same invitation', async () => {
    const { repos } = store();
    const [community, member] = [hexId(), hexId()];
    const invitations = await concurrently(8, () =>
      repos.invitations.add(community, member, hexId()),
    );
    expect(new Set(invitations.map((i) => JSON.stringify(i))).size).toBe(1);
    expect(await repos.invitations.find(community, member)).toEqual(invitations[0]);
  });

  it('finds an invitation by its community and member only', async () => {
    const { repos } = store();
    const [community, member] = [hexId(), hexId()];
    await repos.invitations.add(community, member, hexId());
    expect(await repos.invitations.find(community, hexId())).toBeNull();
    expect(await repos.invitations.find(hexId(), member)).toBeNull();
  });

  it('removes an invitation once: a repeated remove reports false', async () => {
    const { repos } = store();
    const [community, member, other] = [hexId(), hexId(), hexId()];
    await repos.invitations.add(community, member, hexId());
    const kept = await repos.invitations.add(community, other, hexId());
    expect(await repos.invitations.remove(community, member)).toBe(true);
    expect(await repos.invitations.remove(community, member)).toBe(false);
    expect(await repos.invitations.find(community, member)).toBeNull();
    expect(await repos.invitations.find(community, other)).toEqual(kept);
    expect(await repos.invitations.remove(hexId(), hexId())).toBe(false);
  });

  it('removes every invitation of one community and no other', async () => {
    const { repos } = store();
    const [community, other, member] = [hexId(), hexId(), hexId()];
    await repos.invitations.add(community, member, hexId());
    await repos.invitations.add(community, hexId(), hexId());
    const kept = await repos.invitations.add(other, member, hexId());
    expect(await repos.invitations.removeAllOfCommunity(community)).toBe(2);
    expect(await repos.invitations.removeAllOfCommunity(community)).toBe(0);
    expect(await repos.invitations.find(community, member)).toBeNull();
    expect(await repos.invitations.find(other, member)).toEqual(kept);
  });
}
