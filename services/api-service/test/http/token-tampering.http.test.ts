import { parseSigningKeys, TokenService } from '@communities/auth';
import type { Member } from '@communities/contracts';
import request from 'supertest';
import {
  TEST_SIGNING_KEYS,
  openApi,
  storeKinds,
  testTokenService,
  type ApiHarness,
} from '../support/api-harness';
import {
  bearer,
  expectTokenRefused,
  forgeJwt,
  jwtPart,
  jwtSignature,
  whoAmI,
} from '../support/auth-fixtures';
import { authHeader, createCommunity, createMember, expectStatus } from '../support/fixtures';

/**
 * Every forged, stale or malformed credential is refused with 401 UNAUTHENTICATED and a Bearer
 * challenge, on a write (token required) and on a read (token optional, but a presented one must
 * be good); each next to the genuine token, which works on the same requests.
 */
const TEST_SECRET = '0123456789abcdef0123456789abcdef-test-key';
const OTHER_SECRET = 'fedcba9876543210fedcba9876543210-not-ours';

const service = (keys: string, overrides: { now?: () => number } = {}) =>
  new TokenService({
    keys: parseSigningKeys(keys),
    issuer: 'communities-api',
    accessTtlSeconds: 900,
    grantTtlSeconds: 60,
    ...overrides,
  });

describe.each(storeKinds())('access tokens that are not genuine (%s store)', (kind) => {
  let h: ApiHarness;
  let member: Member;
  let genuine: string;
  let tv: number;

  beforeAll(async () => {
    h = await openApi(kind);
    member = await createMember(h.app);
    genuine = authHeader(member).authorization.slice('Bearer '.length);
    tv = jwtPart(genuine, 1).tv as number;
  });
  afterAll(async () => {
    await h.close();
  });

  /** A write that needs a token and a read that takes one; both show whose token it was. */
  const write = (headers: Record<string, string>) =>
    request(h.app).put(`/api/members/${member.id}`).set(headers).send({ bio: 'still me' });
  const read = (headers: Record<string, string>) =>
    request(h.app).get(`/api/members/${member.id}`).set(headers);

  async function expectGenuineWorks(): Promise<void> {
    expectStatus(await write(bearer(genuine)), 200);
    const me = await read(bearer(genuine));
    expectStatus(me, 200);
    expect(me.body).toMatchObject({ id: member.id, email: member.email });
  }

  const TOKENS: { name: string; forge: () => Promise<string> | string }[] = [
    {
      name: 'a token signed with another key under the same kid',
      forge: async () => (await service(`test-1:${OTHER_SECRET}`).signAccess(member.id, tv)).token,
    },
    {
      name: 'an expired token (issued an hour ago, valid 15 minutes)',
      forge: async () =>
        (await testTokenService({ now: () => Date.now() - 3_600_000 }).signAccess(member.id, tv))
          .token,
    },
    {
      name: 'a token with alg "none" and no signature',
      forge: () => forgeJwt({ ...jwtPart(genuine, 0), alg: 'none' }, jwtPart(genuine, 1), ''),
    },
    {
      name: 'a token with alg "none" and the genuine signature',
      forge: () =>
        forgeJwt(
          { ...jwtPart(genuine, 0), alg: 'none' },
          jwtPart(genuine, 1),
          jwtSignature(genuine),
        ),
    },
    {
      name: 'a token whose payload was changed (sub swapped) under the original signature',
      forge: async () => {
        const someoneElse = await createMember(h.app);
        return forgeJwt(
          jwtPart(genuine, 0),
          { ...jwtPart(genuine, 1), sub: someoneElse.id },
          jwtSignature(genuine),
        );
      },
    },
    {
      name: 'a token whose expiry was extended under the original signature',
      forge: () =>
        forgeJwt(
          jwtPart(genuine, 0),
          { ...jwtPart(genuine, 1), exp: (jwtPart(genuine, 1).exp as number) + 86_400 },
          jwtSignature(genuine),
        ),
    },
    {
      name: 'a token signed with the right secret under an unknown kid',
      forge: async () => (await service(`test-9:${TEST_SECRET}`).signAccess(member.id, tv)).token,
    },
    {
      name: 'a subscription grant presented as an access token',
      forge: async () => {
        const community = await createCommunity(h.app, member.id);
        const res = await request(h.app)
          .post('/api/realtime/grants')
          .set(authHeader(member))
          .send({ channels: [`community:${community.id}`] });
        expectStatus(res, 200);
        return (res.body as { grants: { grant: string }[] }).grants[0]!.grant;
      },
    },
    {
      name: 'a token of another token version (as after a password change)',
      forge: async () => (await h.tokens.signAccess(member.id, tv + 1)).token,
    },
    {
      name: 'a truncated token (signature cut off)',
      forge: () => genuine.slice(0, genuine.lastIndexOf('.')),
    },
  ];

  it('the genuine token works on both requests (the control)', async () => {
    expect(jwtPart(genuine, 0)).toMatchObject({ alg: 'HS256', kid: 'test-1' });
    await expectGenuineWorks();
  });

  it.each(TOKENS)('refuses $name', async ({ forge }) => {
    const token = await forge();
    expect(token).not.toBe(genuine);

    expectTokenRefused(await write(bearer(token)));
    expectTokenRefused(await read(bearer(token)));

    await expectGenuineWorks();
  });

  const HEADERS: { name: string; value: string }[] = [
    { name: '"Bearer" alone', value: 'Bearer' },
    { name: '"Bearer " and spaces', value: 'Bearer    ' },
    { name: 'Basic credentials', value: 'Basic dXNlcjpwYXNz' },
    { name: 'the token without a scheme', value: '<genuine>' },
    { name: 'two tokens', value: 'Bearer <genuine> <genuine>' },
    { name: 'garbage', value: 'garbage' },
    { name: 'a non-JWT bearer token', value: 'Bearer abc' },
  ];

  it.each(HEADERS)('refuses an Authorization header of $name', async ({ value }) => {
    const header = { authorization: value.replaceAll('<genuine>', genuine) };

    expectTokenRefused(await write(header));
    expectTokenRefused(await read(header));

    await expectGenuineWorks();
  });

  it('asks a request without a token for one, without calling it invalid', async () => {
    const res = await write({});

    expectStatus(res, 401);
    expect(res.body).toMatchObject({ error: { code: 'UNAUTHENTICATED' } });
    expect(res.headers['www-authenticate']).toBe('Bearer realm="communities"');
    // The read needs no token: anonymous, it is answered without the email.
    const anonymous = await read({});
    expectStatus(anonymous, 200);
    expect(anonymous.body).toMatchObject({ id: member.id, email: null });
  });

  it('accepts the scheme name in any case, as RFC 7235 says', async () => {
    expectStatus(await read({ authorization: `bearer ${genuine}` }), 200);
    expectStatus(await read({ authorization: `BEARER ${genuine}` }), 200);
  });
});

