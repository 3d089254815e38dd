import type { Message } from '@communities/contracts';
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

export function createMessage(
  repos: Repositories,
  threadId: string,
  now = at(0),
  fields: { content?: string; reply_to?: string; author?: string; community_id?: string } = {},
): Promise<Message> {
  return repos.messages.create(
    {
      thread_id: threadId,
      community_id: fields.community_id ?? hexId(),
      author: fields.author ?? hexId(),
      content: fields.content ?? 'hello',
      reply_to: fields.reply_to ?? null,
      attachments: [],
    },
    now,
  );
}

/** Oldest first, equal timestamps in id order: computed independently of any engine. */
function chronological(a: Message, b: Message): number {
  if (a.created_at !== b.created_at) return a.created_at < b.created_at ? -1 : 1;
  return a.id < b.id ? -1 : 1;
}

export function messagesContract(open: OpenStore): void {
  const store = useStore(open);

  it('creates an unedited message and edits it with a timestamp', async () => {
    const { repos } = store();
    const thread = hexId();
    const message = await createMessage(repos, thread, at(3), { content: 'first' });
    expect(message).toMatchObject({
      thread_id: thread,
      content: 'first',
      is_edited: false,
      edited_at: null,
      reply_to: null,
      created_at: at(3).toISOString(),
    });
    expect(await repos.messages.get(message.id)).toEqual(message);
    const edited = await repos.messages.update(message.id, { content: 'second' }, at(8));
    expect(edited).toEqual({
      ...message,
      content: 'second',
      is_edited: true,
      edited_at: at(8).toISOString(),
    });
    expect(await repos.messages.update(hexId(), { content: 'x' })).toBeNull();
  });

  it('returns a deleted message to exactly one of several concurrent deletes', async () => {
    const { repos } = store();
    const message = await createMessage(repos, hexId());
    const results = await concurrently(6, () => repos.messages.delete(message.id));
    expect(results.filter((m) => m !== null)).toEqual([message]);
    expect(countOf(results, null)).toBe(5);
    expect(await repos.messages.get(message.id)).toBeNull();
  });

  it('lists a thread chronologically, breaking equal timestamps by id', async () => {
    const { repos } = store();
    const thread = hexId();
    const created: Message[] = [];
    for (const seconds of [4, 1, 4, 2, 1, 4, 4, 3, 1]) {
      created.push(await createMessage(repos, thread, at(seconds)));
    }
    await createMessage(repos, hexId(), at(2));
    const expected = [...created].sort(chronological).map((m) => m.id);

    const single = await repos.messages.listOfThread(thread, { limit: 50 });
    expect(single.items.map((m) => m.id)).toEqual(expected);
    for (const limit of [1, 2, 4]) {
      const paged = await readAllPages((cursor) =>
        repos.messages.listOfThread(thread, { limit, cursor }),
      );
      expect(paged.items.map((m) => m.id)).toEqual(expected);
      expect(paged.pages).toBe(Math.ceil(expected.length / limit));
    }
  });

  it('lists the replies to one message chronologically', async () => {
    const { repos } = store();
    const thread = hexId();
    const root = await createMessage(repos, thread, at(0));
    const other = await createMessage(repos, thread, at(0));
    const late = await createMessage(repos, thread, at(9), { reply_to: root.id });
    const early = await createMessage(repos, thread, at(2), { reply_to: root.id });
    const tied = await createMessage(repos, thread, at(2), { reply_to: root.id });
    await createMessage(repos, thread, at(1), { reply_to: other.id });
    await createMessage(repos, hexId(), at(1), { reply_to: root.id });
    const { items, pages } = await readAllPages((cursor) =>
      repos.messages.repliesTo(thread, root.id, { limit: 2, cursor }),
    );
    expect(items.map((m) => m.id)).toEqual([early.id, tied.id, late.id]);
    expect(pages).toBe(2);
  });

  it('deletes every message of one thread and no other', async () => {
    const { repos } = store();
    const [thread, other] = [hexId(), hexId()];
    await createMessage(repos, thread);
    await createMessage(repos, thread);
    const kept = await createMessage(repos, other);
    expect(await repos.messages.deleteAllOfThread(thread)).toBe(2);
    expect((await repos.messages.listOfThread(thread, { limit: 10 })).items).toEqual([]);
    expect(await repos.messages.get(kept.id)).toEqual(kept);
  });

  it('deletes every message of one community across its threads and no other', async () => {
    const { repos } = store();
    const [community, other] = [hexId(), hexId()];
    await createMessage(repos, hexId(), at(0), { community_id: community });
    await createMessage(repos, hexId(), at(0), { community_id: community });
    const kept = await createMessage(repos, hexId(), at(0), { community_id: other });
    expect(await repos.messages.deleteAllOfCommunity(community)).toBe(2);
    expect(await repos.messages.deleteAllOfCommunity(community)).toBe(0);
    expect(await repos.messages.get(kept.id)).toEqual(kept);
  });
}
