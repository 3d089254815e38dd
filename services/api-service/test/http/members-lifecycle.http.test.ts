import { type Community, Member, MemberActivity } from '@communities/contracts';
import request from 'supertest';
import { openApi, storeKinds, type ApiHarness } from '../support/api-harness';
import {
  MALFORMED_ID,
  UNKNOWN_ID,
  createCommunity,
  createMember,
  createThread,
  expectError,
  expectValidationError,
  getJson,
  joinCommunity,
  nextMillisecond,
  postMessage,
  readAllPages,
  seedCommunity,
  seedThread,
  takeEvents,
} from '../support/fixtures';

/** Deactivation, a member's communities and their activity counts. */
describe.each(storeKinds())('member lifecycle API (%s store)', (kind) => {
  let h: ApiHarness;

  beforeEach(async () => {
    h = await openApi(kind);
  });
  afterEach(async () => {
    await h.close();
  });

  const deactivate = (id: string) => request(h.app).delete(`/api/members/${id}`);

  describe('DELETE /api/members/:id', () => {
    it('deactivates the member and keeps their content and memberships', async () => {
      const { owner, community, thread } = await seedThread(h.app);
      const message = await postMessage(h.app, thread.id, owner.id);
      takeEvents(h);

      const res = await deactivate(owner.id);

      expect(res.status).toBe(204);
      expect(res.text).toBe('');
      expect(Member.parse(await getJson(h.app, `/api/members/${owner.id}`))).toEqual({
        ...owner,
        is_active: false,
        communities: [community.id],
      });
      expect(await getJson(h.app, `/api/threads/${thread.id}`)).toMatchObject({
        id: thread.id,
        created_by: owner.id,
        message_count: 1,
      });
      expect(await getJson(h.app, `/api/messages/${message.id}`)).toEqual(message);
      expect(await getJson(h.app, `/api/communities/${community.id}`)).toMatchObject({
        member_count: 1,
      });
      expect(takeEvents(h)).toEqual([]);
    });

    it('stops a deactivated member from posting, creating or joining with 403 MEMBER_INACTIVE', async () => {
      const { owner, community, thread } = await seedThread(h.app);
      const elsewhere = await seedCommunity(h.app);
      await deactivate(owner.id);
      takeEvents(h);

      expectError(
        await request(h.app)
          .post(`/api/messages/thread/${thread.id}`)
          .send({ content: 'still here?', author: owner.id }),
        403,
        'MEMBER_INACTIVE',
      );
      expectError(
        await request(h.app)
          .post(`/api/threads/community/${community.id}`)
          .send({ title: 'new', created_by: owner.id }),
        403,
        'MEMBER_INACTIVE',
      );
      expectError(
        await request(h.app)
          .post(`/api/communities/${elsewhere.community.id}/join`)
          .send({ member_id: owner.id }),
        403,
        'MEMBER_INACTIVE',
      );
      expectError(
        await request(h.app).post('/api/communities/').send({ name: 'x', created_by: owner.id }),
        403,
        'MEMBER_INACTIVE',
      );
      expect(await getJson(h.app, `/api/threads/${thread.id}`)).toMatchObject({ message_count: 0 });
      expect(await getJson(h.app, `/api/members/${owner.id}/activity`)).toMatchObject({
        communities_joined: 1,
        threads_created: 1,
        messages_posted: 0,
      });
      expect(takeEvents(h)).toEqual([]);
    });

    it('answers 204 again for a member already deactivated', async () => {
      const member = await createMember(h.app);
      expect((await deactivate(member.id)).status).toBe(204);

      expect((await deactivate(member.id)).status).toBe(204);
      expect(await getJson(h.app, `/api/members/${member.id}`)).toMatchObject({ is_active: false });
    });

    it('answers 404 MEMBER_NOT_FOUND for an unknown id, 400 for a malformed one', async () => {
      expectError(await deactivate(UNKNOWN_ID), 404, 'MEMBER_NOT_FOUND');
      expectValidationError(await deactivate(MALFORMED_ID), ['params.id']);
    });
  });

  describe('GET /api/members/:id/communities', () => {
    it('lists the communities in the order the member joined them', async () => {
      const member = await createMember(h.app);
      const { community: first } = await seedCommunity(h.app);
      const { community: second } = await seedCommunity(h.app);
      const own = await createCommunity(h.app, member.id);
      await joinCommunity(h.app, second.id, member.id);
      await joinCommunity(h.app, first.id, member.id);

      const res = await request(h.app).get(`/api/members/${member.id}/communities`);

      expect(res.status).toBe(200);
      expect(res.body.next_cursor).toBeNull();
      expect((res.body.items as Community[]).map((c) => c.id)).toEqual([
        own.id,
        second.id,
        first.id,
      ]);
      expect(res.body.items[1]).toEqual({ ...second, member_count: 2 });
    });

    it('no longer lists a community the member left', async () => {
      const member = await createMember(h.app);
      const { community } = await seedCommunity(h.app);
      await joinCommunity(h.app, community.id, member.id);
      await request(h.app)
        .post(`/api/communities/${community.id}/leave`)
        .send({ member_id: member.id });

      expect(await getJson(h.app, `/api/members/${member.id}/communities`)).toEqual({
        items: [],
        next_cursor: null,
      });
    });

    it('pages with limit and next_cursor', async () => {
      const member = await createMember(h.app);
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) ids.push((await createCommunity(h.app, member.id)).id);

      const pages = await readAllPages<Community>(
        h.app,
        `/api/members/${member.id}/communities?limit=2`,
      );

      expect(pages.map((page) => page.map((c) => c.id))).toEqual([ids.slice(0, 2), ids.slice(2)]);
    });

    it('answers 404 MEMBER_NOT_FOUND for an unknown id, 400 for a malformed one', async () => {
      expectError(
        await request(h.app).get(`/api/members/${UNKNOWN_ID}/communities`),
        404,
        'MEMBER_NOT_FOUND',
      );
      expectValidationError(await request(h.app).get(`/api/members/${MALFORMED_ID}/communities`), [
        'params.id',
      ]);
    });
  });

  describe('GET /api/members/:id/activity', () => {
    it('answers zeros and no last activity for a new member', async () => {
      const member = await createMember(h.app);

      const res = await request(h.app).get(`/api/members/${member.id}/activity`);

      expect(res.status).toBe(200);
      expect(MemberActivity.parse(res.body)).toEqual({
        member_id: member.id,
        communities_joined: 0,
        threads_created: 0,
        messages_posted: 0,
        last_activity: null,
      });
    });

    it('counts communities, threads and messages, and dates the latest of them', async () => {
      const member = await createMember(h.app);
      const { owner, community } = await seedCommunity(h.app);
      const own = await createCommunity(h.app, member.id);
      await joinCommunity(h.app, community.id, member.id);
      const thread = await createThread(h.app, community.id, member.id);
      await createThread(h.app, own.id, member.id);
      await postMessage(h.app, thread.id, owner.id);
      await postMessage(h.app, thread.id, member.id);
      await nextMillisecond();
      const last = await postMessage(h.app, thread.id, member.id);
      const path = `/api/members/${member.id}/activity`;

      expect(await getJson(h.app, path)).toEqual({
        member_id: member.id,
        communities_joined: 2,
        threads_created: 2,
        messages_posted: 2,
        last_activity: last.created_at,
      });

      await nextMillisecond();
      const join = await request(h.app)
        .post(`/api/communities/${(await seedCommunity(h.app)).community.id}/join`)
        .send({ member_id: member.id });
      expect(join.status).toBe(200);
      const after = MemberActivity.parse(await getJson(h.app, path));
      expect(after.communities_joined).toBe(3);
      expect(Date.parse(after.last_activity!)).toBeGreaterThan(Date.parse(last.created_at));
    });

    it('answers 404 MEMBER_NOT_FOUND for an unknown id, 400 for a malformed one', async () => {
      expectError(
        await request(h.app).get(`/api/members/${UNKNOWN_ID}/activity`),
        404,
        'MEMBER_NOT_FOUND',
      );
      expectValidationError(await request(h.app).get(`/api/members/${MALFORMED_ID}/activity`), [
        'params.id',
      ]);
    });
  });
});
