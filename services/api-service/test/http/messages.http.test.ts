import { Message, type Thread } from '@communities/contracts';
import request from 'supertest';
import { openApi, storeKinds, type ApiHarness } from '../support/api-harness';
import {
  MALFORMED_ID,
  UNKNOWN_ID,
  createMember,
  createThread,
  expectError,
  expectValidationError,
  getJson,
  nextMillisecond,
  postMessage,
  seedThread,
  takeEvents,
} from '../support/fixtures';

describe.each(storeKinds())('messages API (%s store)', (kind) => {
  let h: ApiHarness;

  beforeEach(async () => {
    h = await openApi(kind);
  });
  afterEach(async () => {
    await h.close();
  });

  const getThread = async (id: string) => (await getJson(h.app, `/api/threads/${id}`)) as Thread;
  const post = (threadId: string, body: object) =>
    request(h.app).post(`/api/messages/thread/${threadId}`).send(body);

  describe('POST /api/messages/thread/:thread_id', () => {
    it('stores the message, counts it on the thread and publishes new_message', async () => {
      const { owner, thread } = await seedThread(h.app);
      takeEvents(h);
      await nextMillisecond();

      const res = await post(thread.id, {
        content: '  Hello there  ',
        author: owner.id,
        attachments: ['https://cdn.example.com/wave.gif'],
      });

      expect(res.status).toBe(201);
      const message = Message.parse(res.body);
      expect(message).toEqual({
        id: expect.stringMatching(/^[0-9a-f]{24}$/),
        thread_id: thread.id,
        community_id: thread.community_id,
        content: 'Hello there',
        author: owner.id,
        created_at: expect.any(String),
        edited_at: null,
        is_edited: false,
        reply_to: null,
        attachments: ['https://cdn.example.com/wave.gif'],
      });
      expect(await getJson(h.app, `/api/messages/${message.id}`)).toEqual(message);
      const after = await getThread(thread.id);
      expect(after.message_count).toBe(1);
      expect(after.last_activity).toBe(message.created_at);
      expect(Date.parse(after.last_activity)).toBeGreaterThan(Date.parse(thread.last_activity));
      expect(takeEvents(h)).toEqual([
        expect.objectContaining({
          type: 'new_message',
          channel: `thread:${thread.id}`,
          data: { message },
        }),
      ]);
    });

    it('counts every message and keeps last_activity at the latest one', async () => {
      const { owner, thread } = await seedThread(h.app);
      await postMessage(h.app, thread.id, owner.id);
      await nextMillisecond();
      const latest = await postMessage(h.app, thread.id, owner.id);

      expect(await getThread(thread.id)).toMatchObject({
        message_count: 2,
        last_activity: latest.created_at,
      });
    });

    it('accepts a reply to a message of the same thread', async () => {
      const { owner, thread } = await seedThread(h.app);
      const parent = await postMessage(h.app, thread.id, owner.id);

      const res = await post(thread.id, {
        content: 'agreed',
        author: owner.id,
        reply_to: parent.id,
      });

      expect(res.status).toBe(201);
      expect(res.body.reply_to).toBe(parent.id);
    });

    it('rejects a reply to a message of another thread with 400 INVALID_REPLY_TARGET', async () => {
      const { owner, community, thread } = await seedThread(h.app);
      const elsewhere = await createThread(h.app, community.id, owner.id);
      const foreign = await postMessage(h.app, elsewhere.id, owner.id);
      takeEvents(h);

      const foreignReply = await post(thread.id, {
        content: 'x',
        author: owner.id,
        reply_to: foreign.id,
      });
      const unknownReply = await post(thread.id, {
        content: 'x',
        author: owner.id,
        reply_to: UNKNOWN_ID,
      });

      expectError(foreignReply, 400, 'INVALID_REPLY_TARGET');
      expectError(unknownReply, 400, 'INVALID_REPLY_TARGET');
      expect((await getThread(thread.id)).message_count).toBe(0);
      expect(takeEvents(h)).toEqual([]);
    });

    it('answers 404 for an unknown thread or author, 403 for a deactivated author', async () => {
      const { owner, thread } = await seedThread(h.app);
      const inactive = await createMember(h.app);
      expect((await request(h.app).delete(`/api/members/${inactive.id}`)).status).toBe(204);
      takeEvents(h);

      expectError(
        await post(UNKNOWN_ID, { content: 'x', author: owner.id }),
        404,
        'THREAD_NOT_FOUND',
      );
      expectError(
        await post(thread.id, { content: 'x', author: UNKNOWN_ID }),
        404,
        'MEMBER_NOT_FOUND',
      );
      expectError(
        await post(thread.id, { content: 'x', author: inactive.id }),
        403,
        'MEMBER_INACTIVE',
      );
      expect((await getThread(thread.id)).message_count).toBe(0);
      expect(takeEvents(h)).toEqual([]);
    });

    it('rejects blank content, bad attachments and a malformed thread id', async () => {
      const { owner, thread } = await seedThread(h.app);

      expectValidationError(await post(thread.id, { content: '  ', author: owner.id }), [
        'body.content',
      ]);
      expectValidationError(
        await post(thread.id, { content: 'x', author: owner.id, attachments: ['not a url'] }),
        ['body.attachments.0'],
      );
      expectValidationError(await post(MALFORMED_ID, { content: 'x', author: owner.id }), [
        'params.thread_id',
      ]);
      expect((await getThread(thread.id)).message_count).toBe(0);
    });
  });

  describe('GET /api/messages/:id', () => {
    it('returns the message', async () => {
      const { owner, thread } = await seedThread(h.app);
      const message = await postMessage(h.app, thread.id, owner.id);

      const res = await request(h.app).get(`/api/messages/${message.id}`);

      expect(res.status).toBe(200);
      expect(res.body).toEqual(message);
    });

    it('answers 404 MESSAGE_NOT_FOUND for an unknown id, 400 for a malformed one', async () => {
      expectError(
        await request(h.app).get(`/api/messages/${UNKNOWN_ID}`),
        404,
        'MESSAGE_NOT_FOUND',
      );
      expectValidationError(await request(h.app).get(`/api/messages/${MALFORMED_ID}`), [
        'params.id',
      ]);
    });
  });

  describe('PUT /api/messages/:id', () => {
    it('edits the content, sets is_edited and edited_at, and publishes message_updated', async () => {
      const { owner, thread } = await seedThread(h.app);
      const message = await postMessage(h.app, thread.id, owner.id);
      takeEvents(h);
      await nextMillisecond();

      const res = await request(h.app)
        .put(`/api/messages/${message.id}`)
        .send({ content: 'edited text' });

      expect(res.status).toBe(200);
      const edited = Message.parse(res.body);
      expect(edited).toEqual({
        ...message,
        content: 'edited text',
        is_edited: true,
        edited_at: expect.any(String),
      });
      expect(Date.parse(edited.edited_at!)).toBeGreaterThan(Date.parse(message.created_at));
      expect(await getJson(h.app, `/api/messages/${message.id}`)).toEqual(edited);
      expect((await getThread(thread.id)).message_count).toBe(1);
      expect(takeEvents(h)).toEqual([
        expect.objectContaining({
          type: 'message_updated',
          channel: `thread:${thread.id}`,
          data: { message: edited },
        }),
      ]);
    });

    it('answers 404 MESSAGE_NOT_FOUND for an unknown id', async () => {
      const res = await request(h.app).put(`/api/messages/${UNKNOWN_ID}`).send({ content: 'x' });

      expectError(res, 404, 'MESSAGE_NOT_FOUND');
      expect(takeEvents(h)).toEqual([]);
    });

    it('rejects an empty body, blank content, a new author and a malformed id', async () => {
      const { owner, thread } = await seedThread(h.app);
      const message = await postMessage(h.app, thread.id, owner.id);
      const put = (body: object) => request(h.app).put(`/api/messages/${message.id}`).send(body);

      expectValidationError(await put({}), ['body']);
      expectValidationError(await put({ content: '' }), ['body.content']);
      expectValidationError(await put({ author: UNKNOWN_ID }), ['body']);
      expectValidationError(
        await request(h.app).put(`/api/messages/${MALFORMED_ID}`).send({ content: 'x' }),
        ['params.id'],
      );
      expect(await getJson(h.app, `/api/messages/${message.id}`)).toEqual(message);
    });
  });

  describe('DELETE /api/messages/:id', () => {
    it('removes the message, uncounts it and publishes message_deleted', async () => {
      const { owner, thread } = await seedThread(h.app);
      const kept = await postMessage(h.app, thread.id, owner.id);
      const gone = await postMessage(h.app, thread.id, owner.id);
      takeEvents(h);

      const res = await request(h.app).delete(`/api/messages/${gone.id}`);

      expect(res.status).toBe(204);
      expect(res.text).toBe('');
      expectError(await request(h.app).get(`/api/messages/${gone.id}`), 404, 'MESSAGE_NOT_FOUND');
      expect((await getThread(thread.id)).message_count).toBe(1);
      expect(await getJson(h.app, `/api/messages/thread/${thread.id}`)).toEqual({
        items: [kept],
        next_cursor: null,
      });
      expect(takeEvents(h)).toEqual([
        expect.objectContaining({
          type: 'message_deleted',
          channel: `thread:${thread.id}`,
          data: { message_id: gone.id, thread_id: thread.id },
        }),
      ]);
    });

    it('answers 404 the second time without uncounting again', async () => {
      const { owner, thread } = await seedThread(h.app);
      await postMessage(h.app, thread.id, owner.id);
      const gone = await postMessage(h.app, thread.id, owner.id);
      expect((await request(h.app).delete(`/api/messages/${gone.id}`)).status).toBe(204);
      takeEvents(h);

      expectError(
        await request(h.app).delete(`/api/messages/${gone.id}`),
        404,
        'MESSAGE_NOT_FOUND',
      );
      expect((await getThread(thread.id)).message_count).toBe(1);
      expect(takeEvents(h)).toEqual([]);
    });

    it('answers 400 with params.id for a malformed id', async () => {
      expectValidationError(await request(h.app).delete(`/api/messages/${MALFORMED_ID}`), [
        'params.id',
      ]);
    });
  });

  describe('GET /api/messages/thread/:thread_id/replies/:message_id', () => {
    it('lists only the replies to that message, oldest first', async () => {
      const { owner, thread } = await seedThread(h.app);
      const parent = await postMessage(h.app, thread.id, owner.id);
      const sibling = await postMessage(h.app, thread.id, owner.id);
      const first = await postMessage(h.app, thread.id, owner.id, { reply_to: parent.id });
      await postMessage(h.app, thread.id, owner.id, { reply_to: sibling.id });
      await postMessage(h.app, thread.id, owner.id);
      const second = await postMessage(h.app, thread.id, owner.id, { reply_to: parent.id });

      const res = await request(h.app).get(
        `/api/messages/thread/${thread.id}/replies/${parent.id}`,
      );

      expect(res.status).toBe(200);
      expect(res.body).toEqual({ items: [first, second], next_cursor: null });
    });

    it('pages the replies', async () => {
      const { owner, thread } = await seedThread(h.app);
      const parent = await postMessage(h.app, thread.id, owner.id);
      const replies: Message[] = [];
      for (let i = 0; i < 3; i++) {
        replies.push(await postMessage(h.app, thread.id, owner.id, { reply_to: parent.id }));
      }
      const path = `/api/messages/thread/${thread.id}/replies/${parent.id}`;

      const page1 = (await getJson(h.app, `${path}?limit=2`)) as {
        items: Message[];
        next_cursor: string;
      };
      const page2 = await getJson(h.app, `${path}?limit=2&cursor=${page1.next_cursor}`);

      expect(page1.items).toEqual(replies.slice(0, 2));
      expect(page2).toEqual({ items: replies.slice(2), next_cursor: null });
    });

    it('answers 404 MESSAGE_NOT_FOUND for a message of another thread', async () => {
      const { owner, community, thread } = await seedThread(h.app);
      const elsewhere = await createThread(h.app, community.id, owner.id);
      const foreign = await postMessage(h.app, elsewhere.id, owner.id);

      expectError(
        await request(h.app).get(`/api/messages/thread/${thread.id}/replies/${foreign.id}`),
        404,
        'MESSAGE_NOT_FOUND',
      );
      expectError(
        await request(h.app).get(`/api/messages/thread/${thread.id}/replies/${UNKNOWN_ID}`),
        404,
        'MESSAGE_NOT_FOUND',
      );
    });

    it('answers 404 THREAD_NOT_FOUND for an unknown thread, 400 for malformed ids', async () => {
      const { owner, thread } = await seedThread(h.app);
      const message = await postMessage(h.app, thread.id, owner.id);

      expectError(
        await request(h.app).get(`/api/messages/thread/${UNKNOWN_ID}/replies/${message.id}`),
        404,
        'THREAD_NOT_FOUND',
      );
      expectValidationError(
        await request(h.app).get(`/api/messages/thread/${MALFORMED_ID}/replies/${MALFORMED_ID}`),
        ['params.thread_id', 'params.message_id'],
      );
    });
  });
});