describe.each(storeKinds())('signing key rotation (%s store)', (kind) => {
  const OLD = `old:${TEST_SECRET}`;
  const NEW = `new:${OTHER_SECRET}`;
  /** The deployment before the rotation: only the old key, which signs. */
  const beforeRotation = service(OLD);

  const harnesses: ApiHarness[] = [];
  const open = async (keys: string) => {
    const h = await openApi(kind, { tokens: service(keys) });
    harnesses.push(h);
    return h;
  };
  afterEach(async () => {
    await Promise.all(harnesses.splice(0).map((h) => h.close()));
  });

  const tokenVersion = (m: Member) => jwtPart(authHeader(m).authorization.slice(7), 1).tv as number;

  it('signs with the new key and still accepts tokens of the old one while it is in the ring', async () => {
    const h = await open(`${NEW},${OLD}`);
    const member = await createMember(h.app);
    const issued = authHeader(member).authorization.slice('Bearer '.length);
    const old = (await beforeRotation.signAccess(member.id, tokenVersion(member))).token;

    expect(jwtPart(issued, 0)).toMatchObject({ kid: 'new' });
    expect(jwtPart(old, 0)).toMatchObject({ kid: 'old' });
    expectStatus(await whoAmI(h.app, member.id, issued), 200);
    expectStatus(await whoAmI(h.app, member.id, old), 200);
  });

  it('refuses tokens of the old key once it is dropped, and keeps the new ones', async () => {
    const h = await open(NEW);
    const member = await createMember(h.app);
    const issued = authHeader(member).authorization.slice('Bearer '.length);
    const old = (await beforeRotation.signAccess(member.id, tokenVersion(member))).token;

    expectStatus(await whoAmI(h.app, member.id, issued), 200);
    expectTokenRefused(await whoAmI(h.app, member.id, old));
  });

  it('the suites default ring is the one the tampering tests forge against', () => {
    // Guards the forgeries above: they assume this kid and secret.
    expect(TEST_SIGNING_KEYS.active.kid).toBe('test-1');
    expect(new TextDecoder().decode(TEST_SIGNING_KEYS.active.secret)).toBe(TEST_SECRET);
  });
});
