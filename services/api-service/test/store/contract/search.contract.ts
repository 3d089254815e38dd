import { at, hexId, readAllPages, useStore, type OpenStore } from './fixtures';
import { createMessage } from './messages.contract';
import { createThread } from './threads.contract';

/** An unscoped search that hides nothing. */
const EVERYWHERE = { except: [] };

const newestFirst = (items: { id: string }[]): string[] =>
  items
    .map((item) => item.id)
    .sort()
    .reverse();

export function searchContract(open: OpenStore): void {
  const store = useStore(open);

  it('finds messages by a case-insensitive substring, newest first', async () => {
    const { repos } = store();
    const thread = hexId();
    const a = await createMessage(repos, thread, at(1), { content: 'Hello World' });
    await createMessage(repos, thread, at(2), { content: 'goodbye' });
    const b = await createMessage(repos, hexId(), at(3), { content: 'say hELLo' });
    const { items } = await repos.messages.search('HELLO', EVERYWHERE, { limit: 10 });
    expect(items.map((m) => m.id)).toEqual([b.id, a.id]);
  });

  it('matches regex metacharacters in message searches literally', async () => {
    const { repos } = store();
    const thread = hexId();
    const dot = await createMessage(repos, thread, at(0), { content: 'version 1.2 released' });
    await createMessage(repos, thread, at(0), { content: 'version 1x2 released' });
    const star = await createMessage(repos, thread, at(0), { content: 'a*b and (c' });
    await createMessage(repos, thread, at(0), { content: 'aab and c' });
    const search = async (q: string) =>
      (await repos.messages.search(q, EVERYWHERE, { limit: 10 })).items.map((m) => m.id);
    expect(await search('1.2')).toEqual([dot.id]);
    expect(await search('a*b')).toEqual([star.id]);
    expect(await search('(C')).toEqual([star.id]);
    expect(await search('.*')).toEqual([]);
    expect(await search('[a]|^$\\')).toEqual([]);
  });

  it('limits a message search to one thread when asked', async () => {
    const { repos } = store();
    const [thread, other] = [hexId(), hexId()];
    const inside = await createMessage(repos, thread, at(0), { content: 'needle' });
    const outside = await createMessage(repos, other, at(0), { content: 'needle' });
    const only = await repos.messages.search('needle', { threadId: thread }, { limit: 10 });
    expect(only.items.map((m) => m.id)).toEqual([inside.id]);
    const all = await repos.messages.search('needle', EVERYWHERE, { limit: 10 });
    expect(all.items.map((m) => m.id)).toEqual([outside.id, inside.id]);
  });

  it('pages through message search results', async () => {
    const { repos } = store();
    const created = [];
    for (let i = 0; i < 5; i++) {
      created.push(await createMessage(repos, hexId(), at(0), { content: `match ${i}` }));
    }
    await createMessage(repos, hexId(), at(0), { content: 'other' });
    const { items, pages } = await readAllPages((cursor) =>
      repos.messages.search('MATCH', EVERYWHERE, { limit: 2, cursor }),
    );
    expect(pages).toBe(3);
    expect(items.map((m) => m.id)).toEqual(
      created
        .map((m) => m.id)
        .sort()
        .reverse(),
    );
  });

  it('finds threads by title or content, case-insensitively and literally', async () => {
    const { repos } = store();
    const community = hexId();
    const byTitle = await createThread(repos, community, at(0), { title: 'Why C++ (really)?' });
    const byContent = await createThread(repos, community, at(0), {
      title: 'Another',
      content: 'I love c++ (REALLY)',
    });
    await createThread(repos, community, at(0), { title: 'c (really)', content: 'cxx' });
    const { items } = await repos.threads.search('C++ (really)', EVERYWHERE, { limit: 10 });
    expect(items.map((t) => t.id)).toEqual([byContent.id, byTitle.id]);
    expect((await repos.threads.search('.+', EVERYWHERE, { limit: 10 })).items).toEqual([]);
  });

  it('limits a thread search to one community when asked, and pages', async () => {
    const { repos } = store();
    const [community, other] = [hexId(), hexId()];
    const inside = [];
    for (let i = 0; i < 3; i++) {
      inside.push(await createThread(repos, community, at(i), { title: `Topic ${i}` }));
    }
    const outside = await createThread(repos, other, at(0), { title: 'topic elsewhere' });
    const only = await readAllPages((cursor) =>
      repos.threads.search('topic', { communityId: community }, { limit: 2, cursor }),
    );
    expect(only.items.map((t) => t.id)).toEqual(
      inside
        .map((t) => t.id)
        .sort()
        .reverse(),
    );
    expect(only.pages).toBe(2);
    const all = await repos.threads.search('topic', EVERYWHERE, { limit: 10 });
    expect(all.items.map((t) => t.id).sort()).toEqual([...inside, outside].map((t) => t.id).sort());
  });

  it('leaves the messages of excepted communities out of a search, across pages', async () => {
    const { repos } = store();
    const [shown, hidden, alsoHidden] = [hexId(), hexId(), hexId()];
    const visible = [];
    for (let i = 0; i < 3; i++) {
      visible.push(
        await createMessage(repos, hexId(), at(i), { content: `needle ${i}`, community_id: shown }),
      );
      await createMessage(repos, hexId(), at(i), { content: `needle ${i}`, community_id: hidden });
    }
    await createMessage(repos, hexId(), at(9), { content: 'needle', community_id: alsoHidden });

    const found = await readAllPages((cursor) =>
      repos.messages.search(
        'NEEDLE',
        { except: [hidden, alsoHidden, hexId()] },
        { limit: 2, cursor },
      ),
    );
    expect(found.items.map((m) => m.id)).toEqual(newestFirst(visible));
    expect(found.pages).toBe(2);
    const some = await repos.messages.search('needle', { except: [hidden] }, { limit: 10 });
    expect(some.items).toHaveLength(4);
    const all = await repos.messages.search('needle', EVERYWHERE, { limit: 10 });
    expect(all.items).toHaveLength(7);
  });

  it('leaves the threads of excepted communities out of a search, across pages', async () => {
    const { repos } = store();
    const [shown, hidden] = [hexId(), hexId()];
    const visible = [];
    for (let i = 0; i < 3; i++) {
      visible.push(await createThread(repos, shown, at(i), { title: `Topic ${i}` }));
      await createThread(repos, hidden, at(i), { title: `topic ${i}` });
    }

    const found = await readAllPages((cursor) =>
      repos.threads.search('topic', { except: [hidden] }, { limit: 2, cursor }),
    );
    expect(found.items.map((t) => t.id)).toEqual(newestFirst(visible));
    expect(found.pages).toBe(2);
    const all = await repos.threads.search('topic', EVERYWHERE, { limit: 10 });
    expect(all.items).toHaveLength(6);
    const none = await repos.threads.search('topic', { except: [shown, hidden] }, { limit: 10 });
    expect(none).toEqual({ items: [], next_cursor: null });
  });
}
