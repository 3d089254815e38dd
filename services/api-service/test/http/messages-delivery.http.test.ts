import { Message, type Thread } from '@communities/contracts';
import request from 'supertest';
import { openApi, storeKinds, type ApiHarness } from '../support/api-harness';
import {
  authHeader,
  createJoinedMember,
  createMember,
  createThread,
  expectError,
  expectStatus,
  expectValidationError,
  getJson,
  messagesAfterSeq,
  postMessage,
  postWithKey,
  readAllPages,
  seedPrivateThread,
  seedThread,
  takeEvents,
} from '../support/fixtures';

/** Message sequence numbers, idempotent posting and catching up by seq (issue 6). */
describe.each(storeKinds())('message delivery API (%s store)', (kind) => {
  let h: ApiHarness;

  beforeEach(async () => {
    h = await openApi(kind);
  });
  afterEach(async () => {
    await h.close();
  });

  const getThread = async (id: string) => (await getJson(h.app, `/api/threads/${id}`)) as Thread;
  const listed = async (threadId: string) =>
    (await readAllPages<Message>(h.app, `/api/messages/thread/${threadId}`)).flat();

  describe('seq', () => {
    it('numbers the messages of each thread 1, 2, 3, and new_message carries seq and client_msg_id', async () => {
      const { owner, community, thread } = await seedThread(h.app);
      const other = await createThread(h.app, community.id, owner.id);
      takeEvents(h);

      const first = await postMessage(h.app, thread.id, owner.id);
      const elsewhere = await postMessage(h.app, other.id, owner.id);
      const res = await postWithKey(h.app, thread.id, owner.id, 'client-42');
      expectStatus(res, 201);
      const second = Message.parse(res.body);

      expect([first.seq, second.seq, elsewhere.seq]).toEqual([1, 2, 1]);
      expect([first.client_msg_id, second.client_msg_id]).toEqual([null, 'client-42']);
      const events = takeEvents(h).filter((e) => e.type === 'new_message');
      expect(events.map((e) => e.data)).toEqual([
        { message: first },
        { message: elsewhere },
        { message: second },
      ]);
    });

    it('does not hand out the seq of a deleted last message again', async () => {
      const { owner, thread } = await seedThread(h.app);
      await postMessage(h.app, thread.id, owner.id);
      const last = await postMessage(h.app, thread.id, owner.id);
      expectStatus(
        await request(h.app).delete(`/api/messages/${last.id}`).set(authHeader(owner)),
        204,
      );

      expect((await postMessage(h.app, thread.id, owner.id)).seq).toBe(3);
    });
  });

  describe('idempotent POST /api/messages/thread/:thread_id', () => {
    it('answers a retry with the first message, 200 and Idempotent-Replayed, and publishes nothing', async () => {
      const { owner, thread } = await seedThread(h.app);
      takeEvents(h);

      const first = await postWithKey(h.app, thread.id, owner.id, 'retry-me');
      const retry = await postWithKey(h.app, thread.id, owner.id, 'retry-me');

      expectStatus(first, 201);
      expect(first.headers['idempotent-replayed']).toBeUndefined();
      expectStatus(retry, 200);
      expect(retry.headers['idempotent-replayed']).toBe('true');
      expect(Message.parse(retry.body)).toEqual(Message.parse(first.body));
      expect(takeEvents(h).map((e) => e.type)).toEqual(['new_message']);
      expect((await getThread(thread.id)).message_count).toBe(1);
      expect(await listed(thread.id)).toEqual([first.body]);
    });

    it('takes the key from the Idempotency-Key header, the same key as client_msg_id', async () => {
      const { owner, thread } = await seedThread(h.app);

      const viaHeader = await postWithKey(h.app, thread.id, owner.id, 'k-1', {}, 'header');
      const viaBody = await postWithKey(h.app, thread.id, owner.id, 'k-1', {}, 'body');
      const both = await request(h.app)
        .post(`/api/messages/thread/${thread.id}`)
        .set(authHeader(owner))
        .set('Idempotency-Key', 'k-1')
        .send({ content: 'keyed message', client_msg_id: 'k-1' });

      expectStatus(viaHeader, 201);
      expect(viaHeader.body).toMatchObject({ client_msg_id: 'k-1', seq: 1 });
      for (const retry of [viaBody, both]) {
        expectStatus(retry, 200);
        expect(retry.body).toEqual(viaHeader.body);
      }
    });

    it('refuses a client_msg_id and an Idempotency-Key that differ, and keys that are empty or too long', async () => {
      const { owner, thread } = await seedThread(h.app);
      const post = () =>
        request(h.app).post(`/api/messages/thread/${thread.id}`).set(authHeader(owner));

      expectValidationError(
        await post().set('Idempotency-Key', 'one').send({ content: 'x', client_msg_id: 'two' }),
        ['body.client_msg_id'],
      );
      for (const key of ['', 'k'.repeat(129)]) {
        expectValidationError(await post().send({ content: 'x', client_msg_id: key }), [
          'body.client_msg_id',
        ]);
      }
      expectValidationError(
        await post().set('Idempotency-Key', 'k'.repeat(129)).send({ content: 'x' }),
        ['headers.idempotency-key'],
      );
      expectStatus(await postWithKey(h.app, thread.id, owner.id, 'k'.repeat(128)), 201);
      expect(await listed(thread.id)).toHaveLength(1);
    });

    it('answers 409 IDEMPOTENCY_KEY_REUSED for the same key with other content or in another thread', async () => {
      const { owner, community, thread } = await seedThread(h.app);
      const other = await createThread(h.app, community.id, owner.id);
      const first = await postWithKey(h.app, thread.id, owner.id, 'once', { content: 'hello' });
      expectStatus(first, 201);
      takeEvents(h);

      expectError(
        await postWithKey(h.app, thread.id, owner.id, 'once', { content: 'hello again' }),
        409,
        'IDEMPOTENCY_KEY_REUSED',
      );
      expectError(
        await postWithKey(h.app, other.id, owner.id, 'once', { content: 'hello' }),
        409,
        'IDEMPOTENCY_KEY_REUSED',
      );
      expect(takeEvents(h)).toEqual([]);
      expect(await listed(thread.id)).toEqual([first.body]);
      expect(await listed(other.id)).toEqual([]);
    });

    it('keeps keys per author: another member posting with the same key gets a message of their own', async () => {
      const { owner, community, thread } = await seedThread(h.app);
      const member = await createJoinedMember(h.app, community.id);

      const mine = await postWithKey(h.app, thread.id, owner.id, 'shared-key');
      const theirs = await postWithKey(h.app, thread.id, member.id, 'shared-key');

      expectStatus(mine, 201);
      expectStatus(theirs, 201);
      expect(theirs.body).toMatchObject({ author: member.id, seq: 2, client_msg_id: 'shared-key' });
    });

    it('replays a retried reply after its target was deleted', async () => {
      const { owner, thread } = await seedThread(h.app);
      const target = await postMessage(h.app, thread.id, owner.id);
      const reply = await postWithKey(h.app, thread.id, owner.id, 'reply-1', {
        reply_to: target.id,
      });
      expectStatus(reply, 201);
      expectStatus(
        await request(h.app).delete(`/api/messages/${target.id}`).set(authHeader(owner)),
        204,
      );

      const retry = await postWithKey(h.app, thread.id, owner.id, 'reply-1', {
        reply_to: target.id,
      });

      expectStatus(retry, 200);
      expect(retry.body).toEqual(reply.body);
      // A new key is a new message, and its target must exist.
      expectError(
        await postWithKey(h.app, thread.id, owner.id, 'reply-2', { reply_to: target.id }),
        400,
        'INVALID_REPLY_TARGET',
      );
    });

    it('posts concurrent retries once: one 201, the others 200 with the same message, one event', async () => {
      const { owner, thread } = await seedThread(h.app);
      takeEvents(h);

      const responses = await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          postWithKey(h.app, thread.id, owner.id, 'burst', {}, i % 2 ? 'header' : 'body'),
        ),
      );

      const statuses = responses.map((r) => r.status).sort();
      expect(statuses).toEqual([200, 200, 200, 200, 200, 201]);
      expect(new Set(responses.map((r) => (r.body as Message).id)).size).toBe(1);
      expect(responses.filter((r) => r.headers['idempotent-replayed'] === 'true')).toHaveLength(5);
      expect(takeEvents(h).map((e) => e.type)).toEqual(['new_message']);
      expect((await getThread(thread.id)).message_count).toBe(1);
      expect(await listed(thread.id)).toHaveLength(1);
    });
  });

  describe('GET /api/messages/thread/:thread_id?after_seq=N', () => {
    it('lists the messages after N in seq order, page by page', async () => {
      const { owner, thread } = await seedThread(h.app);
      const posted: Message[] = [];
      for (let i = 0; i < 7; i++) posted.push(await postMessage(h.app, thread.id, owner.id));
      await postMessage(
        h.app,
        (await createThread(h.app, thread.community_id, owner.id)).id,
        owner.id,
      );

      expect(await messagesAfterSeq(h.app, thread.id, 3, 2)).toEqual(posted.slice(3));
      expect(await messagesAfterSeq(h.app, thread.id, 0)).toEqual(posted);
      expect(await messagesAfterSeq(h.app, thread.id, 7)).toEqual([]);
      const page = (await getJson(
        h.app,
        `/api/messages/thread/${thread.id}?after_seq=3&limit=2`,
      )) as { items: Message[]; next_cursor: string };
      expect(page.items.map((m) => m.seq)).toEqual([4, 5]);
      expect(page.next_cursor).toEqual(expect.any(String));
    });

    it('shows a private thread to members of its community only', async () => {
      const { owner, thread } = await seedPrivateThread(h.app);
      const message = await postMessage(h.app, thread.id, owner.id);
      const outsider = await createMember(h.app);
      const path = `/api/messages/thread/${thread.id}?after_seq=0`;

      expect(await getJson(h.app, path, 200, owner.id)).toEqual({
        items: [message],
        next_cursor: null,
      });
      for (const viewer of [undefined, outsider.id]) {
        expectError(
          await request(h.app)
            .get(path)
            .set(viewer ? authHeader(viewer) : {}),
          404,
          'THREAD_NOT_FOUND',
        );
      }
    });

    it('rejects an after_seq that is negative or not an integer, and a cursor of the plain listing', async () => {
      const { owner, thread } = await seedThread(h.app);
      for (let i = 0; i < 3; i++) await postMessage(h.app, thread.id, owner.id);
      for (const value of ['-1', '1.5', 'one']) {
        expectValidationError(
          await request(h.app).get(`/api/messages/thread/${thread.id}?after_seq=${value}`),
          ['query.after_seq'],
        );
      }
      const plain = (await getJson(h.app, `/api/messages/thread/${thread.id}?limit=1`)) as {
        next_cursor: string;
      };
      expectError(
        await request(h.app).get(
          `/api/messages/thread/${thread.id}?after_seq=0&cursor=${plain.next_cursor}`,
        ),
        400,
        'INVALID_CURSOR',
      );
    });
  });
});
