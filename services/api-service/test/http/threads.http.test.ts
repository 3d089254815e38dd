import { Thread } from '@communities/contracts';
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
  readAllPages,
  seedCommunity,
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

  const listIds = async (communityId: string) =>
    (
      (await getJson(h.app, `/api/threads/community/${communityId}`)) as { items: Thread[] }
    ).items.map((t) => t.id);
  const pin = (threadId: string) => request(h.app).post(`/api/threads/${threadId}/pin`);

  describe('POST /api/threads/community/:community_id', () => {
    it('creates an unpinned thread with no messages and publishes new_thread', async () => {
      const { owner, community } = await seedCommunity(h.app);
      takeEvents(h);

      const res = await request(h.app)
        .post(`/api/threads/community/${community.id}`)
        .send({
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

    it('answers 404 COMMUNITY_NOT_FOUND for an unknown community', async () => {
      const member = await createMember(h.app);

      const res = await request(h.app)
        .post(`/api/threads/community/${UNKNOWN_ID}`)
        .send({ title: 'Lost', created_by: member.id });

      expectError(res, 404, 'COMMUNITY_NOT_FOUND');
      expect(takeEvents(h)).toEqual([]);
    });

    it('answers 404 MEMBER_NOT_FOUND for an unknown author, 403 for a deactivated one', async () => {
      const { community } = await seedCommunity(h.app);
      const inactive = await createMember(h.app);
      await request(h.app).delete(`/api/members/${inactive.id}`);
      const post = (createdBy: string) =>
        request(h.app)
          .post(`/api/threads/community/${community.id}`)
          .send({ title: 'Hi', created_by: createdBy });

      expectError(await post(UNKNOWN_ID), 404, 'MEMBER_NOT_FOUND');
      expectError(await post(inactive.id), 403, 'MEMBER_INACTIVE');
      expect(await listIds(community.id)).toEqual([]);
    });

    it('rejects a blank title, a malformed author and a malformed community id', async () => {
      const { owner, community } = await seedCommunity(h.app);

      expectValidationError(
        await request(h.app)
          .post(`/api/threads/community/${community.id}`)
          .send({ title: '   ', created_by: MALFORMED_ID }),
        ['body.title', 'body.created_by'],
      );
      expectValidationError(
        await request(h.app)
          .post(`/api/threads/community/${MALFORMED_ID}`)
          .send({ title: 'Hi', created_by: owner.id }),
        ['params.community_id'],
      );
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

      expect((await pin(second.id)).status).toBe(200);
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
      await pin(threads[1]!.id);
      await pin(threads[3]!.id);

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
  });

  describe('PUT /api/threads/:id', () => {
    it('changes only the fields given, moves updated_at and publishes thread_updated', async () => {
      const { thread } = await seedThread(h.app);
      takeEvents(h);
      await nextMillisecond();

      const res = await request(h.app)
        .put(`/api/threads/${thread.id}`)
        .send({ title: 'Renamed', tags: ['a', 'b'] });

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

    it('answers 404 THREAD_NOT_FOUND for an unknown id', async () => {
      expectError(
        await request(h.app).put(`/api/threads/${UNKNOWN_ID}`).send({ title: 'x' }),
        404,
        'THREAD_NOT_FOUND',
      );
      expect(takeEvents(h)).toEqual([]);
    });

    it('rejects an empty body, a blank title and fields that cannot change', async () => {
      const { thread } = await seedThread(h.app);
      const put = (body: object) => request(h.app).put(`/api/threads/${thread.id}`).send(body);

      expectValidationError(await put({}), ['body']);
      expectValidationError(await put({ title: '' }), ['body.title']);
      expectValidationError(await put({ created_by: UNKNOWN_ID }), ['body']);
      expectValidationError(
        await request(h.app).put(`/api/threads/${MALFORMED_ID}`).send({ title: 'x' }),
        ['params.id'],
      );
      expect(await getJson(h.app, `/api/threads/${thread.id}`)).toEqual(thread);
    });
  });

  describe('DELETE /api/threads/:id', () => {
    it('removes the thread and its messages, and publishes thread_deleted', async () => {
      const { owner, community, thread } = await seedThread(h.app);
      const kept = await createThread(h.app, community.id, owner.id);
      const gone = [
        await postMessage(h.app, thread.id, owner.id),
        await postMessage(h.app, thread.id, owner.id),
      ];
      const keptMessage = await postMessage(h.app, kept.id, owner.id);
      takeEvents(h);

      const res = await request(h.app).delete(`/api/threads/${thread.id}`);

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
      ]);
    });

    it('answers 404 THREAD_NOT_FOUND the second time, 400 for a malformed id', async () => {
      const { thread } = await seedThread(h.app);
      expect((await request(h.app).delete(`/api/threads/${thread.id}`)).status).toBe(204);
      takeEvents(h);

      expectError(
        await request(h.app).delete(`/api/threads/${thread.id}`),
        404,
        'THREAD_NOT_FOUND',
      );
      expectValidationError(await request(h.app).delete(`/api/threads/${MALFORMED_ID}`), [
        'params.id',
      ]);
      expect(takeEvents(h)).toEqual([]);
    });
  });

  describe('POST /api/threads/:id/pin', () => {
    it('toggles is_pinned and publishes thread_updated each time', async () => {
      const { thread } = await seedThread(h.app);
      takeEvents(h);

      const pinned = await pin(thread.id);
      expect(pinned.status).toBe(200);
      expect(pinned.body).toEqual({ ...thread, is_pinned: true });
      expect(await getJson(h.app, `/api/threads/${thread.id}`)).toMatchObject({ is_pinned: true });

      const unpinned = await pin(thread.id);
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

    it('answers 404 THREAD_NOT_FOUND for an unknown id, 400 for a malformed one', async () => {
      expectError(await pin(UNKNOWN_ID), 404, 'THREAD_NOT_FOUND');
      expectValidationError(await pin(MALFORMED_ID), ['params.id']);
    });
  });
});
