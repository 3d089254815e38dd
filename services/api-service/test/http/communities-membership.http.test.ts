import { Member, MembershipResult } from '@communities/contracts';
import request from 'supertest';
import { openApi, storeKinds, type ApiHarness } from '../support/api-harness';
import {
  MALFORMED_ID,
  UNKNOWN_ID,
  createMember,
  expectError,
  expectValidationError,
  getJson,
  joinCommunity,
  readAllPages,
  seedCommunity,
  takeEvents,
} from '../support/fixtures';

describe.each(storeKinds())('community membership API (%s store)', (kind) => {
  let h: ApiHarness;

  beforeEach(async () => {
    h = await openApi(kind);
  });
  afterEach(async () => {
    await h.close();
  });

  const join = (communityId: string, memberId: string) =>
    request(h.app).post(`/api/communities/${communityId}/join`).send({ member_id: memberId });
  const leave = (communityId: string, memberId: string) =>
    request(h.app).post(`/api/communities/${communityId}/leave`).send({ member_id: memberId });
  const memberCount = async (communityId: string) =>
    ((await getJson(h.app, `/api/communities/${communityId}`)) as { member_count: number })
      .member_count;
  const communitiesOf = async (memberId: string) =>
    ((await getJson(h.app, `/api/members/${memberId}`)) as Member).communities;

  describe('POST /api/communities/:id/join', () => {
    it('adds the member, counts them and publishes member_joined', async () => {
      const { community } = await seedCommunity(h.app);
      const member = await createMember(h.app);
      takeEvents(h);

      const res = await join(community.id, member.id);

      expect(res.status).toBe(200);
      expect(MembershipResult.parse(res.body)).toEqual({
        community_id: community.id,
        member_id: member.id,
        is_member: true,
        changed: true,
        member_count: 2,
      });
      expect(await memberCount(community.id)).toBe(2);
      expect(await communitiesOf(member.id)).toEqual([community.id]);
      expect(takeEvents(h)).toEqual([
        expect.objectContaining({
          type: 'member_joined',
          channel: `community:${community.id}`,
          data: { community_id: community.id, member_id: member.id, member_count: 2 },
        }),
      ]);
    });

    it('counts a member once when they join twice, and publishes nothing the second time', async () => {
      const { community } = await seedCommunity(h.app);
      const member = await createMember(h.app);
      await joinCommunity(h.app, community.id, member.id);
      takeEvents(h);

      const res = await join(community.id, member.id);

      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        community_id: community.id,
        member_id: member.id,
        is_member: true,
        changed: false,
        member_count: 2,
      });
      expect(await memberCount(community.id)).toBe(2);
      expect(await communitiesOf(member.id)).toEqual([community.id]);
      expect(takeEvents(h)).toEqual([]);
    });

    it('changes nothing when the creator joins their own community', async () => {
      const { owner, community } = await seedCommunity(h.app);
      takeEvents(h);

      const res = await join(community.id, owner.id);

      expect(res.body).toMatchObject({ changed: false, is_member: true, member_count: 1 });
      expect(takeEvents(h)).toEqual([]);
    });

    it('answers 404 COMMUNITY_NOT_FOUND for an unknown community', async () => {
      const member = await createMember(h.app);

      expectError(await join(UNKNOWN_ID, member.id), 404, 'COMMUNITY_NOT_FOUND');
      expect(await communitiesOf(member.id)).toEqual([]);
    });

    it('answers 404 MEMBER_NOT_FOUND for an unknown member', async () => {
      const { community } = await seedCommunity(h.app);

      expectError(await join(community.id, UNKNOWN_ID), 404, 'MEMBER_NOT_FOUND');
      expect(await memberCount(community.id)).toBe(1);
    });

    it('answers 403 MEMBER_INACTIVE for a deactivated member, and counts nobody', async () => {
      const { community } = await seedCommunity(h.app);
      const member = await createMember(h.app);
      expect((await request(h.app).delete(`/api/members/${member.id}`)).status).toBe(204);
      takeEvents(h);

      expectError(await join(community.id, member.id), 403, 'MEMBER_INACTIVE');
      expect(await memberCount(community.id)).toBe(1);
      expect(await communitiesOf(member.id)).toEqual([]);
      expect(takeEvents(h)).toEqual([]);
    });

    it('rejects a malformed community id, a malformed member id and a missing body', async () => {
      const { community } = await seedCommunity(h.app);

      expectValidationError(await join(MALFORMED_ID, UNKNOWN_ID), ['params.id']);
      expectValidationError(await join(community.id, MALFORMED_ID), ['body.member_id']);
      expectValidationError(await request(h.app).post(`/api/communities/${community.id}/join`), [
        'body',
      ]);
    });
  });

  describe('POST /api/communities/:id/leave', () => {
    it('removes the member, uncounts them and publishes member_left', async () => {
      const { community } = await seedCommunity(h.app);
      const member = await createMember(h.app);
      await joinCommunity(h.app, community.id, member.id);
      takeEvents(h);

      const res = await leave(community.id, member.id);

      expect(res.status).toBe(200);
      expect(MembershipResult.parse(res.body)).toEqual({
        community_id: community.id,
        member_id: member.id,
        is_member: false,
        changed: true,
        member_count: 1,
      });
      expect(await memberCount(community.id)).toBe(1);
      expect(await communitiesOf(member.id)).toEqual([]);
      expect(takeEvents(h)).toEqual([
        expect.objectContaining({
          type: 'member_left',
          channel: `community:${community.id}`,
          data: { community_id: community.id, member_id: member.id, member_count: 1 },
        }),
      ]);
    });

    it('changes nothing and publishes nothing when they leave twice', async () => {
      const { community } = await seedCommunity(h.app);
      const member = await createMember(h.app);
      await joinCommunity(h.app, community.id, member.id);
      expect((await leave(community.id, member.id)).body.changed).toBe(true);
      takeEvents(h);

      const res = await leave(community.id, member.id);

      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ is_member: false, changed: false, member_count: 1 });
      expect(await memberCount(community.id)).toBe(1);
      expect(takeEvents(h)).toEqual([]);
    });

    it('changes nothing for a member who never joined', async () => {
      const { community } = await seedCommunity(h.app);
      const stranger = await createMember(h.app);

      const res = await leave(community.id, stranger.id);

      expect(res.body).toMatchObject({ is_member: false, changed: false, member_count: 1 });
    });

    it('lets the creator leave, down to zero members', async () => {
      const { owner, community } = await seedCommunity(h.app);

      expect((await leave(community.id, owner.id)).body).toMatchObject({
        changed: true,
        member_count: 0,
      });
      expect(await getJson(h.app, `/api/communities/${community.id}/members`)).toEqual({
        items: [],
        next_cursor: null,
      });
    });

    it('lets a deactivated member leave', async () => {
      const { community } = await seedCommunity(h.app);
      const member = await createMember(h.app);
      await joinCommunity(h.app, community.id, member.id);
      expect((await request(h.app).delete(`/api/members/${member.id}`)).status).toBe(204);

      expect((await leave(community.id, member.id)).body).toMatchObject({
        changed: true,
        member_count: 1,
      });
    });

    it('answers 404 for an unknown community or member, 400 for a malformed id', async () => {
      const { community } = await seedCommunity(h.app);
      const member = await createMember(h.app);

      expectError(await leave(UNKNOWN_ID, member.id), 404, 'COMMUNITY_NOT_FOUND');
      expectError(await leave(community.id, UNKNOWN_ID), 404, 'MEMBER_NOT_FOUND');
      expectValidationError(await leave(MALFORMED_ID, member.id), ['params.id']);
      expectValidationError(
        await request(h.app)
          .post(`/api/communities/${community.id}/leave`)
          .send({ member_id: member.id, role: 'owner' }),
        ['body'],
      );
    });
  });

  describe('GET /api/communities/:id/members', () => {
    it('lists the members in join order, each with their communities', async () => {
      const { owner, community } = await seedCommunity(h.app);
      const ada = await createMember(h.app);
      const bob = await createMember(h.app);
      await joinCommunity(h.app, community.id, bob.id);
      await joinCommunity(h.app, community.id, ada.id);

      const res = await request(h.app).get(`/api/communities/${community.id}/members`);

      expect(res.status).toBe(200);
      expect(res.body.next_cursor).toBeNull();
      const items = (res.body.items as unknown[]).map((item) => Member.parse(item));
      expect(items.map((m) => m.id)).toEqual([owner.id, bob.id, ada.id]);
      expect(items[1]).toEqual({ ...bob, communities: [community.id] });
    });

    it('no longer lists a member who left', async () => {
      const { owner, community } = await seedCommunity(h.app);
      const member = await createMember(h.app);
      await joinCommunity(h.app, community.id, member.id);
      await leave(community.id, member.id);

      const body = (await getJson(h.app, `/api/communities/${community.id}/members`)) as {
        items: Member[];
      };
      expect(body.items.map((m) => m.id)).toEqual([owner.id]);
    });

    it('pages with limit and next_cursor', async () => {
      const { owner, community } = await seedCommunity(h.app);
      const joined = [owner.id];
      for (let i = 0; i < 4; i++) {
        const member = await createMember(h.app);
        await joinCommunity(h.app, community.id, member.id);
        joined.push(member.id);
      }

      const pages = await readAllPages<Member>(
        h.app,
        `/api/communities/${community.id}/members?limit=2`,
      );

      expect(pages.map((page) => page.map((m) => m.id))).toEqual([
        joined.slice(0, 2),
        joined.slice(2, 4),
        joined.slice(4),
      ]);
    });

    it('answers 404 COMMUNITY_NOT_FOUND for an unknown id, 400 for a malformed one', async () => {
      expectError(
        await request(h.app).get(`/api/communities/${UNKNOWN_ID}/members`),
        404,
        'COMMUNITY_NOT_FOUND',
      );
      expectValidationError(await request(h.app).get(`/api/communities/${MALFORMED_ID}/members`), [
        'params.id',
      ]);
    });

    it('rejects a cursor that is not one of its own with 400 INVALID_CURSOR', async () => {
      const { community } = await seedCommunity(h.app);
      const bogus = Buffer.from(JSON.stringify(['yesterday', 'x'])).toString('base64url');

      expectError(
        await request(h.app).get(`/api/communities/${community.id}/members?cursor=${bogus}`),
        400,
        'INVALID_CURSOR',
      );
    });
  });
});
