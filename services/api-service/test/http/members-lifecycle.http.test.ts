import { type Community, Member, MemberActivity } from '@communities/contracts';
import request from 'supertest';
import { openApi, storeKinds, type ApiHarness } from '../support/api-harness';
import {
  MALFORMED_ID,
  TEST_PASSWORD,
  UNKNOWN_ID,
  authHeader,
  createCommunity,
  createMember,
  createThread,
  expectError,
  expectValidationError,
  getJson,
  inviteAndJoin,
  joinCommunity,
  nextMillisecond,
  postMessage,
  readAllPages,
  seedCommunity,
  seedPrivateCommunity,
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

  /** As `caller`, who may only deactivate themself. */
  const deactivate = (id: string, caller: string = id) =>
    request(h.app).delete(`/api/members/${id}`).set(authHeader(caller));

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
        email: null,
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
      expect(takeEvents(h)).toEqual([
        expect.objectContaining({
          type: 'access_revoked',
          data: {
            scope: 'member',
            member_id: owner.id,
            reason: 'deactivated',
            token_version: expect.any(Number),
          },
        }),
      ]);
    });

    it('ends the sessions: the old token answers 401 UNAUTHENTICATED to posting, creating or joining', async () => {
      const { owner, community, thread } = await seedThread(h.app);
      const elsewhere = await seedCommunity(h.app);
      await deactivate(owner.id);
      takeEvents(h);
      const asOwner = authHeader(owner);

      const refused = [
        await request(h.app)
          .post(`/api/messages/thread/${thread.id}`)
          .set(asOwner)
          .send({ content: 'still here?', author: owner.id }),
        await request(h.app)
          .post(`/api/threads/community/${community.id}`)
          .set(asOwner)
          .send({ title: 'new', created_by: owner.id }),
        await request(h.app)
          .post(`/api/communities/${elsewhere.community.id}/join`)
          .set(asOwner)
          .send({ member_id: owner.id }),
        await request(h.app).post('/api/communities/').set(asOwner).send({ name: 'x' }),
        await request(h.app).get(`/api/members/${owner.id}`).set(asOwner),
      ];
      for (const res of refused) {
        expectError(res, 401, 'UNAUTHENTICATED');
        expect(res.headers['www-authenticate']).toContain('error="invalid_token"');
      }
      expect(await getJson(h.app, `/api/threads/${thread.id}`)).toMatchObject({ message_count: 0 });
      expect(await getJson(h.app, `/api/members/${owner.id}/activity`)).toMatchObject({
        communities_joined: 1,
        threads_created: 1,
        messages_posted: 0,
      });
      expect(takeEvents(h)).toEqual([]);
    });

    it('refuses a new login with 401 INVALID_CREDENTIALS', async () => {
      const member = await createMember(h.app);
      await deactivate(member.id);

      const res = await request(h.app)
        .post('/api/auth/login')
        .send({ login: member.username, password: TEST_PASSWORD });

      expectError(res, 401, 'INVALID_CREDENTIALS');
    });

    it('answers 401 UNAUTHENTICATED the second time: the token died with the first', async () => {
      const member = await createMember(h.app);
      expect((await deactivate(member.id)).status).toBe(204);
      takeEvents(h);

      expectError(await deactivate(member.id), 401, 'UNAUTHENTICATED');
      expect(await getJson(h.app, `/api/members/${member.id}`)).toMatchObject({ is_active: false });
      expect(takeEvents(h)).toEqual([]);
    });

    it('answers 403 FORBIDDEN for another member, or an unknown one, who stays active', async () => {
      const member = await createMember(h.app);
      const other = await createMember(h.app);
      takeEvents(h);

      expectError(await deactivate(member.id, other.id), 403, 'FORBIDDEN');
      expectError(await deactivate(UNKNOWN_ID, other.id), 403, 'FORBIDDEN');
      expect(await getJson(h.app, `/api/members/${member.id}`)).toMatchObject({ is_active: true });
      expect(await getJson(h.app, `/api/members/${other.id}`)).toMatchObject({ is_active: true });
      expect(takeEvents(h)).toEqual([]);
    });

    it('answers 401 UNAUTHENTICATED without a token, and deactivates nobody', async () => {
      const member = await createMember(h.app);

      expectError(await request(h.app).delete(`/api/members/${member.id}`), 401, 'UNAUTHENTICATED');
      expect(await getJson(h.app, `/api/members/${member.id}`)).toMatchObject({ is_active: true });
    });

    it('answers 400 for a malformed id', async () => {
      const member = await createMember(h.app);

      expectValidationError(await deactivate(MALFORMED_ID, member.id), ['params.id']);
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
        .set(authHeader(member))
        .send({ member_id: member.id })
        .expect(200);

      expect(await getJson(h.app, `/api/members/${member.id}/communities`)).toEqual({
        items: [],
        next_cursor: null,
      });
    });

    it('lists private communities only to viewers who belong to them', async () => {
      const member = await createMember(h.app);
      const { community: open } = await seedCommunity(h.app);
      const { owner: host, community: club } = await seedPrivateCommunity(h.app);
      const stranger = await createMember(h.app);
      await inviteAndJoin(h.app, club.id, host.id, member.id);
      await joinCommunity(h.app, open.id, member.id);
      const path = `/api/members/${member.id}/communities`;
      const idsSeenBy = async (viewer?: string) =>
        ((await getJson(h.app, path, 200, viewer)) as { items: Community[] }).items.map(
          (c) => c.id,
        );

      expect(await idsSeenBy()).toEqual([open.id]);
      expect(await idsSeenBy(stranger.id)).toEqual([open.id]);
      expect(await idsSeenBy(member.id)).toEqual([club.id, open.id]);
      expect(await idsSeenBy(host.id)).toEqual([club.id, open.id]);
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
        .set(authHeader(member))
        .send({ member_id: member.id });
      expect(join.status).toBe(200);
      const after = MemberActivity.parse(await getJson(h.app, path));
      expect(after.communities_joined).toBe(3);
      expect(Date.parse(after.last_activity!)).toBeGreaterThan(Date.parse(last.created_at));
    });

    it('counts a private community only for the member and those who share it', async () => {
      const member = await createMember(h.app);
      const outsider = await createMember(h.app);
      const { owner, community: open } = await seedCommunity(h.app);
      await joinCommunity(h.app, open.id, member.id);
      const openThread = await createThread(h.app, open.id, member.id);
      const openMessage = await postMessage(h.app, openThread.id, member.id);
      const path = `/api/members/${member.id}/activity`;
      const before = {
        member_id: member.id,
        communities_joined: 1,
        threads_created: 1,
        messages_posted: 1,
        last_activity: openMessage.created_at,
      };
      expect(await getJson(h.app, path)).toEqual(before);

      await nextMillisecond();
      const { owner: fellow, community: hidden } = await seedPrivateCommunity(h.app);
      await inviteAndJoin(h.app, hidden.id, fellow.id, member.id);
      const thread = await createThread(h.app, hidden.id, member.id);
      await postMessage(h.app, thread.id, member.id);
      const last = await postMessage(h.app, thread.id, member.id);

      // Anonymous, an outsider and a member of only the public community: nothing moved.
      for (const viewer of [undefined, outsider.id, owner.id]) {
        expect(await getJson(h.app, path, 200, viewer)).toEqual(before);
      }
      // The member themself and a fellow member of the private community: all of it.
      const everything = {
        member_id: member.id,
        communities_joined: 2,
        threads_created: 2,
        messages_posted: 3,
        last_activity: last.created_at,
      };
      for (const viewer of [member.id, fellow.id]) {
        expect(await getJson(h.app, path, 200, viewer)).toEqual(everything);
      }
    });

    it('counts everything for the member themself, even a private community they left', async () => {
      const member = await createMember(h.app);
      const { owner, community: hidden } = await seedPrivateCommunity(h.app);
      await inviteAndJoin(h.app, hidden.id, owner.id, member.id);
      const thread = await createThread(h.app, hidden.id, member.id);
      const message = await postMessage(h.app, thread.id, member.id);
      const left = await request(h.app)
        .post(`/api/communities/${hidden.id}/leave`)
        .set(authHeader(member))
        .send({});
      expect(left.status).toBe(200);
      const path = `/api/members/${member.id}/activity`;

      expect(await getJson(h.app, path, 200, member.id)).toEqual({
        member_id: member.id,
        communities_joined: 0,
        threads_created: 1,
        messages_posted: 1,
        last_activity: message.created_at,
      });
      expect(await getJson(h.app, path)).toEqual({
        member_id: member.id,
        communities_joined: 0,
        threads_created: 0,
        messages_posted: 0,
        last_activity: null,
      });
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
