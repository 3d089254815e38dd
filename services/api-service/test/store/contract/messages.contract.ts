import type { Message } from '@communities/contracts';
import {
  MessageRepository,
  type PostedMessage,
} from '../../../src/modules/messages/message.repository';
import type { DbId } from '../../../src/store/document-db';
import type { Repositories } from '../../../src/store/repositories';
import {
  at,
  concurrently,
  countOf,
  hexId,
  ids,
  readAllPages,
  useStore,
  type OpenStore,
} from './fixtures';

export interface MessageFields {
  content?: string;
  reply_to?: string;
  author?: string;
  community_id?: string;
  client_msg_id?: string;
}

/** Posts through the repository; returns what it did (created, replayed, key_reused). */
export function postMessage(
  repos: Repositories,
  threadId: string,
  now = at(0),
  fields: MessageFields = {},
): Promise<PostedMessage> {
  return repos.messages.create(
    {
      thread_id: threadId,
      community_id: fields.community_id ?? hexId(),
      author: fields.author ?? hexId(),
      content: fields.content ?? 'hello',
      reply_to: fields.reply_to ?? null,
      attachments: [],
      client_msg_id: fields.client_msg_id ?? null,
    },
    now,
  );
}

/** A new message (failing the test if the repository did anything but create one). */
export async function createMessage(
  repos: Repositories,
  threadId: string,
  now = at(0),
  fields: MessageFields = {},
): Promise<Message> {
  const { outcome, message } = await postMessage(repos, threadId, now, fields);
  expect(outcome).toBe('created');
  return message;
}

/** Oldest first, equal timestamps in id order: computed independently of any engine. */
function chronological(a: Message, b: Message): number {
  if (a.created_at !== b.created_at) return a.created_at < b.created_at ? -1 : 1;
  return a.id < b.id ? -1 : 1;
}

