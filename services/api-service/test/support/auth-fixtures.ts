import {
  Community,
  Invitation,
  TokenPair,
  type ErrorBody,
  type ErrorCode,
  type Member,
  type Message,
  type Thread,
} from '@communities/contracts';
import request, { type Response } from 'supertest';
import { NOTHING_HELD } from '../../src/http/login-failures';
import type { RateLimiter, RateLimitSettings } from '../../src/http/rate-limit';
import type { MemberDoc } from '../../src/modules/members/member.repository';
import type { ApiHarness } from './api-harness';
import {
  TEST_PASSWORD,
  authHeader,
  createCommunity,
  createMember,
  createThread,
  expectError,
  expectStatus,
  postMessage,
} from './fixtures';

/**
 * Helpers of the authentication and authorization suites (authz matrix, auth flows, token
 * tampering, private communities, grants, rate limits).
 */
type App = ApiHarness['app'];

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** `Authorization: Bearer <token>`. */
export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** The headers a persona sends: none when anonymous, else the member's access token. */
export const headersOf = (member: { id: string } | undefined): Record<string, string> =>
  member ? authHeader(member) : {};

/** A 401 from a request that presented a token: the body, and the RFC 6750 challenge. */
export function expectTokenRefused(res: Response): ErrorBody {
  const body = expectError(res, 401, 'UNAUTHENTICATED');
  expect(res.headers['www-authenticate']).toBe('Bearer realm="communities", error="invalid_token"');
  return body;
}

/** The member document as stored (what an attacker with the database would see). */
export async function storedMember(h: Pick<ApiHarness, 'db'>, id: string): Promise<MemberDoc> {
  const doc = await h.db.collection<MemberDoc>('members').findOne({ _id: h.db.toId(id) });
  if (!doc) throw new Error(`member ${id} is not stored`);
  return doc;
}

export async function loginPair(app: App, loginName: string, password: string) {
  return request(app).post('/api/auth/login').send({ login: loginName, password });
}

export async function refresh(app: App, refreshToken: string) {
  return request(app).post('/api/auth/refresh').send({ refresh_token: refreshToken });
}

/** Refreshes, expecting success; returns the new pair. */
export async function refreshed(app: App, refreshToken: string): Promise<TokenPair> {
  const res = await refresh(app, refreshToken);
  expectStatus(res, 200);
  return TokenPair.parse(res.body);
}

/** GET /api/members/:id as the holder of `token`: 200 with the email only for the member. */
export async function whoAmI(app: App, memberId: string, token: string) {
  return request(app).get(`/api/members/${memberId}`).set(bearer(token));
}

/** Part `index` of a compact JWT (0 header, 1 payload), decoded. */
export function jwtPart(token: string, index: 0 | 1): Record<string, unknown> {
  const part = token.split('.')[index];
  if (part === undefined) throw new Error('not a compact JWT');
  return JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;
}

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** A compact JWT from the given parts, the signature taken as is (possibly empty). */
export function forgeJwt(header: unknown, payload: unknown, signature: string): string {
  return `${b64url(header)}.${b64url(payload)}.${signature}`;
}

/** The signature part of a compact JWT. */
export const jwtSignature = (token: string): string => token.split('.')[2] ?? '';

// --- the cast of the authorization suites -------------------------------------------------------

export type Persona = 'anonymous' | 'member' | 'other' | 'moderator' | 'owner';
export const PERSONAS: readonly Persona[] = ['anonymous', 'member', 'other', 'moderator', 'owner'];

/** Members that live for a whole describe: none of them is ever deactivated or re-keyed. */
export interface Cast {
  owner: Member;
  /** A plain member of each fixture, the author of its thread and message. */
  member: Member;
  moderator: Member;
  /** Authenticated, in no community of the fixture, the author of nothing there. */
  other: Member;
  /** Target of invitations in the matrix: invited and uninvited, never a persona. */
  invitee: Member;
}

export async function createCast(app: App): Promise<Cast> {
  return {
    owner: await createMember(app),
    member: await createMember(app),
    moderator: await createMember(app),
    other: await createMember(app),
    invitee: await createMember(app),
  };
}

/**
 * One community as the matrix needs it: owned by `owner`, `moderator` named with PUT
 * /moderators, and `member`, a plain member who wrote `thread` and `message`; with `newMember`
 * that member is made for this fixture (for a test that ends the member's sessions). A private
 * community is joined by invitation, as the API requires.
 */
