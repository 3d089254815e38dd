import { Member } from '@communities/contracts';
import request from 'supertest';
import { openApi, storeKinds, type ApiHarness } from '../support/api-harness';
import {
  MALFORMED_ID,
  UNKNOWN_ID,
  createMember,
  expectError,
  expectValidationError,
  getJson,
  readAllPages,
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
  const create = (body: object) => request(h.app).post('/api/members/').send(body);

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
      expect(await getJson(h.app, `/api/members/${member.id}`)).toEqual(member);
      expect(takeEvents(h)).toEqual([]);
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
  });

  describe('GET /api/members/', () => {
    it('lists members oldest first, each with their communities', async () => {
      const first = await createMember(h.app);
      const second = await createMember(h.app);

      const res = await request(h.app).get('/api/members/');

      expect(res.status).toBe(200);
      expect(res.body).toEqual({ items: [first, second], next_cursor: null });
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
    it('returns the member', async () => {
      const member = await createMember(h.app, { bio: 'hi' });

      const res = await request(h.app).get(`/api/members/${member.id}`);

      expect(res.status).toBe(200);
      expect(res.body).toEqual({ ...member, bio: 'hi' });
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
        expect(res.body).toEqual(member);
      }
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
    it('changes only the fields given, and null clears an optional one', async () => {
      const member = await createMember(h.app, { full_name: 'Old Name', bio: 'old bio' });

      const res = await request(h.app)
        .put(`/api/members/${member.id}`)
        .send({ full_name: 'New Name', bio: null, email: 'NEW@Example.com' });

      expect(res.status).toBe(200);
      const expected = { ...member, full_name: 'New Name', bio: null, email: 'new@example.com' };
      expect(res.body).toEqual(expected);
      expect(await getJson(h.app, `/api/members/${member.id}`)).toEqual(expected);
    });

    it('lets a member change the case of their own username', async () => {
      const member = await createMember(h.app, { username: 'linus' });

      const res = await request(h.app).put(`/api/members/${member.id}`).send({ username: 'Linus' });

      expect(res.status).toBe(200);
      expect(res.body.username).toBe('Linus');
      expect(await getJson(h.app, '/api/members/username/LINUS')).toMatchObject({ id: member.id });
    });

    it("answers 409 when taking another member's username or email, in any case", async () => {
      const ada = await createMember(h.app, { username: 'ada', email: 'ada@example.com' });
      const bob = await createMember(h.app, { username: 'bob', email: 'bob@example.com' });
      const put = (body: object) => request(h.app).put(`/api/members/${bob.id}`).send(body);

      expectError(await put({ username: 'ADA' }), 409, 'USERNAME_TAKEN');
      expectError(await put({ email: 'Ada@Example.com' }), 409, 'EMAIL_TAKEN');
      expectError(await put({ username: 'bobby', email: 'ada@example.com' }), 409, 'EMAIL_TAKEN');
      expect(await getJson(h.app, `/api/members/${bob.id}`)).toEqual(bob);
      expect(await getJson(h.app, `/api/members/${ada.id}`)).toEqual(ada);
    });

    it('answers 404 MEMBER_NOT_FOUND for an unknown id, 400 for a bad body or id', async () => {
      const member = await createMember(h.app);

      expectError(
        await request(h.app).put(`/api/members/${UNKNOWN_ID}`).send({ bio: 'x' }),
        404,
        'MEMBER_NOT_FOUND',
      );
      const put = (body: object) => request(h.app).put(`/api/members/${member.id}`).send(body);
      expectValidationError(await put({}), ['body']);
      expectValidationError(await put({ email: 'not-an-email' }), ['body.email']);
      expectValidationError(await put({ is_active: true }), ['body']);
      expectValidationError(
        await request(h.app).put(`/api/members/${MALFORMED_ID}`).send({ bio: 'x' }),
        ['params.id'],
      );
      expect(await getJson(h.app, `/api/members/${member.id}`)).toEqual(member);
    });
  });
});
