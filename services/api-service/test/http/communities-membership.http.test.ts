import { Member, MembershipResult } from '@communities/contracts';
import request from 'supertest';
import { openApi, storeKinds, type ApiHarness } from '../support/api-harness';
import {
  MALFORMED_ID,
  UNKNOWN_ID,
  authHeader,
  createMember,
  deactivateMember,
  expectError,
  expectValidationError,
  getJson,
  inviteAndJoin,
  inviteMember,
  joinCommunity,
  readAllPages,
  seedCommunity,
  seedPrivateCommunity,
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

  /** As `caller`, naming the member in the body (as the spec's clients do) unless told otherwise. */
  const join = (communityId: string, caller: string, body: object = { member_id: caller }) =>
    request(h.app).post(`/api/communities/${communityId}/join`).set(authHeader(caller)).send(body);
  const leave = (communityId: string, caller: string, body: object = { member_id: caller }) =>
    request(h.app).post(`/api/communities/${communityId}/leave`).set(authHeader(caller)).send(body);
  /** As seen by `viewer` (anonymous by default, which sees public communities only). */
  const memberCount = async (communityId: string, viewer?: string) =>
    (
      (await getJson(h.app, `/api/communities/${communityId}`, 200, viewer)) as {
        member_count: number;
      }
    ).member_count;
  const communitiesOf = async (memberId: string) =>
    ((await getJson(h.app, `/api/members/${memberId}`, 200, memberId)) as Member).communities;

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

    it('joins the caller when the body is left out', async () => {
      const { community } = await seedCommunity(h.app);
      const member = await createMember(h.app);

      const res = await request(h.app)
        .post(`/api/communities/${community.id}/join`)
        .set(authHeader(member));

      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ member_id: member.id, changed: true, member_count: 2 });
      expect(await communitiesOf(member.id)).toEqual([community.id]);
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

    it('changes nothing when the owner joins their own community', async () => {
      const { owner, community } = await seedCommunity(h.app);
      takeEvents(h);

      const res = await join(community.id, owner.id);

      expect(res.body).toMatchObject({ changed: false, is_member: true, member_count: 1 });
      expect(takeEvents(h)).toEqual([]);
    });

    it('lets an invitee join a private community, and uses up the invitation', async () => {
      const { owner, community } = await seedPrivateCommunity(h.app);
      const guest = await createMember(h.app);
      await inviteMember(h.app, community.id, owner.id, guest.id);
      takeEvents(h);

      const res = await join(community.id, guest.id);

      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ is_member: true, changed: true, member_count: 2 });
      expect(await communitiesOf(guest.id)).toEqual([community.id]);
      expect(takeEvents(h)).toEqual([expect.objectContaining({ type: 'member_joined' })]);
      expect((await leave(community.id, guest.id)).status).toBe(200);
      expectError(await join(community.id, guest.id), 404, 'COMMUNITY_NOT_FOUND');
    });

    it('answers 404 COMMUNITY_NOT_FOUND for a private community without an invitation', async () => {
      const { owner, community } = await seedPrivateCommunity(h.app);
      const member = await createMember(h.app);
      takeEvents(h);

      expectError(await join(community.id, member.id), 404, 'COMMUNITY_NOT_FOUND');
      expect(await memberCount(community.id, owner.id)).toBe(1);
      expect(await communitiesOf(member.id)).toEqual([]);
      expect(takeEvents(h)).toEqual([]);
    });

    it('answers 404 COMMUNITY_NOT_FOUND for an unknown community', async () => {
      const member = await createMember(h.app);

      expectError(await join(UNKNOWN_ID, member.id), 404, 'COMMUNITY_NOT_FOUND');
      expect(await communitiesOf(member.id)).toEqual([]);
    });

    it('answers 403 FORBIDDEN when the body names someone else, and counts nobody', async () => {
      const { community } = await seedCommunity(h.app);
      const member = await createMember(h.app);
      const other = await createMember(h.app);
      takeEvents(h);

      expectError(await join(community.id, member.id, { member_id: other.id }), 403, 'FORBIDDEN');
      expectError(await join(community.id, member.id, { member_id: UNKNOWN_ID }), 403, 'FORBIDDEN');
      expect(await memberCount(community.id)).toBe(1);
      expect(await communitiesOf(member.id)).toEqual([]);
      expect(await communitiesOf(other.id)).toEqual([]);
      expect(takeEvents(h)).toEqual([]);
    });

    it('answers 401 UNAUTHENTICATED without a token, and counts nobody', async () => {
      const { community } = await seedCommunity(h.app);
      const member = await createMember(h.app);

      const res = await request(h.app)
        .post(`/api/communities/${community.id}/join`)
        .send({ member_id: member.id });

      expectError(res, 401, 'UNAUTHENTICATED');
      expect(await memberCount(community.id)).toBe(1);
    });

    it('answers 401 UNAUTHENTICATED to a deactivated member, and counts nobody', async () => {
      const { community } = await seedCommunity(h.app);
      const member = await createMember(h.app);
      await deactivateMember(h.app, member.id);
      takeEvents(h);

      expectError(await join(community.id, member.id), 401, 'UNAUTHENTICATED');
      expect(await memberCount(community.id)).toBe(1);
      expect(((await getJson(h.app, `/api/members/${member.id}`)) as Member).communities).toEqual(
        [],
      );
      expect(takeEvents(h)).toEqual([]);
    });

    it('rejects a malformed community id, a malformed member id and unknown fields', async () => {
      const { community } = await seedCommunity(h.app);
      const member = await createMember(h.app);

      expectValidationError(await join(MALFORMED_ID, member.id), ['params.id']);
      expectValidationError(await join(community.id, member.id, { member_id: MALFORMED_ID }), [
        'body.member_id',
      ]);
      expectValidationError(await join(community.id, member.id, { role: 'owner' }), ['body']);
      expect(await memberCount(community.id)).toBe(1);
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

    it('leaves as the caller when the body is left out', async () => {
      const { community } = await seedCommunity(h.app);
      const member = await createMember(h.app);
      await joinCommunity(h.app, community.id, member.id);

      const res = await request(h.app)
        .post(`/api/communities/${community.id}/leave`)
        .set(authHeader(member));

      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ member_id: member.id, changed: true, member_count: 1 });
    });

    it('revokes access to a private community the member leaves', async () => {
      const { owner, community } = await seedPrivateCommunity(h.app);
      const guest = await createMember(h.app);
      await inviteAndJoin(h.app, community.id, owner.id, guest.id);
      takeEvents(h);

      const res = await leave(community.id, guest.id);

      expect(res.body).toMatchObject({ is_member: false, changed: true, member_count: 1 });
      expect(takeEvents(h)).toEqual([
        expect.objectContaining({
          type: 'member_left',
          data: { community_id: community.id, member_id: guest.id, member_count: 1 },
        }),
        expect.objectContaining({
          type: 'access_revoked',
          data: {
            scope: 'membership',
            community_id: community.id,
            member_id: guest.id,
            membership_id: expect.stringMatching(/^[0-9a-f]{24}$/),
            reason: 'left',
          },
        }),
      ]);
      await getJson(h.app, `/api/communities/${community.id}`, 404, guest.id);
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

    it('answers 409 OWNER_CANNOT_LEAVE to the owner, who stays a member', async () => {
      const { owner, community } = await seedCommunity(h.app);
      takeEvents(h);

      expectError(await leave(community.id, owner.id), 409, 'OWNER_CANNOT_LEAVE');
      expect(await memberCount(community.id)).toBe(1);
      expect(await communitiesOf(owner.id)).toEqual([community.id]);
      expect(takeEvents(h)).toEqual([]);
    });

    it('answers 401 UNAUTHENTICATED to a deactivated member, whose membership stays', async () => {
      const { community } = await seedCommunity(h.app);
      const member = await createMember(h.app);
      await joinCommunity(h.app, community.id, member.id);
      await deactivateMember(h.app, member.id);

      expectError(await leave(community.id, member.id), 401, 'UNAUTHENTICATED');
      expect(await memberCount(community.id)).toBe(2);
      expect(((await getJson(h.app, `/api/members/${member.id}`)) as Member).communities).toEqual([
        community.id,
      ]);
    });

    it('answers 401 UNAUTHENTICATED without a token, and removes nobody', async () => {
      const { community } = await seedCommunity(h.app);
      const member = await createMember(h.app);
      await joinCommunity(h.app, community.id, member.id);

      const res = await request(h.app)
        .post(`/api/communities/${community.id}/leave`)
        .send({ member_id: member.id });

      expectError(res, 401, 'UNAUTHENTICATED');
      expect(await memberCount(community.id)).toBe(2);
    });

    it('answers 403 FORBIDDEN when the body names someone else, who stays a member', async () => {
      const { community } = await seedCommunity(h.app);
      const member = await createMember(h.app);
      const other = await createMember(h.app);
      await joinCommunity(h.app, community.id, other.id);

      expectError(await leave(community.id, member.id, { member_id: other.id }), 403, 'FORBIDDEN');
      expect(await memberCount(community.id)).toBe(2);
      expect(await communitiesOf(other.id)).toEqual([community.id]);
    });

    it('answers 404 for an unknown community, 400 for a malformed id or an unknown field', async () => {
      const { community } = await seedCommunity(h.app);
      const member = await createMember(h.app);

      expectError(await leave(UNKNOWN_ID, member.id), 404, 'COMMUNITY_NOT_FOUND');
      expectValidationError(await leave(MALFORMED_ID, member.id), ['params.id']);
      expectValidationError(
        await leave(community.id, member.id, { member_id: member.id, role: 'owner' }),
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
      expect(items[1]).toEqual({ ...bob, email: null, communities: [community.id] });
    });

    it("shows each member's email to that member only", async () => {
      const { owner, community } = await seedCommunity(h.app);
      const bob = await createMember(h.app);
      await joinCommunity(h.app, community.id, bob.id);
      const emails = async (viewer?: string) =>
        (
          (await getJson(h.app, `/api/communities/${community.id}/members`, 200, viewer)) as {
            items: Member[];
          }
        ).items.map((m) => m.email);

      expect(await emails()).toEqual([null, null]);
      expect(await emails(bob.id)).toEqual([null, bob.email]);
      expect(await emails(owner.id)).toEqual([owner.email, null]);
    });

    it('lists the members of a private community to its members only', async () => {
      const { owner, community } = await seedPrivateCommunity(h.app);
      const guest = await createMember(h.app);
      const stranger = await createMember(h.app);
      await inviteAndJoin(h.app, community.id, owner.id, guest.id);
      const path = `/api/communities/${community.id}/members`;

      const seen = (await getJson(h.app, path, 200, guest.id)) as { items: Member[] };
      expect(seen.items.map((m) => m.id)).toEqual([owner.id, guest.id]);
      expect(seen.items.map((m) => m.communities)).toEqual([[community.id], [community.id]]);
      expectError(await request(h.app).get(path), 404, 'COMMUNITY_NOT_FOUND');
      expectError(
        await request(h.app).get(path).set(authHeader(stranger)),
        404,
        'COMMUNITY_NOT_FOUND',
      );
    });

    // Invitees see the community they are invited to, not who is in it (until they join).
    it('answers 404 COMMUNITY_NOT_FOUND to an invitee of a private community', async () => {
      const { owner, community } = await seedPrivateCommunity(h.app);
      const invitee = await createMember(h.app);
      await inviteMember(h.app, community.id, owner.id, invitee.id);

      expectError(
        await request(h.app)
          .get(`/api/communities/${community.id}/members`)
          .set(authHeader(invitee)),
        404,
        'COMMUNITY_NOT_FOUND',
      );
    });

    it('no longer lists a member who left', async () => {
      const { owner, community } = await seedCommunity(h.app);
      const member = await createMember(h.app);
      await joinCommunity(h.app, community.id, member.id);
      expect((await leave(community.id, member.id)).status).toBe(200);

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
