import type { Repositories } from '../../../src/store/repositories';
import {
  at,
  concurrently,
  countOf,
  hexId,
  readAllPages,
  useStore,
  type OpenStore,
} from './fixtures';

function createCommunity(repos: Repositories, name = 'Rustaceans', now?: Date, isPublic = true) {
  return repos.communities.create(
    {
      name,
      description: '',
      created_by: hexId(),
      is_public: isPublic,
      tags: ['lang'],
      avatar_url: null,
    },
    now,
  );
}

export function communitiesContract(open: OpenStore): void {
  const store = useStore(open);

  it('creates a community with no members', async () => {
    const { repos } = store();
    const created = await createCommunity(repos, 'Rustaceans', at(1));
    expect(created).toMatchObject({
      name: 'Rustaceans',
      member_count: 0,
      tags: ['lang'],
      created_at: at(1).toISOString(),
    });
    expect(await repos.communities.get(created.id)).toEqual(created);
  });

  it('updates only the given fields and returns null for an unknown community', async () => {
    const { repos } = store();
    const created = await createCommunity(repos);
    const updated = await repos.communities.update(created.id, { description: 'crabs', tags: [] });
    expect(updated).toEqual({
      community: { ...created, description: 'crabs', tags: [] },
      endedPublicEpoch: null,
    });
    expect(await repos.communities.update(hexId(), { name: 'x' })).toBeNull();
  });

  it('starts a new access epoch when the visibility changes, answering the public one it ended', async () => {
    const { repos } = store();
    const created = await createCommunity(repos);
    const first = (await repos.communities.accessBasis(created.id))!;
    expect(first).toEqual({ is_public: true, access_epoch: expect.any(String) });
    const closed = await repos.communities.update(created.id, { is_public: false });
    expect(closed).toMatchObject({
      community: { is_public: false },
      endedPublicEpoch: first.access_epoch,
    });
    const second = (await repos.communities.accessBasis(created.id))!;
    expect(second.access_epoch).not.toBe(first.access_epoch);
    // Going public ends no public epoch; it starts one.
    expect(await repos.communities.update(created.id, { is_public: true })).toMatchObject({
      endedPublicEpoch: null,
    });
    expect((await repos.communities.accessBasis(created.id))!.access_epoch).not.toBe(
      second.access_epoch,
    );
    expect(await repos.communities.accessBasis(hexId())).toBeNull();
  });

  it('counts the memberships of a community in member_count on every read', async () => {
    const { repos } = store();
    const community = await createCommunity(repos);
    const other = await createCommunity(repos, 'Other');
    const [ada, grace] = [hexId(), hexId()];
    await repos.memberships.add(community.id, ada, 'owner');
    await repos.memberships.add(community.id, grace);
    await repos.memberships.add(community.id, grace);
    await repos.memberships.add(other.id, ada);

    expect((await repos.communities.get(community.id))?.member_count).toBe(2);
    const many = await repos.communities.getMany([community.id, other.id]);
    expect(Object.fromEntries(many.map((c) => [c.id, c.member_count]))).toEqual({
      [community.id]: 2,
      [other.id]: 1,
    });
    const listed = await repos.communities.list({ limit: 10 });
    expect(listed.items.map((c) => [c.id, c.member_count])).toEqual([
      [other.id, 1],
      [community.id, 2],
    ]);
    const updated = await repos.communities.update(community.id, { description: 'x' });
    expect(updated?.community.member_count).toBe(2);

    await repos.memberships.remove(community.id, grace);
    await repos.memberships.remove(community.id, grace);
    expect((await repos.communities.get(community.id))?.member_count).toBe(1);
    await repos.memberships.removeAllOfCommunity(community.id);
    expect((await repos.communities.get(community.id))?.member_count).toBe(0);
  });

  // A stored counter moved by read-modify-write loses changes here on FerretDB 1.x; a count of the
  // memberships cannot, since the unique index decides every join.
  it('keeps member_count exact under concurrent joins and leaves', async () => {
    const { repos } = store();
    const { id } = await createCommunity(repos);
    const members = Array.from({ length: 30 }, () => hexId());
    const joined = await concurrently(60, (i) => repos.memberships.add(id, members[i % 30]!));
    expect(countOf(joined, true)).toBe(30);
    expect((await repos.communities.get(id))?.member_count).toBe(30);

    const left = await concurrently(40, (i) => repos.memberships.remove(id, members[i % 20]!));
    expect(left.filter((membershipId) => membershipId !== null)).toHaveLength(20);
    expect((await repos.communities.get(id))?.member_count).toBe(10);
    expect((await repos.communities.list({ limit: 1 })).items[0]?.member_count).toBe(10);
  });

  it('deletes a community once', async () => {
    const { repos } = store();
    const { id } = await createCommunity(repos);
    expect(await repos.communities.delete(id)).toBe(true);
    expect(await repos.communities.delete(id)).toBe(false);
    expect(await repos.communities.get(id)).toBeNull();
  });

  it('returns only the existing communities of getMany', async () => {
    const { repos } = store();
    const [a, b] = [await createCommunity(repos, 'a'), await createCommunity(repos, 'b')];
    const found = await repos.communities.getMany([hexId(), b.id, a.id]);
    expect(found.map((c) => c.id).sort()).toEqual([a.id, b.id].sort());
    expect(await repos.communities.getMany([])).toEqual([]);
  });

  it('lists communities newest first across pages', async () => {
    const { repos } = store();
    const created = [];
    for (let i = 0; i < 5; i++) created.push(await createCommunity(repos, `c${i}`, at(0)));
    const { items, pages } = await readAllPages((cursor) =>
      repos.communities.list({ limit: 2, cursor }),
    );
    expect(pages).toBe(3);
    expect(items.map((c) => c.id)).toEqual(
      created
        .map((c) => c.id)
        .sort()
        .reverse(),
    );
  });

  it('lists public communities only, unless private ones are asked for by id', async () => {
    const { repos } = store();
    const created = [];
    // Public and private alternate: p0, s1, p2, s3, p4, s5.
    for (let i = 0; i < 6; i++) {
      created.push(await createCommunity(repos, `c${i}`, at(0), i % 2 === 0));
    }
    const newestFirst = (communities: { id: string }[]) =>
      communities
        .map((c) => c.id)
        .sort()
        .reverse();
    const [p0, s1, p2, s3, p4, s5] = created;

    const publicOnly = await readAllPages((cursor) => repos.communities.list({ limit: 2, cursor }));
    expect(publicOnly.items.map((c) => c.id)).toEqual(newestFirst([p0!, p2!, p4!]));
    expect((await repos.communities.list({ limit: 10 }, [])).items).toEqual(publicOnly.items);

    const withSome = await readAllPages((cursor) =>
      repos.communities.list({ limit: 2, cursor }, [s1!.id, s5!.id, hexId()]),
    );
    expect(withSome.items.map((c) => c.id)).toEqual(newestFirst([p0!, s1!, p2!, p4!, s5!]));
    expect(withSome.pages).toBe(3);
    expect(withSome.items.map((c) => c.id)).not.toContain(s3!.id);
  });

  it('gives the ids of every private community, and follows a change of visibility', async () => {
    const { repos } = store();
    expect(await repos.communities.privateIds()).toEqual([]);
    const open = await createCommunity(repos, 'open');
    const closed = await createCommunity(repos, 'closed', undefined, false);
    const hidden = await createCommunity(repos, 'hidden', undefined, false);
    expect((await repos.communities.privateIds()).sort()).toEqual([closed.id, hidden.id].sort());

    await repos.communities.update(open.id, { is_public: false });
    await repos.communities.update(closed.id, { is_public: true });
    expect((await repos.communities.privateIds()).sort()).toEqual([open.id, hidden.id].sort());
    await repos.communities.delete(hidden.id);
    expect(await repos.communities.privateIds()).toEqual([open.id]);
  });
}
