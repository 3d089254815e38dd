import type { Thread } from '@communities/contracts';
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

export function createThread(
  repos: Repositories,
  communityId: string,
  now = at(0),
  fields: { title?: string; content?: string; created_by?: string } = {},
): Promise<Thread> {
  return repos.threads.create(
    {
      community_id: communityId,
      title: fields.title ?? 'A thread',
      content: fields.content ?? '',
      created_by: fields.created_by ?? hexId(),
      tags: [],
    },
    now,
  );
}

/** The listing order the contract promises, computed independently of any engine. */
function listingOrder(a: Thread, b: Thread): number {
  if (a.is_pinned !== b.is_pinned) return a.is_pinned ? -1 : 1;
  if (a.last_activity !== b.last_activity) return a.last_activity < b.last_activity ? 1 : -1;
  return a.id < b.id ? 1 : -1;
}

export function threadsContract(open: OpenStore): void {
  const store = useStore(open);

  it('creates an unpinned thread with no messages, last active when created', async () => {
    const { repos } = store();
    const community = hexId();
    const thread = await createThread(repos, community, at(7), { title: 'Hello' });
    expect(thread).toMatchObject({
      community_id: community,
      title: 'Hello',
      message_count: 0,
      is_pinned: false,
      created_at: at(7).toISOString(),
      updated_at: at(7).toISOString(),
      last_activity: at(7).toISOString(),
    });
    expect(await repos.threads.get(thread.id)).toEqual(thread);
  });

  it('updates the given fields and updated_at; null for an unknown thread', async () => {
    const { repos } = store();
    const thread = await createThread(repos, hexId(), at(0));
    const updated = await repos.threads.update(thread.id, { title: 'Renamed' }, at(9));
    expect(updated).toEqual({ ...thread, title: 'Renamed', updated_at: at(9).toISOString() });
    expect(await repos.threads.update(hexId(), { title: 'x' })).toBeNull();
  });

  /** A message posted in the thread at `when`, as the service posts one. */
  async function post(repos: Repositories, thread: Thread, when: Date): Promise<string> {
    const { message } = await repos.messages.create(
      {
        thread_id: thread.id,
        community_id: thread.community_id,
        author: hexId(),
        content: 'hello',
        reply_to: null,
        attachments: [],
      },
      when,
    );
    await repos.threads.recordMessage(thread.id, when);
    return message.id;
  }

  it('counts its messages and never moves last_activity back', async () => {
    const { repos } = store();
    const thread = await createThread(repos, hexId(), at(10));
    await post(repos, thread, at(20));
    await post(repos, thread, at(15));
    const after = await repos.threads.get(thread.id);
    expect(after?.message_count).toBe(2);
    expect(after?.last_activity).toBe(at(20).toISOString());
    const [listed] = (await repos.threads.listOfCommunity(thread.community_id, { limit: 5 })).items;
    expect(listed?.message_count).toBe(2);
  });

  it('keeps the latest last_activity and an exact count under concurrent messages', async () => {
    const { repos } = store();
    const thread = await createThread(repos, hexId(), at(0));
    // Timestamps arrive out of order: 0..29 s, the latest (29 s) sent by the 18th call.
    await concurrently(30, (i) => post(repos, thread, at((i * 7) % 30)));
    const after = await repos.threads.get(thread.id);
    expect(after?.message_count).toBe(30);
    expect(after?.last_activity).toBe(at(29).toISOString());
  });

  it('keeps message_count exact under concurrent posts and deletes, and through edits of the thread', async () => {
    const { repos } = store();
    const thread = await createThread(repos, hexId());
    const doomed = await Promise.all([0, 1, 2, 3, 4].map((i) => post(repos, thread, at(i))));
    await concurrently<unknown>(29, (i) =>
      i < 12
        ? post(repos, thread, at(10 + i))
        : i < 17
          ? repos.messages.delete(doomed[i - 12]!)
          : repos.threads.update(thread.id, { title: `edit ${i}` }),
    );
    expect((await repos.threads.get(thread.id))?.message_count).toBe(12);
    expect((await repos.threads.getMany([thread.id]))[0]?.message_count).toBe(12);
  });

  it('toggles the pin back and forth; null for an unknown thread', async () => {
    const { repos } = store();
    const thread = await createThread(repos, hexId());
    expect((await repos.threads.togglePin(thread.id))?.is_pinned).toBe(true);
    expect((await repos.threads.get(thread.id))?.is_pinned).toBe(true);
    expect((await repos.threads.togglePin(thread.id))?.is_pinned).toBe(false);
    expect(await repos.threads.togglePin(hexId())).toBeNull();
  });

  // A conditional update merges concurrent toggles on FerretDB 1.x; inserts of their n do not.
  it('applies every one of many concurrent pin toggles, each answering the pin it gave', async () => {
    const { repos } = store();
    const thread = await createThread(repos, hexId());
    const pair = await concurrently(2, () => repos.threads.togglePin(thread.id));
    // One toggle pinned, the other unpinned: back to the original state.
    expect(pair.map((t) => t?.is_pinned).sort()).toEqual([false, true]);
    expect((await repos.threads.get(thread.id))?.is_pinned).toBe(false);

    // 25 toggles in some order: 13 of them pinned (the 1st, 3rd, ... 25th), and it ends pinned.
    const many = await concurrently(25, () => repos.threads.togglePin(thread.id));
    expect(
      countOf(
        many.map((t) => t?.is_pinned),
        true,
      ),
    ).toBe(13);
    expect((await repos.threads.get(thread.id))?.is_pinned).toBe(true);
    const listed = await repos.threads.listOfCommunity(thread.community_id, { limit: 5 });
    expect(listed.items.map((t) => [t.id, t.is_pinned])).toEqual([[thread.id, true]]);
  });

  // On FerretDB 1.x every update writes the whole document back, so a pin kept on the thread
  // would be undone by a message count or an edit running at the same time.
  it('keeps the pin through concurrent messages and edits of the thread', async () => {
    const { repos } = store();
    const thread = await createThread(repos, hexId(), at(0));
    const writes = concurrently<unknown>(40, (i) =>
      i % 2 === 1
        ? repos.threads.update(thread.id, { title: `t${i}` })
        : repos.threads.recordMessage(thread.id, at(i)),
    );
    // One toggle after another, while the thread is being written.
    for (let i = 0; i < 3; i++) await repos.threads.togglePin(thread.id);
    await writes;
    expect((await repos.threads.get(thread.id))?.is_pinned).toBe(true);
    const [listed] = (await repos.threads.listOfCommunity(thread.community_id, { limit: 1 })).items;
    expect(listed).toMatchObject({ id: thread.id, is_pinned: true });
  });

  it('answers the pin everywhere a thread is read', async () => {
    const { repos } = store();
    const community = hexId();
    const thread = await createThread(repos, community, at(0), { title: 'needle' });
    const pinned = await repos.threads.togglePin(thread.id);
    expect(pinned).toEqual({ ...thread, is_pinned: true });
    expect(await repos.threads.get(thread.id)).toEqual(pinned);
    expect(await repos.threads.getMany([thread.id])).toEqual([pinned]);
    expect(
      (await repos.threads.search('needle', { communityId: community }, { limit: 5 })).items,
    ).toEqual([pinned]);
    const renamed = await repos.threads.update(thread.id, { title: 'renamed' }, at(3));
    expect(renamed).toMatchObject({ title: 'renamed', is_pinned: true });
  });

  it('starts from the pin of a thread stored before pins were toggles', async () => {
    const { db, repos } = store();
    const community = hexId();
    const plain = await createThread(repos, community, at(9));
    const stored = await createThread(repos, community, at(1));
    // As stored before: the pin a field of the thread document, no toggles recorded.
    await db
      .collection('threads')
      .findOneAndUpdate({ _id: db.toId(stored.id) }, { $set: { is_pinned: true } });
    expect((await repos.threads.get(stored.id))?.is_pinned).toBe(true);
    const listing = async () =>
      (await repos.threads.listOfCommunity(community, { limit: 5 })).items.map((t) => [
        t.id,
        t.is_pinned,
      ]);
    expect(await listing()).toEqual([
      [stored.id, true],
      [plain.id, false],
    ]);

    expect((await repos.threads.togglePin(stored.id))?.is_pinned).toBe(false);
    expect((await repos.threads.get(stored.id))?.is_pinned).toBe(false);
    expect(await listing()).toEqual([
      [plain.id, false],
      [stored.id, false],
    ]);
    expect((await repos.threads.togglePin(stored.id))?.is_pinned).toBe(true);
    expect(await listing()).toEqual([
      [stored.id, true],
      [plain.id, false],
    ]);
  });

  it('lists threads pinned first, then by last activity, then newest id', async () => {
    const { repos } = store();
    const community = hexId();
    const activity = [5, 9, 5, 1, 9, 5, 7, 5];
    const created: Thread[] = [];
    for (const seconds of activity) created.push(await createThread(repos, community, at(seconds)));
    await createThread(repos, hexId(), at(100));
    for (const i of [2, 3, 5]) await repos.threads.togglePin(created[i]!.id);
    const current = await Promise.all(created.map((t) => repos.threads.get(t.id)));
    const expected = (current as Thread[]).sort(listingOrder).map((t) => t.id);

    const single = await repos.threads.listOfCommunity(community, { limit: 50 });
    expect(single.items.map((t) => t.id)).toEqual(expected);
    expect(single.next_cursor).toBeNull();
    for (const limit of [1, 2, 3]) {
      const paged = await readAllPages((cursor) =>
        repos.threads.listOfCommunity(community, { limit, cursor }),
      );
      expect(paged.items.map((t) => t.id)).toEqual(expected);
      expect(paged.pages).toBe(Math.ceil(expected.length / limit));
    }
  });

  it('deletes a thread once', async () => {
    const { repos } = store();
    const thread = await createThread(repos, hexId());
    await repos.threads.togglePin(thread.id);
    expect(await repos.threads.delete(thread.id)).toBe(true);
    expect(await repos.threads.delete(thread.id)).toBe(false);
    expect(await repos.threads.get(thread.id)).toBeNull();
  });

  it('deletes every thread of one community and no other', async () => {
    const { repos } = store();
    const [community, other] = [hexId(), hexId()];
    await createThread(repos, community);
    await repos.threads.togglePin((await createThread(repos, community)).id);
    const kept = await createThread(repos, other);
    expect(await repos.threads.deleteAllOfCommunity(community)).toBe(2);
    expect((await repos.threads.listOfCommunity(community, { limit: 10 })).items).toEqual([]);
    expect(await repos.threads.get(kept.id)).toEqual(kept);
  });
}
