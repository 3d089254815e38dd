import { Community, type Member } from '@communities/contracts';
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
  postMessage,
  readAllPages,
  seedCommunity,
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

  const listCommunities = async () =>
    ((await getJson(h.app, '/api/communities/?limit=100')) as { items: Community[] }).items;

  describe('POST /api/communities/', () => {
    it('creates a community with defaults, its creator as the first member', async () => {
      const owner = await createMember(h.app);
      takeEvents(h);

      const res = await request(h.app)
        .post('/api/communities/')
        .send({ name: '  Rustaceans  ', created_by: owner.id });

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

    it('keeps every optional field it is given', async () => {
      const owner = await createMember(h.app);
      const community = await createCommunity(h.app, owner.id, {
        name: 'Private club',
        description: 'members only',
        is_public: false,
        tags: ['books', 'tea'],
        avatar_url: 'https://cdn.example.com/club.png',
      });

      expect(await getJson(h.app, `/api/communities/${community.id}`)).toMatchObject({
        name: 'Private club',
        description: 'members only',
        is_public: false,
        tags: ['books', 'tea'],
        avatar_url: 'https://cdn.example.com/club.png',
      });
    });

    it('rejects a missing name and a malformed creator, and stores nothing', async () => {
      const res = await request(h.app)
        .post('/api/communities/')
        .send({ description: 'x', created_by: MALFORMED_ID });

      expectValidationError(res, ['body.name', 'body.created_by']);
      expect(await listCommunities()).toEqual([]);
      expect(takeEvents(h)).toEqual([]);
    });

    it('answers 404 MEMBER_NOT_FOUND for an unknown creator, and stores nothing', async () => {
      const res = await request(h.app)
        .post('/api/communities/')
        .send({ name: 'Orphans', created_by: UNKNOWN_ID });

      expectError(res, 404, 'MEMBER_NOT_FOUND');
      expect(await listCommunities()).toEqual([]);
    });

    it('answers 403 MEMBER_INACTIVE when the creator is deactivated', async () => {
      const owner = await createMember(h.app);
      expect((await request(h.app).delete(`/api/members/${owner.id}`)).status).toBe(204);

      const res = await request(h.app)
        .post('/api/communities/')
        .send({ name: 'Ghosts', created_by: owner.id });

      expectError(res, 403, 'MEMBER_INACTIVE');
      expect(await listCommunities()).toEqual([]);
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
      const { community } = await seedCommunity(h.app);
      takeEvents(h);

      const res = await request(h.app)
        .put(`/api/communities/${community.id}`)
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
        .send({ avatar_url: null });

      expect(res.status).toBe(200);
      expect(res.body.avatar_url).toBeNull();
    });

    it('answers 404 COMMUNITY_NOT_FOUND for an unknown id', async () => {
      const res = await request(h.app).put(`/api/communities/${UNKNOWN_ID}`).send({ name: 'x' });

      expectError(res, 404, 'COMMUNITY_NOT_FOUND');
      expect(takeEvents(h)).toEqual([]);
    });

    it('rejects an empty body, a blank name and read-only fields', async () => {
      const { community } = await seedCommunity(h.app);
      const put = (body: object) =>
        request(h.app).put(`/api/communities/${community.id}`).send(body);

      expectValidationError(await put({}), ['body']);
      expectValidationError(await put({ name: '   ' }), ['body.name']);
      expectValidationError(await put({ member_count: 99 }), ['body']);
      expectValidationError(await put({ avatar_url: 'not a url' }), ['body.avatar_url']);
      expect(await getJson(h.app, `/api/communities/${community.id}`)).toEqual(community);
    });

    it('answers 400 with params.id for a malformed id', async () => {
      const res = await request(h.app).put(`/api/communities/${MALFORMED_ID}`).send({ name: 'x' });

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

      const res = await request(h.app).delete(`/api/communities/${community.id}`);

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
      ]);
    });

    it('answers 404 COMMUNITY_NOT_FOUND the second time', async () => {
      const { community } = await seedCommunity(h.app);
      expect((await request(h.app).delete(`/api/communities/${community.id}`)).status).toBe(204);
      takeEvents(h);

      const res = await request(h.app).delete(`/api/communities/${community.id}`);

      expectError(res, 404, 'COMMUNITY_NOT_FOUND');
      expect(takeEvents(h)).toEqual([]);
    });

    it('answers 400 with params.id for a malformed id', async () => {
      expectValidationError(await request(h.app).delete(`/api/communities/${MALFORMED_ID}`), [
        'params.id',
      ]);
    });
  });
});