export interface CommunityFixture extends Cast {
  community: Community;
  thread: Thread;
  message: Message;
}

export async function buildFixture(
  app: App,
  cast: Cast,
  options: { isPublic: boolean; newMember: boolean },
): Promise<CommunityFixture> {
  const member = options.newMember ? await createMember(app) : cast.member;
  const community = await createCommunity(app, cast.owner.id, { is_public: options.isPublic });
  for (const joiner of [cast.moderator, member]) {
    if (!options.isPublic) await invite(app, community.id, cast.owner, joiner.id);
    const joined = await request(app)
      .post(`/api/communities/${community.id}/join`)
      .set(authHeader(joiner))
      .send({});
    expectStatus(joined, 200);
  }
  const promoted = await request(app)
    .put(`/api/communities/${community.id}/moderators/${cast.moderator.id}`)
    .set(authHeader(cast.owner));
  expectStatus(promoted, 200);
  const thread = await createThread(app, community.id, member.id);
  const message = await postMessage(app, thread.id, member.id);
  return { ...cast, member, community, thread, message };
}

export function personaMember(f: CommunityFixture, persona: Persona): Member | undefined {
  return persona === 'anonymous' ? undefined : f[persona];
}

export async function invite(
  app: App,
  communityId: string,
  by: { id: string },
  memberId: string,
): Promise<Invitation> {
  const res = await request(app)
    .post(`/api/communities/${communityId}/invitations`)
    .set(authHeader(by))
    .send({ member_id: memberId });
  expectStatus(res, 201);
  return Invitation.parse(res.body);
}

/** A private community of `owner` with `members` let in by invitation. */
export async function createPrivateCommunity(
  app: App,
  owner: { id: string },
  members: { id: string }[] = [],
  overrides: Record<string, unknown> = {},
): Promise<Community> {
  const community = await createCommunity(app, owner.id, { is_public: false, ...overrides });
  for (const m of members) {
    await invite(app, community.id, owner, m.id);
    const res = await request(app)
      .post(`/api/communities/${community.id}/join`)
      .set(authHeader(m))
      .send({});
    expectStatus(res, 200);
  }
  const res = await request(app).get(`/api/communities/${community.id}`).set(authHeader(owner));
  expectStatus(res, 200);
  return Community.parse(res.body);
}

/** Asserts a 404 with this code; the message names the id, never whether the thing exists. */
export function expectHidden(res: Response, code: ErrorCode): ErrorBody {
  return expectError(res, 404, code);
}

// --- rate limits through the app ----------------------------------------------------------------

/**
 * Wraps a limiter so that nothing is counted until `arm()`: a scenario sets its scene up (sign-ups,
 * logins, communities) without spending points, then counts only the requests it is about.
 */
export function armable(inner: RateLimiter): { limiter: RateLimiter; arm: () => void } {
  let armed = false;
  return {
    limiter: {
      check: (kind, subject) => (armed ? inner.check(kind, subject) : Promise.resolve()),
      admitLogin: (attempt) => (armed ? inner.admitLogin(attempt) : Promise.resolve(NOTHING_HELD)),
      close: () => inner.close(),
    },
    arm: () => {
      armed = true;
    },
  };
}

/** A 429 RATE_LIMITED with a `Retry-After` of whole seconds within the window; returns it. */
export function expectRateLimited(res: Response, windowSeconds: number): number {
  expectError(res, 429, 'RATE_LIMITED');
  const header = res.headers['retry-after'];
  expect(header).toMatch(/^\d+$/);
  const seconds = Number(header);
  expect(seconds).toBeGreaterThanOrEqual(1);
  expect(seconds).toBeLessThanOrEqual(windowSeconds);
  return seconds;
}

/** Sleeps past a refusal's `Retry-After`. */
export const waitOut = (retryAfterSeconds: number) => sleep(retryAfterSeconds * 1000 + 100);

/** The client address a request claims through the (trusted, loopback) proxy. */
export const fromIp = (ip: string) => ({ 'x-forwarded-for': ip });

export async function signUpFrom(app: App, ip: string, name: string) {
  return request(app)
    .post('/api/members')
    .set(fromIp(ip))
    .send({ username: name, email: `${name}@example.com`, password: TEST_PASSWORD });
}

/** An app whose limiter has these settings and counters of its own; counting starts at `arm()`. */
export type OpenLimitedApi = (
  settings: RateLimitSettings,
) => Promise<{ app: App; arm: () => void }>;

