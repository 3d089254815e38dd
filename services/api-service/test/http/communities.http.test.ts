import { Community, type Member } from '@communities/contracts';
import request from 'supertest';
import { openApi, storeKinds, type ApiHarness } from '../support/api-harness';
import {
  MALFORMED_ID,
  UNKNOWN_ID,
  authHeader,
  createCommunity,
  createMember,
  createThread,
  deactivateMember,
  expectError,
  expectValidationError,
  getJson,
  inviteAndJoin,
  inviteMember,
  joinCommunity,
  makeModerator,
  postMessage,
  readAllPages,
  seedCommunity,
  seedPrivateCommunity,
  takeEvents,
} from '../support/fixtures';

describe.each(storeKinds())('communities API (%s store)', (kind) => {
  let h: ApiHarness;

  beforeEach(async () => {
    h = await openApi(kind);
  });
  afterEach(async () => {
    await h.close();
  });

  const storedCommunities = async () =>
    ((await getJson(h.app, '/api/communities/?limit=100')) as { items: Community[] }).items;
  const listCommunityIds = async (viewer?: string) =>
    (
      (await getJson(h.app, '/api/communities/?limit=100', 200, viewer)) as { items: Community[] }
    ).items.map((c) => c.id);

  /** A public community with an owner, a moderator, a plain member, and a stranger. */
  async function seedRoles() {
    const { owner, community } = await seedCommunity(h.app);
    const moderator = await createMember(h.app);
    const member = await createMember(h.app);
    const stranger = await createMember(h.app);
    await joinCommunity(h.app, community.id, moderator.id);
    await joinCommunity(h.app, community.id, member.id);
    await makeModerator(h.app, community.id, owner.id, moderator.id);
    return { owner, moderator, member, stranger, community: { ...community, member_count: 3 } };
  }

  describe('POST /api/communities/', () => {
    it('creates a community with defaults, the caller as owner and first member', async () => {
      const owner = await createMember(h.app);
      takeEvents(h);

      const res = await request(h.app)
        .post('/api/communities/')
        .set(authHeader(owner))
        .send({ name: '  Rustaceans  ' });

      expect(res.status).toBe(201);
      const community = Community.parse(res.body);
      expect(community).toEqual({
        id: expect.stringMatching(/^[0-9a-f]{24}$/),
        name: 'Rustaceans',
        description: '',
        created_by: owner.id,
        created_at: expect.any(String),
        member_count: 1,
        is_public: true,
        tags: [],
        avatar_url: null,
      });
      expect(await getJson(h.app, `/api/communities/${community.id}`)).toEqual(community);
      const members = (await getJson(h.app, `/api/communities/${community.id}/members`)) as {
        items: Member[];
      };
      expect(members.items.map((m) => m.id)).toEqual([owner.id]);
      expect(((await getJson(h.app, `/api/members/${owner.id}`)) as Member).communities).toEqual([
        community.id,
      ]);
      expect(takeEvents(h)).toEqual([
        expect.objectContaining({
          type: 'community_created',
          channel: 'global:notifications',
          data: { community },
        }),
      ]);
    });

    it('accepts a created_by that names the caller', async () => {
      const owner = await createMember(h.app);

      const res = await request(h.app)
        .post('/api/communities/')
        .set(authHeader(owner))
        .send({ name: 'Mine', created_by: owner.id });

      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ name: 'Mine', created_by: owner.id, member_count: 1 });
    });

    it('keeps every optional field it is given; a private one is shown to its members only', async () => {
      const owner = await createMember(h.app);
      const stranger = await createMember(h.app);
      const community = await createCommunity(h.app, owner.id, {
        name: 'Private club',
        description: 'members only',
        is_public: false,
        tags: ['books', 'tea'],
        avatar_url: 'https://cdn.example.com/club.png',
      });

      expect(await getJson(h.app, `/api/communities/${community.id}`, 200, owner.id)).toEqual({
        ...community,
        name: 'Private club',
        description: 'members only',
        is_public: false,
        tags: ['books', 'tea'],
        avatar_url: 'https://cdn.example.com/club.png',
      });
      await getJson(h.app, `/api/communities/${community.id}`, 404);
      await getJson(h.app, `/api/communities/${community.id}`, 404, stranger.id);
    });

    it('does not announce a private community on the global channel', async () => {
      const owner = await createMember(h.app);
      takeEvents(h);

      await createCommunity(h.app, owner.id, { is_public: false });

      expect(takeEvents(h)).toEqual([]);
    });

    it('rejects a missing name and a malformed creator, and stores nothing', async () => {
      const owner = await createMember(h.app);

      const res = await request(h.app)
        .post('/api/communities/')
        .set(authHeader(owner))
        .send({ description: 'x', created_by: MALFORMED_ID });

      expectValidationError(res, ['body.name', 'body.created_by']);
      expect(await storedCommunities()).toEqual([]);
      expect(takeEvents(h)).toEqual([]);
    });

    it('answers 401 UNAUTHENTICATED without a token, before validating, and stores nothing', async () => {
      const owner = await createMember(h.app);
      takeEvents(h);

      const anonymous = await request(h.app)
        .post('/api/communities/')
        .send({ name: 'Nobody', created_by: owner.id });
      const invalid = await request(h.app).post('/api/communities/').send({ name: '' });

      expectError(anonymous, 401, 'UNAUTHENTICATED');
      expect(anonymous.headers['www-authenticate']).toBe('Bearer realm="communities"');
      expectError(invalid, 401, 'UNAUTHENTICATED');
      expect(await storedCommunities()).toEqual([]);
      expect(takeEvents(h)).toEqual([]);
    });

    it('answers 403 FORBIDDEN when created_by names someone else, and stores nothing', async () => {
      const owner = await createMember(h.app);
      const other = await createMember(h.app);
      const post = (createdBy: string) =>
        request(h.app)
          .post('/api/communities/')
          .set(authHeader(owner))
          .send({ name: 'Impostors', created_by: createdBy });

      expectError(await post(other.id), 403, 'FORBIDDEN');
      expectError(await post(UNKNOWN_ID), 403, 'FORBIDDEN');
      expect(await storedCommunities()).toEqual([]);
    });

    it('answers 401 UNAUTHENTICATED to a deactivated member, whose token died with them', async () => {
      const owner = await createMember(h.app);
      await deactivateMember(h.app, owner.id);

      const res = await request(h.app)
        .post('/api/communities/')
        .set(authHeader(owner))
        .send({ name: 'Ghosts' });

      expectError(res, 401, 'UNAUTHENTICATED');
      expect(res.headers['www-authenticate']).toBe(
        'Bearer realm="communities", error="invalid_token"',
      );
      expect(await storedCommunities()).toEqual([]);
    });
  });

  describe('GET /api/communities/', () => {
    it('lists communities newest first', async () => {
      const owner = await createMember(h.app);
      const first = await createCommunity(h.app, owner.id);
      const second = await createCommunity(h.app, owner.id);
      const third = await createCommunity(h.app, owner.id);

      const res = await request(h.app).get('/api/communities/');

      expect(res.status).toBe(200);
      expect(res.body).toEqual({ items: [third, second, first], next_cursor: null });
    });

    it('leaves out private communities, except for their members', async () => {
      const { owner, community: open } = await seedCommunity(h.app);
      const { owner: host, community: club } = await seedPrivateCommunity(h.app);
      const guest = await createMember(h.app);
      const invitee = await createMember(h.app);
      await inviteAndJoin(h.app, club.id, host.id, guest.id);
      await inviteMember(h.app, club.id, host.id, invitee.id);

      expect(await listCommunityIds()).toEqual([open.id]);
      expect(await listCommunityIds(owner.id)).toEqual([open.id]);
      expect(await listCommunityIds(invitee.id)).toEqual([open.id]);
      expect(await listCommunityIds(host.id)).toEqual([club.id, open.id]);
      expect(await listCommunityIds(guest.id)).toEqual([club.id, open.id]);
    });

    it('pages with limit and next_cursor, visiting each community once', async () => {
      const owner = await createMember(h.app);
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) ids.push((await createCommunity(h.app, owner.id)).id);

      const pages = await readAllPages<Community>(h.app, '/api/communities/?limit=2');

      expect(pages.map((page) => page.map((c) => c.id))).toEqual([
        [ids[4], ids[3]],
        [ids[2], ids[1]],
        [ids[0]],
      ]);
    });

    it('rejects a limit above 100 or below 1', async () => {
      expectValidationError(await request(h.app).get('/api/communities/?limit=101'), [
        'query.limit',
      ]);
      expectValidationError(await request(h.app).get('/api/communities/?limit=0'), ['query.limit']);
    });

    it('rejects a tampered cursor with 400 INVALID_CURSOR', async () => {
      const tampered = Buffer.from(JSON.stringify(['not-an-object-id'])).toString('base64url');

      const res = await request(h.app).get(`/api/communities/?cursor=${tampered}`);

      expectError(res, 400, 'INVALID_CURSOR');
    });
  });

  describe('GET /api/communities/:id', () => {
    it('returns the community', async () => {
      const { community } = await seedCommunity(h.app);

      const res = await request(h.app).get(`/api/communities/${community.id}`);

      expect(res.status).toBe(200);
      expect(res.body).toEqual(community);
    });

    it('shows a private community to its members and invitees, and is 404 to anyone else', async () => {
      const { owner, community } = await seedPrivateCommunity(h.app);
      const invitee = await createMember(h.app);
      const stranger = await createMember(h.app);
      await inviteMember(h.app, community.id, owner.id, invitee.id);
      const path = `/api/communities/${community.id}`;

      expect(await getJson(h.app, path, 200, owner.id)).toEqual(community);
      expect(await getJson(h.app, path, 200, invitee.id)).toEqual(community);
      expectError(await request(h.app).get(path), 404, 'COMMUNITY_NOT_FOUND');
      expectError(
        await request(h.app).get(path).set(authHeader(stranger)),
        404,
        'COMMUNITY_NOT_FOUND',
      );
    });

    it('answers 404 COMMUNITY_NOT_FOUND for an unknown id', async () => {
      expectError(
        await request(h.app).get(`/api/communities/${UNKNOWN_ID}`),
        404,
        'COMMUNITY_NOT_FOUND',
      );
    });

    it('answers 400 with params.id for a malformed id', async () => {
      expectValidationError(await request(h.app).get(`/api/communities/${MALFORMED_ID}`), [
        'params.id',
      ]);
    });
  });

  describe('PUT /api/communities/:id', () => {
    it('changes only the fields given and publishes community_updated', async () => {
      const { owner, community } = await seedCommunity(h.app);
      takeEvents(h);

      const res = await request(h.app)
        .put(`/api/communities/${community.id}`)
        .set(authHeader(owner))
        .send({ description: 'now with a description', tags: ['new'] });

      expect(res.status).toBe(200);
      const expected = { ...community, description: 'now with a description', tags: ['new'] };
      expect(res.body).toEqual(expected);
      expect(await getJson(h.app, `/api/communities/${community.id}`)).toEqual(expected);
      expect(takeEvents(h)).toEqual([
        expect.objectContaining({
          type: 'community_updated',
          channel: `community:${community.id}`,
          data: { community: expected },
        }),
      ]);
    });

    it('clears the avatar with null', async () => {
      const owner = await createMember(h.app);
      const community = await createCommunity(h.app, owner.id, {
        avatar_url: 'https://cdn.example.com/a.png',
      });

      const res = await request(h.app)
        .put(`/api/communities/${community.id}`)
        .set(authHeader(owner))
        .send({ avatar_url: null });

      expect(res.status).toBe(200);
      expect(res.body.avatar_url).toBeNull();
    });

    it('lets a moderator update the community', async () => {
      const { moderator, community } = await seedRoles();

      const res = await request(h.app)
        .put(`/api/communities/${community.id}`)
        .set(authHeader(moderator))
        .send({ name: 'Renamed by a moderator' });

      expect(res.status).toBe(200);
      expect(res.body).toEqual({ ...community, name: 'Renamed by a moderator' });
    });

    it('answers 403 FORBIDDEN to a plain member and a non-member, 401 without a token', async () => {
      const { member, stranger, community } = await seedRoles();
      takeEvents(h);
      const put = () => request(h.app).put(`/api/communities/${community.id}`).send({ name: 'x' });

      expectError(await put().set(authHeader(member)), 403, 'FORBIDDEN');
      expectError(await put().set(authHeader(stranger)), 403, 'FORBIDDEN');
      expectError(await put(), 401, 'UNAUTHENTICATED');
      expect(await getJson(h.app, `/api/communities/${community.id}`)).toEqual(community);
      expect(takeEvents(h)).toEqual([]);
    });

    it('answers 404 COMMUNITY_NOT_FOUND to a non-member of a private community', async () => {
      const { community } = await seedPrivateCommunity(h.app);
      const stranger = await createMember(h.app);

      const res = await request(h.app)
        .put(`/api/communities/${community.id}`)
        .set(authHeader(stranger))
        .send({ name: 'x' });

      expectError(res, 404, 'COMMUNITY_NOT_FOUND');
    });

    it('revokes access when the community turns private', async () => {
      const { owner, community } = await seedCommunity(h.app);
      takeEvents(h);

      const res = await request(h.app)
        .put(`/api/communities/${community.id}`)
        .set(authHeader(owner))
        .send({ is_public: false });

      expect(res.status).toBe(200);
      expect(takeEvents(h)).toEqual([
        expect.objectContaining({ type: 'community_updated' }),
        expect.objectContaining({
          type: 'access_revoked',
          data: {
            scope: 'community',
            community_id: community.id,
            reason: 'became_private',
            access_epoch: expect.any(String),
          },
        }),
      ]);
      expectError(
        await request(h.app).get(`/api/communities/${community.id}`),
        404,
        'COMMUNITY_NOT_FOUND',
      );
    });

    it('answers 404 COMMUNITY_NOT_FOUND for an unknown id', async () => {
      const member = await createMember(h.app);
      takeEvents(h);

      const res = await request(h.app)
        .put(`/api/communities/${UNKNOWN_ID}`)
        .set(authHeader(member))
        .send({ name: 'x' });

      expectError(res, 404, 'COMMUNITY_NOT_FOUND');
      expect(takeEvents(h)).toEqual([]);
    });

    it('rejects an empty body, a blank name and read-only fields', async () => {
      const { owner, community } = await seedCommunity(h.app);
      const put = (body: object) =>
        request(h.app).put(`/api/communities/${community.id}`).set(authHeader(owner)).send(body);

      expectValidationError(await put({}), ['body']);
      expectValidationError(await put({ name: '   ' }), ['body.name']);
      expectValidationError(await put({ member_count: 99 }), ['body']);
      expectValidationError(await put({ created_by: owner.id }), ['body']);
      expectValidationError(await put({ avatar_url: 'not a url' }), ['body.avatar_url']);
      expect(await getJson(h.app, `/api/communities/${community.id}`)).toEqual(community);
    });

    it('answers 400 with params.id for a malformed id', async () => {
      const member = await createMember(h.app);

      const res = await request(h.app)
        .put(`/api/communities/${MALFORMED_ID}`)
        .set(authHeader(member))
        .send({ name: 'x' });

      expectValidationError(res, ['params.id']);
    });
  });

  describe('DELETE /api/communities/:id', () => {
    it('removes the community with its threads, messages and memberships', async () => {
      const { owner, community } = await seedCommunity(h.app);
      const other = await seedCommunity(h.app);
      const member = await createMember(h.app);
      await joinCommunity(h.app, community.id, member.id);
      await joinCommunity(h.app, other.community.id, member.id);
      const thread = await createThread(h.app, community.id, owner.id);
      const message = await postMessage(h.app, thread.id, member.id);
      const keptThread = await createThread(h.app, other.community.id, member.id);
      const keptMessage = await postMessage(h.app, keptThread.id, member.id);
      takeEvents(h);

      const res = await request(h.app)
        .delete(`/api/communities/${community.id}`)
        .set(authHeader(owner));

      expect(res.status).toBe(204);
      expect(res.text).toBe('');
      const get = (path: string) => request(h.app).get(path);
      expectError(await get(`/api/communities/${community.id}`), 404, 'COMMUNITY_NOT_FOUND');
      expectError(await get(`/api/threads/${thread.id}`), 404, 'THREAD_NOT_FOUND');
      expectError(await get(`/api/messages/${message.id}`), 404, 'MESSAGE_NOT_FOUND');
      expectError(await get(`/api/threads/community/${community.id}`), 404, 'COMMUNITY_NOT_FOUND');
      const memberAfter = (await getJson(h.app, `/api/members/${member.id}`)) as Member;
      expect(memberAfter.communities).toEqual([other.community.id]);
      const ownerAfter = (await getJson(h.app, `/api/members/${owner.id}`)) as Member;
      expect(ownerAfter.communities).toEqual([]);
      const joined = (await getJson(h.app, `/api/members/${member.id}/communities`)) as {
        items: Community[];
      };
      expect(joined.items.map((c) => c.id)).toEqual([other.community.id]);
      expect(await getJson(h.app, '/api/messages/search?q=Message')).toEqual({
        items: [keptMessage],
        next_cursor: null,
      });
      // The other community is untouched.
      expect(await getJson(h.app, `/api/threads/${keptThread.id}`)).toEqual(
        expect.objectContaining({ id: keptThread.id, message_count: 1 }),
      );
      expect(await getJson(h.app, `/api/messages/${keptMessage.id}`)).toEqual(keptMessage);
      expect(takeEvents(h)).toEqual([
        expect.objectContaining({
          type: 'community_deleted',
          channel: 'global:notifications',
          data: { community_id: community.id },
        }),
        expect.objectContaining({
          type: 'access_revoked',
          data: { scope: 'community', community_id: community.id, reason: 'deleted' },
        }),
      ]);
    });

    it('deletes a private community without announcing it globally', async () => {
      const { owner, community } = await seedPrivateCommunity(h.app);
      takeEvents(h);

      const res = await request(h.app)
        .delete(`/api/communities/${community.id}`)
        .set(authHeader(owner));

      expect(res.status).toBe(204);
      expect(takeEvents(h)).toEqual([
        expect.objectContaining({
          type: 'access_revoked',
          data: { scope: 'community', community_id: community.id, reason: 'deleted' },
        }),
      ]);
      await getJson(h.app, `/api/communities/${community.id}`, 404, owner.id);
    });

    it('lets a moderator delete the community', async () => {
      const { moderator, community } = await seedRoles();

      const res = await request(h.app)
        .delete(`/api/communities/${community.id}`)
        .set(authHeader(moderator));

      expect(res.status).toBe(204);
      await getJson(h.app, `/api/communities/${community.id}`, 404);
    });

    it('answers 403 FORBIDDEN to a plain member and a non-member, 401 without a token', async () => {
      const { member, stranger, community } = await seedRoles();
      takeEvents(h);
      const del = () => request(h.app).delete(`/api/communities/${community.id}`);

      expectError(await del().set(authHeader(member)), 403, 'FORBIDDEN');
      expectError(await del().set(authHeader(stranger)), 403, 'FORBIDDEN');
      expectError(await del(), 401, 'UNAUTHENTICATED');
      expect(await getJson(h.app, `/api/communities/${community.id}`)).toEqual(community);
      expect(takeEvents(h)).toEqual([]);
    });

    it('answers 404 COMMUNITY_NOT_FOUND to a non-member of a private community', async () => {
      const { owner, community } = await seedPrivateCommunity(h.app);
      const stranger = await createMember(h.app);

      const res = await request(h.app)
        .delete(`/api/communities/${community.id}`)
        .set(authHeader(stranger));

      expectError(res, 404, 'COMMUNITY_NOT_FOUND');
      expect(await getJson(h.app, `/api/communities/${community.id}`, 200, owner.id)).toEqual(
        community,
      );
    });

    it('answers 404 COMMUNITY_NOT_FOUND the second time', async () => {
      const { owner, community } = await seedCommunity(h.app);
      const del = () =>
        request(h.app).delete(`/api/communities/${community.id}`).set(authHeader(owner));
      expect((await del()).status).toBe(204);
      takeEvents(h);

      const res = await del();

      expectError(res, 404, 'COMMUNITY_NOT_FOUND');
      expect(takeEvents(h)).toEqual([]);
    });

    it('answers 400 with params.id for a malformed id', async () => {
      const member = await createMember(h.app);

      expectValidationError(
        await request(h.app).delete(`/api/communities/${MALFORMED_ID}`).set(authHeader(member)),
        ['params.id'],
      );
    });
  });
});