export function messagesContract(open: OpenStore): void {
  const store = useStore(open);

  it('sequences messages stored before sequencing existed when it starts, after the sequenced ones', async () => {
    const { db, repos } = store();
    const [thread, otherThread] = [hexId(), hexId()];
    await createMessage(repos, thread, at(1));
    await createMessage(repos, thread, at(2));
    // What an older release stored: no seq, no client_msg_id, no idempotency key.
    const legacy = (threadId: string, minute: number) => ({
      _id: db.newId(),
      thread_id: threadId,
      community_id: hexId(),
      content: `legacy ${minute}`,
      author: hexId(),
      created_at: at(minute),
      edited_at: null,
      is_edited: false,
      reply_to: null,
      attachments: [],
    });
    const raw = db.collection<{ _id: DbId } & Record<string, unknown>>('messages');
    const [old, alone] = [legacy(thread, 0), legacy(otherThread, 5)];
    await raw.insertOne(old);
    await raw.insertOne(alone);

    await repos.messages.ensureIndexes();

    const page = await repos.messages.listAfterSeq(thread, 0, { limit: 10 });
    expect(page.items.map((m) => [m.content, m.seq])).toEqual([
      ['hello', 1],
      ['hello', 2],
      ['legacy 0', 3],
    ]);
    const [upgraded] = (await repos.messages.listAfterSeq(otherThread, 0, { limit: 10 })).items;
    expect(upgraded).toMatchObject({ content: 'legacy 5', seq: 1, client_msg_id: null });
    // Started again: nothing left to do, nothing renumbered.
    await repos.messages.ensureIndexes();
    expect((await repos.messages.listAfterSeq(thread, 2, { limit: 10 })).items).toHaveLength(1);
  });

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

  it('numbers the messages of each thread 1, 2, 3 in posting order, each thread on its own', async () => {
    const { repos } = store();
    const [thread, other] = [hexId(), hexId()];
    const first = await createMessage(repos, thread, at(5));
    const elsewhere = await createMessage(repos, other, at(1));
    const second = await createMessage(repos, thread, at(0));
    const third = await createMessage(repos, thread, at(9));
    expect([first.seq, second.seq, third.seq, elsewhere.seq]).toEqual([1, 2, 3, 1]);
    expect(await repos.messages.get(second.id)).toEqual(second);
  });

  it('gives messages posted at once in one thread distinct seqs without gaps', async () => {
    const { repos } = store();
    const thread = hexId();
    const posted = await concurrently(12, (i) => createMessage(repos, thread, at(i)));
    expect(posted.map((m) => m.seq).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 12 }, (_, i) => i + 1),
    );
    expect((await repos.messages.listOfThread(thread, { limit: 50 })).items).toHaveLength(12);
  });

  it('never hands a seq out twice, not even that of a deleted last message', async () => {
    const { repos } = store();
    const thread = hexId();
    await createMessage(repos, thread);
    const second = await createMessage(repos, thread);
    const third = await createMessage(repos, thread);
    expect(await repos.messages.delete(third.id)).toEqual(third);
    expect(await repos.messages.delete(second.id)).toEqual(second);
    expect((await createMessage(repos, thread)).seq).toBe(4);
    expect((await createMessage(repos, hexId())).seq).toBe(1);
  });

  it('continues a thread last posted to before counters existed after its highest seq, deleted ones included', async () => {
    const { db, repos } = store();
    const thread = hexId();
    for (let i = 0; i < 3; i++) await createMessage(repos, thread);
    const fourth = await createMessage(repos, thread);
    expect(await repos.messages.delete(fourth.id)).toEqual(fourth);
    // What an older release left: messages with seqs, a floor, no counter.
    await db.collection('message_seq_counters').deleteMany({});
    expect((await createMessage(repos, thread)).seq).toBe(5);
    expect((await createMessage(repos, thread)).seq).toBe(6);
  });

  it('gives distinct seqs when two replicas post to one thread at once', async () => {
    const { db, repos } = store();
    const other = new MessageRepository(db);
    const thread = hexId();
    const posted = await concurrently(24, (i) =>
      createMessage(i % 2 ? repos : { ...repos, messages: other }, thread, at(i)),
    );
    const seqs = posted.map((m) => m.seq);
    expect(new Set(seqs).size).toBe(24);
    expect((await repos.messages.listOfThread(thread, { limit: 50 })).items).toHaveLength(24);
    expect((await createMessage(repos, thread)).seq).toBeGreaterThan(Math.max(...seqs));
  });

  it('posts once per author and key: the same request is replayed, another one reported', async () => {
    const { repos } = store();
    const [thread, author] = [hexId(), hexId()];
    const keyed = { author, client_msg_id: 'key-1', content: 'hello' };
    const first = await postMessage(repos, thread, at(1), keyed);
    expect(first).toEqual({
      outcome: 'created',
      message: expect.objectContaining({ seq: 1, client_msg_id: 'key-1', content: 'hello' }),
    });

    expect(await postMessage(repos, thread, at(2), keyed)).toEqual({
      outcome: 'replayed',
      message: first.message,
      replayedBy: 'lookup',
    });
    for (const changed of [{ content: 'hello!' }, { reply_to: first.message.id }]) {
      expect(await postMessage(repos, thread, at(3), { ...keyed, ...changed })).toEqual({
        outcome: 'key_reused',
        message: first.message,
      });
    }
    expect(await postMessage(repos, hexId(), at(3), keyed)).toEqual({
      outcome: 'key_reused',
      message: first.message,
    });
    // Keys are per author; and messages without a key never collide.
    const byOther = await postMessage(repos, thread, at(4), { ...keyed, author: hexId() });
    expect(byOther).toMatchObject({ outcome: 'created', message: { seq: 2 } });
    await createMessage(repos, thread, at(5), { author });
    await createMessage(repos, thread, at(6), { author });
    expect(await repos.messages.countByAuthor(author)).toBe(3);
    expect(await repos.messages.findByIdempotencyKey(author, 'key-1')).toEqual(first.message);
    expect(await repos.messages.findByIdempotencyKey(author, 'key-2')).toBeNull();
  });

  it('creates one message when the same keyed post races with itself and with other posts', async () => {
    const { repos } = store();
    const [thread, author] = [hexId(), hexId()];
    const results = await concurrently(8, (i) =>
      i % 2 === 0
        ? postMessage(repos, thread, at(0), { author, client_msg_id: 'retried' })
        : postMessage(repos, thread, at(0)),
    );
    const retried = results.filter((_, i) => i % 2 === 0);
    expect(
      countOf(
        retried.map((r) => r.outcome),
        'created',
      ),
    ).toBe(1);
    expect(
      countOf(
        retried.map((r) => r.outcome),
        'replayed',
      ),
    ).toBe(3);
    expect(new Set(retried.map((r) => r.message.id)).size).toBe(1);
    expect(await repos.messages.countByAuthor(author)).toBe(1);
    const all = await repos.messages.listOfThread(thread, { limit: 50 });
    expect(all.items.map((m) => m.seq).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5]);
  });

  it('lists the messages after a seq in seq order, in keyset pages', async () => {
    const { repos } = store();
    const thread = hexId();
    const created: Message[] = [];
    // Timestamps out of seq order: the list follows seq, not time.
    for (const seconds of [9, 3, 7, 1, 5, 8, 2]) {
      created.push(await createMessage(repos, thread, at(seconds)));
    }
    await createMessage(repos, hexId());
    const { items: all } = await repos.messages.listAfterSeq(thread, 0, { limit: 50 });
    expect(ids(all)).toEqual(ids(created));
    for (const limit of [1, 2, 3]) {
      const paged = await readAllPages((cursor) =>
        repos.messages.listAfterSeq(thread, 2, { limit, cursor }),
      );
      expect(ids(paged.items)).toEqual(ids(created.slice(2)));
      expect(paged.pages).toBe(Math.ceil(5 / limit));
    }
    expect((await repos.messages.listAfterSeq(thread, 7, { limit: 5 })).items).toEqual([]);
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