const ONE_SECOND = 1;
/** These limits, every other one off. */
export function limitsOnly(settings: Partial<RateLimitSettings>): RateLimitSettings {
  return {
    loginPerIp: null,
    loginPerAccount: null,
    signupPerIp: null,
    writesPerMember: null,
    writesPerIp: null,
    ...settings,
  };
}

/** `n` requests at once: all are counted at the start of a window, however slow the store. */
const burst = <T>(n: number, send: (i: number) => Promise<T>): Promise<T[]> =>
  Promise.all(Array.from({ length: n }, (_, i) => send(i)));

/**
 * The limits as clients meet them, through the real app: 429 RATE_LIMITED with `Retry-After`,
 * for the counted subject only, and over once the window is. Windows are one second long; the
 * requests that use the points up go out together, so the window cannot end among them.
 */
export function rateLimitScenarios(open: OpenLimitedApi): void {
  const window = { points: 3, durationSeconds: ONE_SECOND };

  it('refuses a login over the per-account limit, other accounts go on, then it recovers', async () => {
    const { app, arm } = await open(limitsOnly({ loginPerAccount: window }));
    const target = await createMember(app);
    const bystander = await createMember(app);
    arm();

    // Three wrong guesses, each under another spelling of the same name.
    const spellings = [target.username, target.username.toUpperCase(), ` ${target.username}`];
    for (const res of await burst(3, (i) => loginPair(app, spellings[i]!, 'wrong guess'))) {
      expectError(res, 401, 'INVALID_CREDENTIALS');
    }
    const refused = await loginPair(app, target.username, TEST_PASSWORD);

    const retryAfter = expectRateLimited(refused, ONE_SECOND);
    expectStatus(await loginPair(app, bystander.username, TEST_PASSWORD), 200);
    await waitOut(retryAfter);
    expectStatus(await loginPair(app, target.username, TEST_PASSWORD), 200);
  });

  it('refuses logins from one address over the per-IP limit, whatever the account', async () => {
    const { app, arm } = await open(limitsOnly({ loginPerIp: window }));
    const members = [await createMember(app), await createMember(app)];
    arm();
    const loginFrom = (ip: string, name: string) =>
      request(app)
        .post('/api/auth/login')
        .set(fromIp(ip))
        .send({ login: name, password: TEST_PASSWORD });

    for (const res of await burst(window.points, (i) =>
      loginFrom('198.51.100.10', members[i % 2]!.username),
    )) {
      expectStatus(res, 200);
    }

    expectRateLimited(await loginFrom('198.51.100.10', members[1]!.username), ONE_SECOND);
    expectStatus(await loginFrom('198.51.100.11', members[1]!.username), 200);
  });

  it('refuses writes over the per-member limit, not reads, not other members', async () => {
    const { app, arm } = await open(limitsOnly({ writesPerMember: window }));
    const writer = await createMember(app);
    const bystander = await createMember(app);
    arm();
    const write = (member: Member) =>
      request(app).post('/api/communities').set(authHeader(member)).send({ name: 'Busy' });

    for (const res of await burst(window.points, () => write(writer))) expectStatus(res, 201);
    const refused = await write(writer);

    const retryAfter = expectRateLimited(refused, ONE_SECOND);
    expectStatus(await request(app).get('/api/communities').set(authHeader(writer)), 200);
    expectStatus(await write(bystander), 201);
    await waitOut(retryAfter);
    expectStatus(await write(writer), 201);
  });

  it('refuses sign-ups from one address over the per-IP limit, other addresses go on', async () => {
    const { app, arm } = await open(limitsOnly({ signupPerIp: window }));
    arm();
    const run = Math.random().toString(36).slice(2, 8);

    for (const res of await burst(window.points, (i) =>
      signUpFrom(app, '203.0.113.5', `su_${run}_${i}`),
    )) {
      expectStatus(res, 201);
    }
    const refused = await signUpFrom(app, '203.0.113.5', `su_${run}_late`);

    const retryAfter = expectRateLimited(refused, ONE_SECOND);
    expectStatus(await signUpFrom(app, '203.0.113.6', `su_${run}_elsewhere`), 201);
    // Refused means not created: the name is still free.
    await waitOut(retryAfter);
    expectStatus(await signUpFrom(app, '203.0.113.5', `su_${run}_late`), 201);
  });
}
