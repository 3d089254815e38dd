import { Writable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { ErrorBody } from '@communities/contracts';
import pino from 'pino';
import request from 'supertest';
import { createRateLimiter, type RateLimiter } from '../../src/http/rate-limit';
import { openApi, storeKinds, type ApiHarness } from '../support/api-harness';
import {
  TEST_PASSWORD,
  UNKNOWN_ID,
  authHeader,
  createMember,
  expectError,
  expectValidationError,
  getJson,
  seedCommunity,
  seedThread,
  takeEvents,
} from '../support/fixtures';

/** The error shape every endpoint shares: `{"error": {"code", "message", "details?", "request_id"}}`. */
describe.each(storeKinds())('HTTP errors (%s store)', (kind) => {
  let h: ApiHarness;

  beforeEach(async () => {
    h = await openApi(kind);
  });
  afterEach(async () => {
    jest.restoreAllMocks();
    await h.close();
  });

  const storedCommunities = async () =>
    ((await getJson(h.app, '/api/communities/')) as { items: unknown[] }).items;

  describe('request validation', () => {
    it('refuses a query operator in place of a value, and stores nothing', async () => {
      const owner = await createMember(h.app);
      takeEvents(h);

      const res = await request(h.app)
        .post('/api/communities/')
        .set(authHeader(owner))
        .send({ name: { $gt: '' }, created_by: owner.id });

      const body = expectValidationError(res, ['body.name']);
      expect(body.error.message).toBe('request is invalid');
      expect(await storedCommunities()).toEqual([]);
      expect(takeEvents(h)).toEqual([]);
    });

    it('refuses operators smuggled into ids and query parameters', async () => {
      const owner = await createMember(h.app);

      expectValidationError(
        await request(h.app)
          .post('/api/communities/')
          .set(authHeader(owner))
          .send({ name: 'x', created_by: { $ne: null } }),
        ['body.created_by'],
      );
      expectValidationError(
        await request(h.app)
          .post(`/api/communities/${UNKNOWN_ID}/join`)
          .set(authHeader(owner))
          .send({ member_id: [owner.id] }),
        ['body.member_id'],
      );
      expectValidationError(
        await request(h.app)
          .post('/api/auth/login')
          .send({ login: { $ne: '' }, password: TEST_PASSWORD }),
        ['body.login'],
      );
      expectValidationError(await request(h.app).get('/api/communities/?limit[$gt]=0'), ['query']);
      expect(await storedCommunities()).toEqual([]);
    });

    it('refuses unknown fields, naming them', async () => {
      const owner = await createMember(h.app);

      const res = await request(h.app)
        .post('/api/communities/')
        .set(authHeader(owner))
        .send({ name: 'x', created_by: owner.id, member_count: 1000 });

      const body = expectValidationError(res, ['body']);
      expect(body.error.details![0]!.message).toContain('member_count');
      expect(await storedCommunities()).toEqual([]);
    });

    it('refuses a body that is not an object', async () => {
      expectValidationError(await request(h.app).post('/api/members/').send([]), ['body']);
    });
  });

  describe('request bodies', () => {
    it('answers 413 PAYLOAD_TOO_LARGE for a 3 MB JSON body', async () => {
      const owner = await createMember(h.app);

      const res = await request(h.app)
        .post('/api/communities/')
        .set(authHeader(owner))
        .send({ name: 'big', created_by: owner.id, description: 'x'.repeat(3 * 1024 * 1024) });

      expectError(res, 413, 'PAYLOAD_TOO_LARGE');
      expect(await storedCommunities()).toEqual([]);
    });

    it('answers 400 INVALID_JSON for malformed JSON', async () => {
      const res = await request(h.app)
        .post('/api/members/')
        .set('Content-Type', 'application/json')
        .send('{"username": "ada", ');

      expectError(res, 400, 'INVALID_JSON');
      expect(((await getJson(h.app, '/api/members/')) as { items: unknown[] }).items).toEqual([]);
    });

    it('answers 400 INVALID_JSON for a bare JSON string (objects and arrays only)', async () => {
      const res = await request(h.app)
        .post('/api/members/')
        .set('Content-Type', 'application/json')
        .send('"ada"');

      expectError(res, 400, 'INVALID_JSON');
    });

    it('answers 415 UNSUPPORTED_MEDIA_TYPE for a text/plain body', async () => {
      const owner = await createMember(h.app);

      const res = await request(h.app)
        .post('/api/communities/')
        .set(authHeader(owner))
        .set('Content-Type', 'text/plain')
        .send(JSON.stringify({ name: 'x', created_by: owner.id }));

      expectError(res, 415, 'UNSUPPORTED_MEDIA_TYPE');
      expect(await storedCommunities()).toEqual([]);
    });

    it('answers 415 UNSUPPORTED_MEDIA_TYPE for JSON in a charset other than UTF', async () => {
      const res = await request(h.app)
        .post('/api/members/')
        .set('Content-Type', 'application/json; charset=latin1')
        .send(
          JSON.stringify({ username: 'ada', email: 'ada@example.com', password: TEST_PASSWORD }),
        );

      expectError(res, 415, 'UNSUPPORTED_MEDIA_TYPE');
    });
  });

  describe('requests that cannot be decoded', () => {
    let logged: ApiHarness;
    let lines: { level: number; msg: string }[];
    beforeEach(async () => {
      lines = [];
      const sink = new Writable({
        write(chunk: Buffer, _encoding, done) {
          lines.push(JSON.parse(chunk.toString()) as { level: number; msg: string });
          done();
        },
      });
      logged = await openApi(kind, { logger: pino({ level: 'debug' }, sink) });
    });
    afterEach(async () => {
      await logged.close();
    });

    /** A 400 MALFORMED_REQUEST with nothing but code, message and request id, logged below error. */
    const expectMalformed = (res: request.Response) => {
      const body = expectError(res, 400, 'MALFORMED_REQUEST');
      expect(Object.keys(body.error).sort()).toEqual(['code', 'message', 'request_id']);
      for (const leak of ['URIError', 'Z_DATA_ERROR', 'Z_BUF_ERROR', 'header check', ' at ']) {
        expect(res.text).not.toContain(leak);
      }
      return body;
    };
    const errorLines = () => lines.filter((line) => line.level >= 50);
    /** A sign-up body sent as these exact bytes (supertest would JSON-encode a Buffer). */
    const postBytes = (encoding: string, bytes: Buffer) =>
      request(logged.app)
        .post('/api/members/')
        .set('Content-Type', 'application/json')
        .set('Content-Encoding', encoding)
        .serialize(() => bytes as unknown as string)
        .send(bytes);

    it('answers 400 MALFORMED_REQUEST to a path parameter with a malformed percent-escape', async () => {
      const owner = await createMember(logged.app);
      const paths = [
        '/api/communities/%u0041',
        '/api/threads/%E0%A4%A',
        '/api/members/username/%ZZ',
        `/api/communities/${UNKNOWN_ID}/members/%`,
      ];
      for (const path of paths) {
        const body = expectMalformed(await request(logged.app).get(path).set(authHeader(owner)));
        expect(body.error.message).toBe('the request path has a malformed percent-escape');
      }
      expectMalformed(
        await request(logged.app).delete('/api/communities/%u0041').set(authHeader(owner)),
      );
      expect(errorLines()).toEqual([]);
      expect(
        lines.filter((line) => line.msg === 'request completed' && line.level === 40),
      ).toHaveLength(paths.length + 1);
    });

    it('answers 400 MALFORMED_REQUEST to a body whose bytes are not in its Content-Encoding', async () => {
      const json = JSON.stringify({
        username: 'ada',
        email: 'ada@example.com',
        password: TEST_PASSWORD,
      });
      const bodies: [string, Buffer][] = [
        ['gzip', Buffer.from(json)],
        ['gzip', gzipSync(json).subarray(0, 12)],
        ['deflate', Buffer.from(json)],
        ['br', Buffer.from(json)],
      ];
      for (const [encoding, bytes] of bodies) {
        const body = expectMalformed(await postBytes(encoding, bytes));
        expect(body.error.message).toBe('the request body is not valid for its Content-Encoding');
      }
      expect(errorLines()).toEqual([]);
      expect(((await getJson(logged.app, '/api/members/')) as { items: unknown[] }).items).toEqual(
        [],
      );
    });

    it('still accepts a body that is gzip as it says', async () => {
      const res = await postBytes(
        'gzip',
        gzipSync(
          JSON.stringify({ username: 'ada', email: 'ada@example.com', password: TEST_PASSWORD }),
        ),
      );

      expect(res.status).toBe(201);
    });
  });

  describe('body limit setting', () => {
    let small: ApiHarness;
    beforeEach(async () => {
      small = await openApi(kind, { bodyLimitBytes: 1024 });
    });
    afterEach(async () => {
      await small.close();
    });

    it('accepts a body under the configured limit and refuses one over it', async () => {
      const member = await createMember(small.app);
      const put = (bio: string) =>
        request(small.app).put(`/api/members/${member.id}`).set(authHeader(member)).send({ bio });

      expect((await put('x'.repeat(900))).status).toBe(200);
      expectError(await put('y'.repeat(1100)), 413, 'PAYLOAD_TOO_LARGE');
      expect(await getJson(small.app, `/api/members/${member.id}`, 200, member.id)).toMatchObject({
        bio: 'x'.repeat(900),
      });
    });
  });

  describe('unknown routes', () => {
    it('answers 404 ROUTE_NOT_FOUND naming the method and path', async () => {
      const body = expectError(
        await request(h.app).get('/api/nothing-here'),
        404,
        'ROUTE_NOT_FOUND',
      );
      expect(body.error.message).toBe('no route for GET /api/nothing-here');
      expectError(await request(h.app).get('/nope'), 404, 'ROUTE_NOT_FOUND');
    });

    it('answers 405 METHOD_NOT_ALLOWED with an Allow header for a known path and another method', async () => {
      const searched = await request(h.app).post('/api/threads/search').send({ q: 'x' });
      expectError(searched, 405, 'METHOD_NOT_ALLOWED');
      expect(searched.headers.allow).toBe('GET');
      const patched = await request(h.app).patch(`/api/communities/${UNKNOWN_ID}`).send({});
      expectError(patched, 405, 'METHOD_NOT_ALLOWED');
      expect(patched.headers.allow).toBe('GET, PUT, DELETE');
    });
  });

  describe('request ids', () => {
    it('answers every failure with the error shape and the request id of its header', async () => {
      const { owner, thread } = await seedThread(h.app);
      const failures = [
        request(h.app).get(`/api/threads/${UNKNOWN_ID}`),
        request(h.app).get('/api/threads/bad'),
        request(h.app).post(`/api/messages/thread/${thread.id}`).set(authHeader(owner)).send({}),
        request(h.app).post(`/api/messages/thread/${thread.id}`).send({ content: 'anonymous' }),
        request(h.app).get('/api/messages/search'),
        request(h.app).get('/api/members/?cursor=AAAA'),
        request(h.app).post('/api/members/').set('Content-Type', 'application/json').send('{'),
        request(h.app).delete('/api/unknown'),
      ];
      const responses = await Promise.all(failures);
      const ids = new Set<string>();
      for (const res of responses) {
        expect(res.status).toBeGreaterThanOrEqual(400);
        const body = ErrorBody.parse(res.body);
        expect(body.error.request_id).toBe(res.headers['x-request-id']);
        expect(body.error.request_id).toMatch(/^[0-9a-f-]{36}$/);
        ids.add(body.error.request_id);
      }
      expect(ids.size).toBe(failures.length);
    });

    it('echoes a well-formed incoming X-Request-Id on success and in error bodies', async () => {
      const ok = await request(h.app).get('/api/members/').set('X-Request-Id', 'edge-1234.abc');
      expect(ok.status).toBe(200);
      expect(ok.headers['x-request-id']).toBe('edge-1234.abc');

      const failed = await request(h.app)
        .get(`/api/members/${UNKNOWN_ID}`)
        .set('X-Request-Id', 'trace:42');
      const body = expectError(failed, 404, 'MEMBER_NOT_FOUND');
      expect(body.error.request_id).toBe('trace:42');
    });

    it('replaces a malformed incoming X-Request-Id with its own', async () => {
      const res = await request(h.app)
        .get(`/api/members/${UNKNOWN_ID}`)
        .set('X-Request-Id', 'has spaces and <html>');

      const body = expectError(res, 404, 'MEMBER_NOT_FOUND');
      expect(body.error.request_id).not.toBe('has spaces and <html>');
      expect(body.error.request_id).toMatch(/^[0-9a-f-]{36}$/);
    });
  });

  describe('authentication and authorization errors', () => {
    it('answers 401 UNAUTHENTICATED with a Bearer challenge when a write has no token', async () => {
      const res = await request(h.app).post('/api/communities/').send({ name: 'x' });

      const body = expectError(res, 401, 'UNAUTHENTICATED');
      expect(body.error.message).toMatch(/access token/);
      expect(res.headers['www-authenticate']).toBe('Bearer realm="communities"');
    });

    it('answers 401 INVALID_CREDENTIALS with a Bearer challenge to a failed login', async () => {
      const member = await createMember(h.app);

      const res = await request(h.app)
        .post('/api/auth/login')
        .send({ login: member.username, password: 'not the password' });

      expectError(res, 401, 'INVALID_CREDENTIALS');
      expect(res.headers['www-authenticate']).toBe('Bearer realm="communities"');
    });

    // Which tokens are refused is token-tampering.http.test.ts's; here, how the refusal reads.
    it('answers 401 UNAUTHENTICATED calling a refused token invalid, even on a public read', async () => {
      const res = await request(h.app)
        .get('/api/communities/')
        .set('authorization', 'Bearer not-a-jwt');

      const body = expectError(res, 401, 'UNAUTHENTICATED');
      expect(body.error.message).toMatch(/access token/);
      expect(res.headers['www-authenticate']).toBe(
        'Bearer realm="communities", error="invalid_token"',
      );
    });

    it('answers 403 FORBIDDEN in the error shape, with no challenge', async () => {
      const { community } = await seedCommunity(h.app);
      const member = await createMember(h.app);

      const res = await request(h.app)
        .delete(`/api/communities/${community.id}`)
        .set(authHeader(member));

      expectError(res, 403, 'FORBIDDEN');
      expect(res.headers['www-authenticate']).toBeUndefined();
    });
  });

  describe('rate limits', () => {
    let limiter: RateLimiter;
    let limited: ApiHarness;
    beforeEach(async () => {
      limiter = createRateLimiter(
        {
          loginPerIp: null,
          loginPerAccount: null,
          signupPerIp: null,
          writesPerMember: { points: 2, durationSeconds: 60 },
          writesPerIp: null,
        },
        { logger: pino({ level: 'silent' }) },
      );
      limited = await openApi(kind, { limiter });
    });
    afterEach(async () => {
      await limited.close();
      await limiter.close();
    });

    it('answers 429 RATE_LIMITED with Retry-After once a member used up their writes', async () => {
      const member = await createMember(limited.app);
      const put = () =>
        request(limited.app)
          .put(`/api/members/${member.id}`)
          .set(authHeader(member))
          .send({ bio: 'again' });
      expect((await put()).status).toBe(200);
      expect((await put()).status).toBe(200);

      const res = await put();

      expectError(res, 429, 'RATE_LIMITED');
      expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
      expect(Number(res.headers['retry-after'])).toBeLessThanOrEqual(60);
      expect((await request(limited.app).get(`/api/members/${member.id}`)).status).toBe(200);
    });
  });

  describe('internal errors', () => {
    it('answers 500 INTERNAL without a stack trace or the internal message', async () => {
      const secret = 'E11000 connection to mongodb://admin:hunter2@db-7/ lost';
      jest.spyOn(h.repos.communities, 'list').mockRejectedValue(new Error(secret));

      const res = await request(h.app).get('/api/communities/').set('X-Request-Id', 'req-500');

      const body = expectError(res, 500, 'INTERNAL');
      expect(body).toEqual({
        error: { code: 'INTERNAL', message: 'internal error', request_id: 'req-500' },
      });
      for (const leak of ['hunter2', 'E11000', 'mongodb', 'Error', 'stack', '.ts:', ' at ']) {
        expect(res.text).not.toContain(leak);
      }
    });

    it('answers 500 for a repository that throws synchronously, and keeps serving', async () => {
      const { owner } = await seedThread(h.app);
      const spy = jest.spyOn(h.repos.members, 'get').mockImplementation(() => {
        throw new TypeError("Cannot read properties of undefined (reading '_id')");
      });

      const res = await request(h.app).get(`/api/members/${owner.id}`);

      expectError(res, 500, 'INTERNAL');
      expect(res.text).not.toContain('Cannot read');
      spy.mockRestore();
      expect(await getJson(h.app, `/api/members/${owner.id}`)).toMatchObject({ id: owner.id });
    });

    it('publishes no event for a write that failed', async () => {
      const owner = await createMember(h.app);
      jest.spyOn(h.repos.memberships, 'add').mockRejectedValue(new Error('disk full'));

      const res = await request(h.app)
        .post('/api/communities/')
        .set(authHeader(owner))
        .send({ name: 'half', created_by: owner.id });

      expectError(res, 500, 'INTERNAL');
      expect(takeEvents(h).filter((e) => e.type === 'community_created')).toEqual([]);
    });
  });
});
