import { Message, type Thread } from '@communities/contracts';
import request from 'supertest';
import { openApi, storeKinds, type ApiHarness } from '../support/api-harness';
import {
  MALFORMED_ID,
  UNKNOWN_ID,
  authHeader,
  createJoinedMember,
  createMember,
  createThread,
  deactivateMember,
  expectError,
  expectUnauthenticated,
  expectValidationError,
  getJson,
  inviteMember,
  joinCommunity,
  makeModerator,
  nextMillisecond,
  postMessage,
  seedCommunity,
  seedPrivateThread,
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
  const as = (actor: string | undefined) => (actor ? authHeader(actor) : {});
  /** Posts as `actor` (anonymous when undefined). */
  const post = (threadId: string, actor: string | undefined, body: object) =>
    request(h.app).post(`/api/messages/thread/${threadId}`).set(as(actor)).send(body);
  const put = (messageId: string, actor: string | undefined, body: object) =>
    request(h.app).put(`/api/messages/${messageId}`).set(as(actor)).send(body);
  const remove = (messageId: string, actor: string | undefined) =>
    request(h.app).delete(`/api/messages/${messageId}`).set(as(actor));

  /** A community with its owner, a thread, a plain member and a moderator. */
  async function seedRoles() {
    const { owner, community } = await seedCommunity(h.app);
    const thread = await createThread(h.app, community.id, owner.id);
    const member = await createJoinedMember(h.app, community.id);
    const moderator = await createJoinedMember(h.app, community.id);
    await makeModerator(h.app, community.id, owner.id, moderator.id);
    return { owner, community, thread, member, moderator };
  }

  describe('POST /api/messages/thread/:thread_id', () => {
    it('stores the message, counts it on the thread and publishes new_message', async () => {
      const { owner, thread } = await seedThread(h.app);
      takeEvents(h);
      await nextMillisecond();

      const res = await post(thread.id, owner.id, {
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
        seq: 1,
        client_msg_id: null,
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

    it('credits the caller when author is left out, and refuses one naming someone else', async () => {
      const { owner, community, thread } = await seedThread(h.app);
      const member = await createJoinedMember(h.app, community.id);
      takeEvents(h);

      const res = await post(thread.id, member.id, { content: 'mine' });
      expect(res.status).toBe(201);
      expect(Message.parse(res.body).author).toBe(member.id);

      expectError(
        await post(thread.id, member.id, { content: 'forged', author: owner.id }),
        403,
        'FORBIDDEN',
      );
      expect((await getThread(thread.id)).message_count).toBe(1);
      expect(takeEvents(h).map((e) => e.type)).toEqual(['new_message']);
    });

    it('accepts a reply to a message of the same thread', async () => {
      const { owner, thread } = await seedThread(h.app);
      const parent = await postMessage(h.app, thread.id, owner.id);

      const res = await post(thread.id, owner.id, {
        content: 'agreed',
        author: owner.id,
        reply_to: parent.id,
      });

      expect(res.status).toBe(201);
      expect(Message.parse(res.body).reply_to).toBe(parent.id);
    });

    it('rejects a reply to a message of another thread with 400 INVALID_REPLY_TARGET', async () => {
      const { owner, community, thread } = await seedThread(h.app);
      const elsewhere = await createThread(h.app, community.id, owner.id);
      const foreign = await postMessage(h.app, elsewhere.id, owner.id);
      takeEvents(h);

      const foreignReply = await post(thread.id, owner.id, {
        content: 'x',
        author: owner.id,
        reply_to: foreign.id,
      });
      const unknownReply = await post(thread.id, owner.id, {
        content: 'x',
        author: owner.id,
        reply_to: UNKNOWN_ID,
      });

      expectError(foreignReply, 400, 'INVALID_REPLY_TARGET');
      expectError(unknownReply, 400, 'INVALID_REPLY_TARGET');
      expect((await getThread(thread.id)).message_count).toBe(0);
      expect(takeEvents(h)).toEqual([]);
    });

    it('answers 401 without a token, and once the author has deactivated themself', async () => {
      const { owner, community, thread } = await seedThread(h.app);
      const leaving = await createJoinedMember(h.app, community.id);
      await deactivateMember(h.app, leaving.id);
      takeEvents(h);

      expectUnauthenticated(await post(thread.id, undefined, { content: 'x', author: owner.id }));
      expectUnauthenticated(await post(thread.id, leaving.id, { content: 'x' }));
      expect((await getThread(thread.id)).message_count).toBe(0);
      expect(takeEvents(h)).toEqual([]);
    });

    it('answers 403 FORBIDDEN to a member who has not joined, 201 once they have', async () => {
      const { community, thread } = await seedThread(h.app);
      const visitor = await createMember(h.app);
      takeEvents(h);

      expectError(await post(thread.id, visitor.id, { content: 'hi' }), 403, 'FORBIDDEN');
      expect((await getThread(thread.id)).message_count).toBe(0);
      expect(takeEvents(h)).toEqual([]);

      await joinCommunity(h.app, community.id, visitor.id);
      expect((await post(thread.id, visitor.id, { content: 'hi' })).status).toBe(201);
      expect((await getThread(thread.id)).message_count).toBe(1);
    });

    it('answers 404 THREAD_NOT_FOUND for an unknown thread, and to a non-member of a private one', async () => {
      const { owner, thread } = await seedPrivateThread(h.app);
      const outsider = await createMember(h.app);
      takeEvents(h);

      expectError(
        await post(UNKNOWN_ID, owner.id, { content: 'x', author: owner.id }),
        404,
        'THREAD_NOT_FOUND',
      );
      // 404 rather than 403: the private thread's existence is not revealed.
      expectError(await post(thread.id, outsider.id, { content: 'x' }), 404, 'THREAD_NOT_FOUND');
      expect(
        ((await getJson(h.app, `/api/threads/${thread.id}`, 200, owner.id)) as Thread)
          .message_count,
      ).toBe(0);
      expect(takeEvents(h)).toEqual([]);
    });

    it('rejects blank content, bad attachments and a malformed thread id', async () => {
      const { owner, thread } = await seedThread(h.app);

      expectValidationError(await post(thread.id, owner.id, { content: '  ', author: owner.id }), [
        'body.content',
      ]);
      expectValidationError(
        await post(thread.id, owner.id, {
          content: 'x',
          author: owner.id,
          attachments: ['not a url'],
        }),
        ['body.attachments.0'],
      );
      expectValidationError(await post(MALFORMED_ID, owner.id, { content: 'x' }), [
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

    it('answers 404 MESSAGE_NOT_FOUND for a message of a private community the viewer is not in', async () => {
      const { owner, community, thread } = await seedPrivateThread(h.app);
      const message = await postMessage(h.app, thread.id, owner.id);
      const outsider = await createMember(h.app);
      // An invitee may look at the community itself, not at its messages.
      const invitee = await createMember(h.app);
      await inviteMember(h.app, community.id, owner.id, invitee.id);

      const get = (viewer?: string) =>
        request(h.app).get(`/api/messages/${message.id}`).set(as(viewer));
      expectError(await get(), 404, 'MESSAGE_NOT_FOUND');
      expectError(await get(outsider.id), 404, 'MESSAGE_NOT_FOUND');
      expectError(await get(invitee.id), 404, 'MESSAGE_NOT_FOUND');
      expect((await get(owner.id)).body).toEqual(message);
    });
  });

  describe('PUT /api/messages/:id', () => {
    it('edits the content, sets is_edited and edited_at, and publishes message_updated', async () => {
      const { owner, thread } = await seedThread(h.app);
      const message = await postMessage(h.app, thread.id, owner.id);
      takeEvents(h);
      await nextMillisecond();

      const res = await put(message.id, owner.id, { content: 'edited text' });

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

    it('answers 401 without a token', async () => {
      const { owner, thread } = await seedThread(h.app);
      const message = await postMessage(h.app, thread.id, owner.id);
      takeEvents(h);

      expectUnauthenticated(await put(message.id, undefined, { content: 'anonymous' }));
      expect(await getJson(h.app, `/api/messages/${message.id}`)).toEqual(message);
      expect(takeEvents(h)).toEqual([]);
    });

    it('lets only the author edit: the owner, a moderator and other members get 403', async () => {
      const { owner, community, thread, member: author, moderator } = await seedRoles();
      const other = await createJoinedMember(h.app, community.id);
      const message = await postMessage(h.app, thread.id, author.id);
      takeEvents(h);

      for (const actor of [owner, moderator, other]) {
        expectError(await put(message.id, actor.id, { content: 'rewritten' }), 403, 'FORBIDDEN');
      }
      expect(await getJson(h.app, `/api/messages/${message.id}`)).toEqual(message);
      expect(takeEvents(h)).toEqual([]);
    });

    it('answers 404 MESSAGE_NOT_FOUND for an unknown id', async () => {
      const member = await createMember(h.app);

      const res = await put(UNKNOWN_ID, member.id, { content: 'x' });

      expectError(res, 404, 'MESSAGE_NOT_FOUND');
      expect(takeEvents(h)).toEqual([]);
    });

    it('rejects an empty body, blank content, a new author and a malformed id', async () => {
      const { owner, thread } = await seedThread(h.app);
      const message = await postMessage(h.app, thread.id, owner.id);
      const edit = (body: object) => put(message.id, owner.id, body);

      expectValidationError(await edit({}), ['body']);
      expectValidationError(await edit({ content: '' }), ['body.content']);
      expectValidationError(await edit({ author: UNKNOWN_ID }), ['body']);
      expectValidationError(await put(MALFORMED_ID, owner.id, { content: 'x' }), ['params.id']);
      expect(await getJson(h.app, `/api/messages/${message.id}`)).toEqual(message);
    });
  });

  describe('DELETE /api/messages/:id', () => {
    it('removes the message, uncounts it and publishes message_deleted', async () => {
      const { owner, thread } = await seedThread(h.app);
      const kept = await postMessage(h.app, thread.id, owner.id);
      const gone = await postMessage(h.app, thread.id, owner.id);
      takeEvents(h);

      const res = await remove(gone.id, owner.id);

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

    it('answers 401 without a token and 403 to a member who is not the author', async () => {
      const { owner, thread, member } = await seedRoles();
      const message = await postMessage(h.app, thread.id, owner.id);
      takeEvents(h);

      expectUnauthenticated(await remove(message.id, undefined));
      expectError(await remove(message.id, member.id), 403, 'FORBIDDEN');
      expect(await getJson(h.app, `/api/messages/${message.id}`)).toEqual(message);
      expect((await getThread(thread.id)).message_count).toBe(1);
      expect(takeEvents(h)).toEqual([]);
    });

    it("lets a moderator delete someone else's message, and the author their own", async () => {
      const { owner, thread, member, moderator } = await seedRoles();
      const byOwner = await postMessage(h.app, thread.id, owner.id);
      const byMember = await postMessage(h.app, thread.id, member.id);

      expect((await remove(byOwner.id, moderator.id)).status).toBe(204);
      expect((await remove(byMember.id, member.id)).status).toBe(204);
      expect((await getThread(thread.id)).message_count).toBe(0);
      expect(await getJson(h.app, `/api/messages/thread/${thread.id}`)).toEqual({
        items: [],
        next_cursor: null,
      });
    });

    it('answers 404 the second time without uncounting again', async () => {
      const { owner, thread } = await seedThread(h.app);
      await postMessage(h.app, thread.id, owner.id);
      const gone = await postMessage(h.app, thread.id, owner.id);
      expect((await remove(gone.id, owner.id)).status).toBe(204);
      takeEvents(h);

      expectError(await remove(gone.id, owner.id), 404, 'MESSAGE_NOT_FOUND');
      expect((await getThread(thread.id)).message_count).toBe(1);
      expect(takeEvents(h)).toEqual([]);
    });

    it('answers 400 with params.id for a malformed id', async () => {
      const member = await createMember(h.app);
      expectValidationError(await remove(MALFORMED_ID, member.id), ['params.id']);
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

    it('answers 404 THREAD_NOT_FOUND to a non-member for a thread of a private community', async () => {
      const { owner, thread } = await seedPrivateThread(h.app);
      const parent = await postMessage(h.app, thread.id, owner.id);
      const reply = await postMessage(h.app, thread.id, owner.id, { reply_to: parent.id });
      const outsider = await createMember(h.app);
      const path = `/api/messages/thread/${thread.id}/replies/${parent.id}`;

      expectError(await request(h.app).get(path), 404, 'THREAD_NOT_FOUND');
      expectError(
        await request(h.app).get(path).set(authHeader(outsider)),
        404,
        'THREAD_NOT_FOUND',
      );
      expect(await getJson(h.app, path, 200, owner.id)).toEqual({
        items: [reply],
        next_cursor: null,
      });
    });
  });
});
