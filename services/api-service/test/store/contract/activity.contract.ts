import { at, hexId, useStore, type OpenStore } from './fixtures';
import { createMessage } from './messages.contract';
import { createThread } from './threads.contract';

export function activityContract(open: OpenStore): void {
  const store = useStore(open);

  it('reports zero counts and no dates for a member who did nothing', async () => {
    const { repos } = store();
    const idle = hexId();
    expect(await repos.memberships.countOfMember(idle)).toBe(0);
    expect(await repos.memberships.latestJoinOf(idle)).toBeNull();
    expect(await repos.threads.countByAuthor(idle)).toBe(0);
    expect(await repos.threads.latestByAuthor(idle)).toBeNull();
    expect(await repos.messages.countByAuthor(idle)).toBe(0);
    expect(await repos.messages.latestByAuthor(idle)).toBeNull();
  });

  it("counts a member's memberships, threads and messages and finds the latest of each", async () => {
    const { repos } = store();
    const [ada, grace] = [hexId(), hexId()];
    await repos.memberships.add(hexId(), ada, 'member', at(30));
    await repos.memberships.add(hexId(), ada, 'member', at(50));
    await repos.memberships.add(hexId(), ada, 'member', at(40));
    await repos.memberships.add(hexId(), grace, 'member', at(99));
    await createThread(repos, hexId(), at(12), { created_by: ada });
    await createThread(repos, hexId(), at(11), { created_by: ada });
    await createThread(repos, hexId(), at(90), { created_by: grace });
    await createMessage(repos, hexId(), at(60), { author: ada });
    await createMessage(repos, hexId(), at(70), { author: ada });
    await createMessage(repos, hexId(), at(65), { author: ada });
    await createMessage(repos, hexId(), at(95), { author: grace });

    expect(await repos.memberships.countOfMember(ada)).toBe(3);
    expect(await repos.memberships.latestJoinOf(ada)).toEqual(at(50));
    expect(await repos.threads.countByAuthor(ada)).toBe(2);
    expect(await repos.threads.latestByAuthor(ada)).toEqual(at(12));
    expect(await repos.messages.countByAuthor(ada)).toBe(3);
    expect(await repos.messages.latestByAuthor(ada)).toEqual(at(70));
  });

  it('leaves the communities in `except` out of the counts and the latest dates', async () => {
    const { repos } = store();
    const [ada, shown, hidden, alsoHidden] = [hexId(), hexId(), hexId(), hexId()];
    await repos.memberships.add(shown, ada, 'member', at(10));
    await repos.memberships.add(hidden, ada, 'member', at(20));
    await repos.memberships.add(alsoHidden, ada, 'member', at(30));
    await createThread(repos, shown, at(11), { created_by: ada });
    await createThread(repos, hidden, at(21), { created_by: ada });
    await createMessage(repos, hexId(), at(12), { author: ada, community_id: shown });
    await createMessage(repos, hexId(), at(22), { author: ada, community_id: hidden });
    await createMessage(repos, hexId(), at(32), { author: ada, community_id: alsoHidden });
    const except = [hidden, alsoHidden];

    expect(await repos.memberships.countOfMember(ada, except)).toBe(1);
    expect(await repos.memberships.latestJoinOf(ada, except)).toEqual(at(10));
    expect(await repos.threads.countByAuthor(ada, except)).toBe(1);
    expect(await repos.threads.latestByAuthor(ada, except)).toEqual(at(11));
    expect(await repos.messages.countByAuthor(ada, except)).toBe(1);
    expect(await repos.messages.latestByAuthor(ada, except)).toEqual(at(12));
    expect(await repos.messages.countByAuthor(ada, [shown, ...except])).toBe(0);
    expect(await repos.messages.latestByAuthor(ada, [shown, ...except])).toBeNull();
  });

  it('counts the members of a community', async () => {
    const { repos } = store();
    const [community, other] = [hexId(), hexId()];
    for (let i = 0; i < 3; i++) await repos.memberships.add(community, hexId());
    await repos.memberships.add(other, hexId());
    expect(await repos.memberships.countOfCommunity(community)).toBe(3);
    expect(await repos.memberships.countOfCommunity(hexId())).toBe(0);
  });
}
