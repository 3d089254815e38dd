import { Member } from '@communities/contracts';
import request from 'supertest';
import { openApi, storeKinds, type ApiHarness } from '../support/api-harness';
import {
  MALFORMED_ID,
  TEST_PASSWORD,
  UNKNOWN_ID,
  authHeader,
  createMember,
  expectError,
  expectValidationError,
  getJson,
  inviteAndJoin,
  login,
  readAllPages,
  seedCommunity,
  seedPrivateCommunity,
  takeEvents,
} from '../support/fixtures';

describe.each(storeKinds())('members API (%s store)', (kind) => {
  let h: ApiHarness;

  beforeEach(async () => {
    h = await openApi(kind);
  });
  afterEach(async () => {
    await h.close();
  });

  const listIds = async () =>
    ((await getJson(h.app, '/api/members/?limit=100')) as { items: Member[] }).items.map(
      (m) => m.id,
    );
  const create = (body: object) =>
    request(h.app)
      .post('/api/members/')
      .send({ password: TEST_PASSWORD, ...body });
  /** How anyone but the member sees them: everything but the email. */
  const publicView = (member: Member) => ({ ...member, email: null });

  describe('POST /api/members/', () => {
    it('creates an active member with a lower-cased email and no communities', async () => {
      const res = await create({
        username: 'Ada.Lovelace',
        email: 'Ada@Example.COM',
        full_name: 'Ada Lovelace',
      });

      expect(res.status).toBe(201);
      const member = Member.parse(res.body);
      expect(member).toEqual({
        id: expect.stringMatching(/^[0-9a-f]{24}$/),
        username: 'Ada.Lovelace',
        email: 'ada@example.com',
        full_name: 'Ada Lovelace',
        avatar_url: null,
        bio: null,
        joined_at: expect.any(String),
        is_active: true,
        communities: [],
      });
      expect(res.text).not.toContain(TEST_PASSWORD);
      expect(await getJson(h.app, `/api/members/${member.id}`)).toEqual(publicView(member));
      expect(takeEvents(h)).toEqual([]);
    });

    it('signs up with a password that then logs in, by username or email', async () => {
      const res = await create({ username: 'grace', email: 'Grace@example.com' });
      expect(res.status).toBe(201);

      for (const name of ['grace', 'GRACE', 'grace@example.com']) {
        const tokens = await login(h.app, name);
        expect(tokens.member_id).toBe(res.body.id);
        const self = await request(h.app)
          .get(`/api/members/${tokens.member_id}`)
          .set('authorization', `Bearer ${tokens.access_token}`);
        expect(self.body).toEqual(res.body);
      }
    });

    it('ignores an Authorization header, even a broken one', async () => {
      const res = await create({ username: 'carol', email: 'carol@example.com' }).set(
        'authorization',
        'Bearer not-a-token',
      );

      expect(res.status).toBe(201);
    });

    it('answers 409 USERNAME_TAKEN for a username that differs only in case', async () => {
      const ada = await createMember(h.app, { username: 'ada' });

      expectError(
        await create({ username: 'ADA', email: 'other@example.com' }),
        409,
        'USERNAME_TAKEN',
      );
      expect(await listIds()).toEqual([ada.id]);
    });

    it('answers 409 EMAIL_TAKEN for an email that differs only in case', async () => {
      const ada = await createMember(h.app, { email: 'ada@example.com' });

      expectError(
        await create({ username: 'someone', email: 'ADA@example.com' }),
        409,
        'EMAIL_TAKEN',
      );
      expect(await listIds()).toEqual([ada.id]);
    });

    it('rejects a bad username, a bad email and unknown fields, storing nothing', async () => {
      expectValidationError(await create({ username: 'a b', email: 'nope' }), [
        'body.username',
        'body.email',
      ]);
      expectValidationError(await create({ username: 'ab', email: 'ab@example.com' }), [
        'body.username',
      ]);
      expectValidationError(
        await create({ username: 'carol', email: 'c@example.com', is_active: false }),
        ['body'],
      );
      expect(await listIds()).toEqual([]);
    });

    it('requires a password of 8 to 128 characters, storing nothing', async () => {
      const body = { username: 'dave', email: 'dave@example.com' };

      expectValidationError(await request(h.app).post('/api/members/').send(body), [
        'body.password',
      ]);
      expectValidationError(await create({ ...body, password: 'x'.repeat(7) }), ['body.password']);
      expectValidationError(await create({ ...body, password: 'x'.repeat(129) }), [
        'body.password',
      ]);
      expect(await listIds()).toEqual([]);
      expect((await create({ ...body, password: 'x'.repeat(8) })).status).toBe(201);
      expect(
        (await create({ username: 'erin', email: 'e@x.io', password: 'y'.repeat(128) })).status,
      ).toBe(201);
    });
  });

  describe('GET /api/members/', () => {
    it('lists members oldest first, each with their communities and no email', async () => {
      const first = await createMember(h.app);
      const second = await createMember(h.app);

      const res = await request(h.app).get('/api/members/');

      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        items: [publicView(first), publicView(second)],
        next_cursor: null,
      });
    });

    it("shows a member's own email to them only", async () => {
      const first = await createMember(h.app);
      const second = await createMember(h.app);

      expect(await getJson(h.app, '/api/members/', 200, second.id)).toEqual({
        items: [publicView(first), second],
        next_cursor: null,
      });
    });

    it('pages with limit and next_cursor', async () => {
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) ids.push((await createMember(h.app)).id);

      const pages = await readAllPages<Member>(h.app, '/api/members/?limit=2');

      expect(pages.map((page) => page.map((m) => m.id))).toEqual([
        ids.slice(0, 2),
        ids.slice(2, 4),
        ids.slice(4),
      ]);
    });

    it('rejects limit=101 and a tampered cursor', async () => {
      expectValidationError(await request(h.app).get('/api/members/?limit=101'), ['query.limit']);
      const cursor = Buffer.from('[true]').toString('base64url');
      expectError(
        await request(h.app).get(`/api/members/?cursor=${cursor}`),
        400,
        'INVALID_CURSOR',
      );
    });
  });

  describe('GET /api/members/:id', () => {
    it('returns the member, their email to themself only', async () => {
      const member = await createMember(h.app, { bio: 'hi' });
      const other = await createMember(h.app);

      const res = await request(h.app).get(`/api/members/${member.id}`);

      expect(res.status).toBe(200);
      expect(res.body).toEqual(publicView({ ...member, bio: 'hi' }));
      expect(await getJson(h.app, `/api/members/${member.id}`, 200, other.id)).toEqual(res.body);
      expect(await getJson(h.app, `/api/members/${member.id}`, 200, member.id)).toEqual({
        ...member,
        bio: 'hi',
      });
    });

    it('lists private communities only to viewers who belong to them', async () => {
      const { community: open } = await seedCommunity(h.app);
      const { owner: host, community: club } = await seedPrivateCommunity(h.app);
      const member = await createMember(h.app);
      const stranger = await createMember(h.app);
      await inviteAndJoin(h.app, club.id, host.id, member.id);
      await request(h.app)
        .post(`/api/communities/${open.id}/join`)
        .set(authHeader(member))
        .expect(200);
      const communitiesSeenBy = async (viewer?: string) =>
        ((await getJson(h.app, `/api/members/${member.id}`, 200, viewer)) as Member).communities;

      expect(await communitiesSeenBy()).toEqual([open.id]);
      expect(await communitiesSeenBy(stranger.id)).toEqual([open.id]);
      expect(await communitiesSeenBy(member.id)).toEqual([club.id, open.id]);
      expect(await communitiesSeenBy(host.id)).toEqual([club.id, open.id]);
    });

    it('answers 404 MEMBER_NOT_FOUND for an unknown id, 400 for a malformed one', async () => {
      expectError(await request(h.app).get(`/api/members/${UNKNOWN_ID}`), 404, 'MEMBER_NOT_FOUND');
      expectValidationError(await request(h.app).get(`/api/members/${MALFORMED_ID}`), [
        'params.id',
      ]);
    });
  });

  describe('GET /api/members/username/:username', () => {
    it('finds the member whatever the case of the username', async () => {
      const member = await createMember(h.app, { username: 'Grace_Hopper' });

      for (const spelling of ['Grace_Hopper', 'grace_hopper', 'GRACE_HOPPER']) {
        const res = await request(h.app).get(`/api/members/username/${spelling}`);
        expect(res.status).toBe(200);
        expect(res.body).toEqual(publicView(member));
      }
      expect(await getJson(h.app, '/api/members/username/grace_hopper', 200, member.id)).toEqual(
        member,
      );
    });

    it('answers 404 MEMBER_NOT_FOUND for an unknown username, 400 for an overlong one', async () => {
      await createMember(h.app, { username: 'grace' });

      expectError(
        await request(h.app).get('/api/members/username/gracie'),
        404,
        'MEMBER_NOT_FOUND',
      );
      expectValidationError(await request(h.app).get(`/api/members/username/${'g'.repeat(65)}`), [
        'params.username',
      ]);
    });
  });

  describe('PUT /api/members/:id', () => {
    const put = (memberId: string, caller: string, body: object) =>
      request(h.app).put(`/api/members/${memberId}`).set(authHeader(caller)).send(body);

    it('changes only the fields given, and null clears an optional one', async () => {
      const member = await createMember(h.app, { full_name: 'Old Name', bio: 'old bio' });

      const res = await put(member.id, member.id, {
        full_name: 'New Name',
        bio: null,
        email: 'NEW@Example.com',
      });

      expect(res.status).toBe(200);
      const expected = { ...member, full_name: 'New Name', bio: null, email: 'new@example.com' };
      expect(res.body).toEqual(expected);
      expect(await getJson(h.app, `/api/members/${member.id}`, 200, member.id)).toEqual(expected);
      expect(await getJson(h.app, `/api/members/${member.id}`)).toEqual(publicView(expected));
    });

    it('lets a member change the case of their own username', async () => {
      const member = await createMember(h.app, { username: 'linus' });

      const res = await put(member.id, member.id, { username: 'Linus' });

      expect(res.status).toBe(200);
      expect(res.body.username).toBe('Linus');
      expect(await getJson(h.app, '/api/members/username/LINUS')).toMatchObject({ id: member.id });
    });

    it("answers 409 when taking another member's username or email, in any case", async () => {
      const ada = await createMember(h.app, { username: 'ada', email: 'ada@example.com' });
      const bob = await createMember(h.app, { username: 'bob', email: 'bob@example.com' });
      const putBob = (body: object) => put(bob.id, bob.id, body);

      expectError(await putBob({ username: 'ADA' }), 409, 'USERNAME_TAKEN');
      expectError(await putBob({ email: 'Ada@Example.com' }), 409, 'EMAIL_TAKEN');
      expectError(
        await putBob({ username: 'bobby', email: 'ada@example.com' }),
        409,
        'EMAIL_TAKEN',
      );
      expect(await getJson(h.app, `/api/members/${bob.id}`, 200, bob.id)).toEqual(bob);
      expect(await getJson(h.app, `/api/members/${ada.id}`, 200, ada.id)).toEqual(ada);
    });

    it("answers 403 FORBIDDEN for another member's profile, or an unknown one", async () => {
      const member = await createMember(h.app, { bio: 'mine' });
      const other = await createMember(h.app);

      expectError(await put(member.id, other.id, { bio: 'hijacked' }), 403, 'FORBIDDEN');
      expectError(await put(UNKNOWN_ID, other.id, { bio: 'x' }), 403, 'FORBIDDEN');
      expect(await getJson(h.app, `/api/members/${member.id}`, 200, member.id)).toEqual({
        ...member,
        bio: 'mine',
      });
    });

    it('answers 401 UNAUTHENTICATED without a token, changing nothing', async () => {
      const member = await createMember(h.app);

      const res = await request(h.app).put(`/api/members/${member.id}`).send({ bio: 'x' });

      expectError(res, 401, 'UNAUTHENTICATED');
      expect(await getJson(h.app, `/api/members/${member.id}`)).toEqual(publicView(member));
    });

    it('answers 400 for a bad body or id', async () => {
      const member = await createMember(h.app);
      const putOwn = (body: object) => put(member.id, member.id, body);

      expectValidationError(await putOwn({}), ['body']);
      expectValidationError(await putOwn({ email: 'not-an-email' }), ['body.email']);
      expectValidationError(await putOwn({ is_active: true }), ['body']);
      expectValidationError(await putOwn({ password: 'a new password' }), ['body']);
      expectValidationError(await put(MALFORMED_ID, member.id, { bio: 'x' }), ['params.id']);
      expect(await getJson(h.app, `/api/members/${member.id}`, 200, member.id)).toEqual(member);
    });
  });
});
