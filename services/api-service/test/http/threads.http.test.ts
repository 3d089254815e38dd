import { Thread } from '@communities/contracts';
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
  readAllPages,
  seedCommunity,
  seedPrivateThread,
  seedThread,
  takeEvents,
} from '../support/fixtures';

describe.each(storeKinds())('threads API (%s store)', (kind) => {
  let h: ApiHarness;

  beforeEach(async () => {
    h = await openApi(kind);
  });
  afterEach(async () => {
    await h.close();
  });

  const listIds = async (communityId: string, viewer?: string) =>
    (
      (await getJson(h.app, `/api/threads/community/${communityId}`, 200, viewer)) as {
        items: Thread[];
      }
    ).items.map((t) => t.id);
  /** Starts a thread as `actor` (anonymous when undefined). */
  const start = (communityId: string, actor: string | undefined, body: object) =>
    request(h.app)
      .post(`/api/threads/community/${communityId}`)
      .set(actor ? authHeader(actor) : {})
      .send(body);
  const put = (threadId: string, actor: string | undefined, body: object) =>
    request(h.app)
      .put(`/api/threads/${threadId}`)
      .set(actor ? authHeader(actor) : {})
      .send(body);
  const remove = (threadId: string, actor: string | undefined) =>
    request(h.app)
      .delete(`/api/threads/${threadId}`)
      .set(actor ? authHeader(actor) : {});
  const pin = (threadId: string, actor: string | undefined) =>
    request(h.app)
      .post(`/api/threads/${threadId}/pin`)
      .set(actor ? authHeader(actor) : {});

  describe('POST /api/threads/community/:community_id', () => {
    it('creates an unpinned thread with no messages and publishes new_thread', async () => {
      const { owner, community } = await seedCommunity(h.app);
      takeEvents(h);

      const res = await start(community.id, owner.id, {
        title: '  Welcome  ',
        content: 'Say hello',
        created_by: owner.id,
        tags: ['intro'],
      });

      expect(res.status).toBe(201);
      const thread = Thread.parse(res.body);
      expect(thread).toEqual({
        id: expect.stringMatching(/^[0-9a-f]{24}$/),
        community_id: community.id,
        title: 'Welcome',
        content: 'Say hello',
        created_by: owner.id,
        created_at: expect.any(String),
        updated_at: thread.created_at,
        message_count: 0,
        last_activity: thread.created_at,
        is_pinned: false,
        tags: ['intro'],
      });
      expect(await getJson(h.app, `/api/threads/${thread.id}`)).toEqual(thread);
      expect(takeEvents(h)).toEqual([
        expect.objectContaining({
          type: 'new_thread',
          channel: `community:${community.id}`,
          data: { thread },
        }),
      ]);
    });

    it('credits the caller when created_by is left out, and refuses one naming someone else', async () => {
      const { owner, community } = await seedCommunity(h.app);
      const member = await createJoinedMember(h.app, community.id);
      takeEvents(h);

      const res = await start(community.id, member.id, { title: 'Mine' });
      expect(res.status).toBe(201);
      const own = Thread.parse(res.body);
      expect(own.created_by).toBe(member.id);

      expectError(
        await start(community.id, member.id, { title: 'Forged', created_by: owner.id }),
        403,
        'FORBIDDEN',
      );
      expect(await listIds(community.id)).toEqual([own.id]);
      expect(takeEvents(h).map((e) => e.type)).toEqual(['new_thread']);
    });

    it('answers 401 without a token or with a bad one, creating nothing', async () => {
      const { owner, community } = await seedCommunity(h.app);
      takeEvents(h);

      expectUnauthenticated(await start(community.id, undefined, { title: 'Hi' }));
      expectUnauthenticated(
        await start(community.id, undefined, { title: 'Hi', created_by: owner.id }),
      );
      expectUnauthenticated(
        await request(h.app)
          .post(`/api/threads/community/${community.id}`)
          .set('authorization', 'Bearer not.a.token')
          .send({ title: 'Hi' }),
      );
      expect(await listIds(community.id)).toEqual([]);
      expect(takeEvents(h)).toEqual([]);
    });

    it('answers 403 FORBIDDEN to a member who has not joined, 201 once they have', async () => {
      const { community } = await seedCommunity(h.app);
      const visitor = await createMember(h.app);
      takeEvents(h);

      expectError(await start(community.id, visitor.id, { title: 'Hi' }), 403, 'FORBIDDEN');
      expect(await listIds(community.id)).toEqual([]);
      expect(takeEvents(h)).toEqual([]);

      await joinCommunity(h.app, community.id, visitor.id);
      const res = await start(community.id, visitor.id, { title: 'Hi' });
      expect(res.status).toBe(201);
      expect(await listIds(community.id)).toEqual([Thread.parse(res.body).id]);
    });

    it('answers 404 COMMUNITY_NOT_FOUND for an unknown community', async () => {
      const member = await createMember(h.app);

      const res = await start(UNKNOWN_ID, member.id, { title: 'Lost', created_by: member.id });

      expectError(res, 404, 'COMMUNITY_NOT_FOUND');
      expect(takeEvents(h)).toEqual([]);
    });

    it('answers 404, not 403, to a non-member of a private community', async () => {
      const { owner, community } = await seedPrivateThread(h.app);
      const outsider = await createMember(h.app);
      takeEvents(h);

      expectError(
        await start(community.id, outsider.id, { title: 'Hi' }),
        404,
        'COMMUNITY_NOT_FOUND',
      );
      expect(await listIds(community.id, owner.id)).toHaveLength(1);
      expect(takeEvents(h)).toEqual([]);
    });

    it('answers 401 once the author has deactivated themself', async () => {
      const { community } = await seedCommunity(h.app);
      const leaving = await createJoinedMember(h.app, community.id);
      await deactivateMember(h.app, leaving.id);
      takeEvents(h);

      expectUnauthenticated(
        await start(community.id, leaving.id, { title: 'Hi', created_by: leaving.id }),
      );
      expect(await listIds(community.id)).toEqual([]);
      expect(takeEvents(h)).toEqual([]);
    });

    it('rejects a blank title, a malformed author and a malformed community id', async () => {
      const { owner, community } = await seedCommunity(h.app);

      expectValidationError(
        await start(community.id, owner.id, { title: '   ', created_by: MALFORMED_ID }),
        ['body.title', 'body.created_by'],
      );
      expectValidationError(await start(MALFORMED_ID, owner.id, { title: 'Hi' }), [
        'params.community_id',
      ]);
      expect(await listIds(community.id)).toEqual([]);
    });
  });

  describe('GET /api/threads/community/:community_id', () => {
    it('lists pinned threads first, then by last activity, most recent first', async () => {
      const { owner, community } = await seedCommunity(h.app);
      const other = await seedThread(h.app);
      const first = await createThread(h.app, community.id, owner.id);
      await nextMillisecond();
      const second = await createThread(h.app, community.id, owner.id);
      await nextMillisecond();
      const third = await createThread(h.app, community.id, owner.id);
      expect(await listIds(community.id)).toEqual([third.id, second.id, first.id]);

      await nextMillisecond();
      await postMessage(h.app, first.id, owner.id);
      expect(await listIds(community.id)).toEqual([first.id, third.id, second.id]);

      expect((await pin(second.id, owner.id)).status).toBe(200);
      expect(await listIds(community.id)).toEqual([second.id, first.id, third.id]);
      expect(await listIds(other.community.id)).toEqual([other.thread.id]);
    });

    it('pages across the pinned boundary, visiting each thread once', async () => {
      const { owner, community } = await seedCommunity(h.app);
      const threads: Thread[] = [];
      for (let i = 0; i < 5; i++) {
        threads.push(await createThread(h.app, community.id, owner.id));
        await nextMillisecond();
      }
      await pin(threads[1]!.id, owner.id).expect(200);
      await pin(threads[3]!.id, owner.id).expect(200);

      const pages = await readAllPages<Thread>(
        h.app,
        `/api/threads/community/${community.id}?limit=2`,
      );

      const [t0, t1, t2, t3, t4] = threads.map((t) => t.id);
      expect(pages.map((page) => page.map((t) => t.id))).toEqual([[t3, t1], [t4, t2], [t0]]);
    });

    it('answers 404 COMMUNITY_NOT_FOUND, 400 for a malformed id or limit', async () => {
      const { community } = await seedCommunity(h.app);

      expectError(
        await request(h.app).get(`/api/threads/community/${UNKNOWN_ID}`),
        404,
        'COMMUNITY_NOT_FOUND',
      );
      expectValidationError(await request(h.app).get(`/api/threads/community/${MALFORMED_ID}`), [
        'params.community_id',
      ]);
      expectValidationError(
        await request(h.app).get(`/api/threads/community/${community.id}?limit=101`),
        ['query.limit'],
      );
    });

    it('lists the threads of a private community to its members only', async () => {
      const { owner, community, thread } = await seedPrivateThread(h.app);
      const outsider = await createMember(h.app);
      const invitee = await createMember(h.app);
      await inviteMember(h.app, community.id, owner.id, invitee.id);

      const path = `/api/threads/community/${community.id}`;
      await getJson(h.app, path, 404);
      await getJson(h.app, path, 404, outsider.id);
      // An invitee may look at the community itself, not at its threads.
      await getJson(h.app, path, 404, invitee.id);
      expect(await listIds(community.id, owner.id)).toEqual([thread.id]);
    });

    it('rejects the cursor of another list with 400 INVALID_CURSOR', async () => {
      const { owner, community } = await seedCommunity(h.app);
      for (let i = 0; i < 2; i++) await createThread(h.app, community.id, owner.id);
      // The communities list orders by id alone: its cursor has one value, a thread cursor three.
      await seedCommunity(h.app);
      const communities = (await getJson(h.app, '/api/communities/?limit=1')) as {
        next_cursor: string;
      };

      const res = await request(h.app).get(
        `/api/threads/community/${community.id}?cursor=${communities.next_cursor}`,
      );

      expectError(res, 400, 'INVALID_CURSOR');
    });
  });

  describe('GET /api/threads/:id', () => {
    it('returns the thread', async () => {
      const { thread } = await seedThread(h.app);

      const res = await request(h.app).get(`/api/threads/${thread.id}`);

      expect(res.status).toBe(200);
      expect(res.body).toEqual(thread);
    });

    it('answers 404 THREAD_NOT_FOUND for an unknown id, 400 for a malformed one', async () => {
      expectError(await request(h.app).get(`/api/threads/${UNKNOWN_ID}`), 404, 'THREAD_NOT_FOUND');
      expectValidationError(await request(h.app).get(`/api/threads/${MALFORMED_ID}`), [
        'params.id',
      ]);
    });

    it('answers 404 THREAD_NOT_FOUND for a thread of a private community the viewer is not in', async () => {
      const { owner, community, thread } = await seedPrivateThread(h.app);
      const outsider = await createMember(h.app);
      // An invitee may look at the community itself, not at its threads.
      const invitee = await createMember(h.app);
      await inviteMember(h.app, community.id, owner.id, invitee.id);

      const get = (viewer: { id: string }) =>
        request(h.app).get(`/api/threads/${thread.id}`).set(authHeader(viewer));
      expectError(await request(h.app).get(`/api/threads/${thread.id}`), 404, 'THREAD_NOT_FOUND');
      expectError(await get(outsider), 404, 'THREAD_NOT_FOUND');
      expectError(await get(invitee), 404, 'THREAD_NOT_FOUND');
      expect(await getJson(h.app, `/api/threads/${thread.id}`, 200, owner.id)).toEqual(thread);
    });
  });

  describe('PUT /api/threads/:id', () => {
    it('changes only the fields given, moves updated_at and publishes thread_updated', async () => {
      const { owner, thread } = await seedThread(h.app);
      takeEvents(h);
      await nextMillisecond();

      const res = await put(thread.id, owner.id, { title: 'Renamed', tags: ['a', 'b'] });

      expect(res.status).toBe(200);
      const updated = Thread.parse(res.body);
      expect(updated).toEqual({
        ...thread,
        title: 'Renamed',
        tags: ['a', 'b'],
        updated_at: expect.any(String),
      });
      expect(Date.parse(updated.updated_at)).toBeGreaterThan(Date.parse(thread.updated_at));
      expect(await getJson(h.app, `/api/threads/${thread.id}`)).toEqual(updated);
      expect(takeEvents(h)).toEqual([
        expect.objectContaining({
          type: 'thread_updated',
          channel: `community:${thread.community_id}`,
          data: { thread: updated },
        }),
      ]);
    });

    it('answers 401 without a token and 403 to a member who is not the author', async () => {
      const { community, thread } = await seedThread(h.app);
      const member = await createJoinedMember(h.app, community.id);
      takeEvents(h);

      expectUnauthenticated(await put(thread.id, undefined, { title: 'Anonymous' }));
      expectError(await put(thread.id, member.id, { title: 'Not mine' }), 403, 'FORBIDDEN');
      expect(await getJson(h.app, `/api/threads/${thread.id}`)).toEqual(thread);
      expect(takeEvents(h)).toEqual([]);
    });

    it("lets a moderator edit someone else's thread", async () => {
      const { owner, community } = await seedCommunity(h.app);
      const author = await createJoinedMember(h.app, community.id);
      const moderator = await createJoinedMember(h.app, community.id);
      await makeModerator(h.app, community.id, owner.id, moderator.id);
      const thread = await createThread(h.app, community.id, author.id);

      const res = await put(thread.id, moderator.id, { title: 'Moderated' });

      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ title: 'Moderated', created_by: author.id });
    });

    it('answers 404 THREAD_NOT_FOUND for an unknown id, and for a hidden thread', async () => {
      const member = await createMember(h.app);
      const { thread } = await seedPrivateThread(h.app);
      takeEvents(h);

      expectError(await put(UNKNOWN_ID, member.id, { title: 'x' }), 404, 'THREAD_NOT_FOUND');
      expectError(await put(thread.id, member.id, { title: 'x' }), 404, 'THREAD_NOT_FOUND');
      expect(takeEvents(h)).toEqual([]);
    });

    it('rejects an empty body, a blank title and fields that cannot change', async () => {
      const { owner, thread } = await seedThread(h.app);
      const edit = (body: object) => put(thread.id, owner.id, body);

      expectValidationError(await edit({}), ['body']);
      expectValidationError(await edit({ title: '' }), ['body.title']);
      expectValidationError(await edit({ created_by: UNKNOWN_ID }), ['body']);
      expectValidationError(await put(MALFORMED_ID, owner.id, { title: 'x' }), ['params.id']);
      expect(await getJson(h.app, `/api/threads/${thread.id}`)).toEqual(thread);
    });
  });

  describe('DELETE /api/threads/:id', () => {
    it('removes the thread and its messages, publishes thread_deleted and revokes its grants', async () => {
      const { owner, community, thread } = await seedThread(h.app);
      const kept = await createThread(h.app, community.id, owner.id);
      const gone = [
        await postMessage(h.app, thread.id, owner.id),
        await postMessage(h.app, thread.id, owner.id),
      ];
      const keptMessage = await postMessage(h.app, kept.id, owner.id);
      takeEvents(h);

      const res = await remove(thread.id, owner.id);

      expect(res.status).toBe(204);
      expect(res.text).toBe('');
      expectError(await request(h.app).get(`/api/threads/${thread.id}`), 404, 'THREAD_NOT_FOUND');
      expectError(
        await request(h.app).get(`/api/messages/thread/${thread.id}`),
        404,
        'THREAD_NOT_FOUND',
      );
      for (const message of gone) {
        expectError(
          await request(h.app).get(`/api/messages/${message.id}`),
          404,
          'MESSAGE_NOT_FOUND',
        );
      }
      expect(await listIds(community.id)).toEqual([kept.id]);
      expect(await getJson(h.app, `/api/messages/thread/${kept.id}`)).toEqual({
        items: [keptMessage],
        next_cursor: null,
      });
      expect(takeEvents(h)).toEqual([
        expect.objectContaining({
          type: 'thread_deleted',
          channel: `community:${community.id}`,
          data: { thread_id: thread.id, community_id: community.id },
        }),
        expect.objectContaining({
          type: 'access_revoked',
          data: {
            scope: 'thread',
            thread_id: thread.id,
            community_id: community.id,
            reason: 'deleted',
          },
        }),
      ]);
    });

    it('answers 401 without a token and 403 to a member who is not the author', async () => {
      const { owner, community, thread } = await seedThread(h.app);
      const message = await postMessage(h.app, thread.id, owner.id);
      const member = await createJoinedMember(h.app, community.id);
      takeEvents(h);

      expectUnauthenticated(await remove(thread.id, undefined));
      expectError(await remove(thread.id, member.id), 403, 'FORBIDDEN');
      expect(await getJson(h.app, `/api/threads/${thread.id}`)).toMatchObject({ id: thread.id });
      expect(await getJson(h.app, `/api/messages/${message.id}`)).toEqual(message);
      expect(takeEvents(h)).toEqual([]);
    });

    it("lets a moderator delete someone else's thread, and the author their own", async () => {
      const { owner, community } = await seedCommunity(h.app);
      const author = await createJoinedMember(h.app, community.id);
      const moderator = await createJoinedMember(h.app, community.id);
      await makeModerator(h.app, community.id, owner.id, moderator.id);
      const moderated = await createThread(h.app, community.id, author.id);
      const own = await createThread(h.app, community.id, author.id);

      expect((await remove(moderated.id, moderator.id)).status).toBe(204);
      expect((await remove(own.id, author.id)).status).toBe(204);
      expect(await listIds(community.id)).toEqual([]);
    });

    it('answers 404 THREAD_NOT_FOUND the second time, 400 for a malformed id', async () => {
      const { owner, thread } = await seedThread(h.app);
      expect((await remove(thread.id, owner.id)).status).toBe(204);
      takeEvents(h);

      expectError(await remove(thread.id, owner.id), 404, 'THREAD_NOT_FOUND');
      expectValidationError(await remove(MALFORMED_ID, owner.id), ['params.id']);
      expect(takeEvents(h)).toEqual([]);
    });
  });

  describe('POST /api/threads/:id/pin', () => {
    it('toggles is_pinned and publishes thread_updated each time', async () => {
      const { owner, thread } = await seedThread(h.app);
      takeEvents(h);

      const pinned = await pin(thread.id, owner.id);
      expect(pinned.status).toBe(200);
      expect(pinned.body).toEqual({ ...thread, is_pinned: true });
      expect(await getJson(h.app, `/api/threads/${thread.id}`)).toMatchObject({ is_pinned: true });

      const unpinned = await pin(thread.id, owner.id);
      expect(unpinned.status).toBe(200);
      expect(unpinned.body).toEqual({ ...thread, is_pinned: false });
      expect(await getJson(h.app, `/api/threads/${thread.id}`)).toMatchObject({ is_pinned: false });

      const events = takeEvents(h);
      expect(events.map((e) => [e.type, e.channel])).toEqual([
        ['thread_updated', `community:${thread.community_id}`],
        ['thread_updated', `community:${thread.community_id}`],
      ]);
      expect(events.map((e) => (e.data as { thread: Thread }).thread.is_pinned)).toEqual([
        true,
        false,
      ]);
    });

    it('applies every one of concurrent toggles, each answering and announcing the pin it gave', async () => {
      const { owner, thread } = await seedThread(h.app);
      takeEvents(h);

      const responses = await Promise.all(
        Array.from({ length: 7 }, () => pin(thread.id, owner.id)),
      );

      expect(responses.map((res) => res.status)).toEqual(Array(7).fill(200));
      const answered = responses.map((res) => (res.body as Thread).is_pinned);
      expect(answered.filter(Boolean)).toHaveLength(4);
      expect(await getJson(h.app, `/api/threads/${thread.id}`)).toMatchObject({ is_pinned: true });
      const announced = takeEvents(h).map((e) => (e.data as { thread: Thread }).thread.is_pinned);
      expect(announced.sort()).toEqual(answered.sort());
    });

    it('lets a moderator pin, and refuses a plain member, even the author, with 403', async () => {
      const { owner, community } = await seedCommunity(h.app);
      const author = await createJoinedMember(h.app, community.id);
      const moderator = await createJoinedMember(h.app, community.id);
      await makeModerator(h.app, community.id, owner.id, moderator.id);
      const thread = await createThread(h.app, community.id, author.id);
      takeEvents(h);

      expectUnauthenticated(await pin(thread.id, undefined));
      expectError(await pin(thread.id, author.id), 403, 'FORBIDDEN');
      expect(await getJson(h.app, `/api/threads/${thread.id}`)).toMatchObject({
        is_pinned: false,
      });
      expect(takeEvents(h)).toEqual([]);

      const pinned = await pin(thread.id, moderator.id);
      expect(pinned.status).toBe(200);
      expect(pinned.body).toMatchObject({ is_pinned: true });
    });

    it('answers 404 THREAD_NOT_FOUND for an unknown id, 400 for a malformed one', async () => {
      const member = await createMember(h.app);
      expectError(await pin(UNKNOWN_ID, member.id), 404, 'THREAD_NOT_FOUND');
      expectValidationError(await pin(MALFORMED_ID, member.id), ['params.id']);
    });
  });
});
