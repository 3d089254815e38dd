import type { ErrorCode } from '@communities/contracts';
import request, { type Response } from 'supertest';
import { apiRoutes, createServices } from '../../src/app';
import { PasswordHasher } from '../../src/auth/password-hasher';
import { openApi, storeKinds, testTokenService, type ApiHarness } from '../support/api-harness';
import {
  PERSONAS,
  buildFixture,
  createCast,
  headersOf,
  personaMember,
  type Cast,
  type CommunityFixture,
  type Persona,
} from '../support/auth-fixtures';
import {
  TEST_PASSWORD,
  authHeader,
  createMember,
  expectError,
  expectStatus,
} from '../support/fixtures';

/**
 * Who may call what: every endpoint of the API × every persona, from one table.
 *
 * The fixture is a community owned by `owner`, with `moderator` (named with PUT /moderators)
 * and `member`, a plain member who wrote a thread and a message in it; `other` is signed up and
 * logged in but neither in the community nor the author of anything. Member-profile endpoints
 * target `member`. Each row's statuses are, in order:
 *
 *                anonymous · member · other · moderator · owner
 */
type Status = number | [number, ErrorCode];
type Row5 = [Status, Status, Status, Status, Status];

interface Endpoint {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** The path as the routers declare it (the test name). */
  path: string;
  /** Distinguishes rows of the same route (e.g. which grant is asked for). */
  variant?: string;
  url: (f: CommunityFixture) => string;
  body?: (f: CommunityFixture) => object;
  /**
   * A successful call changes what other cells rely on: the community (deletes, memberships,
   * roles), or the member's credentials too. Such a cell gets a fixture of its own (a refused one
   * changes nothing, so it shares the fixture).
   */
  changes?: 'community' | 'member';
  /**
   * The 404 a non-member gets when the fixture community is private; absent for endpoints that
   * are not about one community (global lists, member profiles).
   */
  hiddenAs?: ErrorCode;
  expect: Row5;
}

const COMMUNITY: ErrorCode = 'COMMUNITY_NOT_FOUND';
const THREAD: ErrorCode = 'THREAD_NOT_FOUND';
const MESSAGE: ErrorCode = 'MESSAGE_NOT_FOUND';

const c = (f: CommunityFixture) => `/api/communities/${f.community.id}`;

// prettier-ignore
const ENDPOINTS: Endpoint[] = [
  // communities
  //          anon mbr  oth  mod  own
  { expect: [200, 200, 200, 200, 200],
    method: 'GET', path: '/api/communities', url: () => '/api/communities' },
  { expect: [401, 201, 201, 201, 201],
    method: 'POST', path: '/api/communities', url: () => '/api/communities',
    body: () => ({ name: 'Another one' }) },
  { expect: [200, 200, 200, 200, 200],
    method: 'GET', path: '/api/communities/:id', url: c, hiddenAs: COMMUNITY },
  { expect: [401, 403, 403, 200, 200],
    method: 'PUT', path: '/api/communities/:id', url: c, hiddenAs: COMMUNITY,
    body: () => ({ description: 'edited' }) },
  { expect: [401, 403, 403, 204, 204],
    method: 'DELETE', path: '/api/communities/:id', url: c, hiddenAs: COMMUNITY,
    changes: 'community' },
  { expect: [401, 200, 200, 200, 200],
    method: 'POST', path: '/api/communities/:id/join', url: (f) => `${c(f)}/join`,
    hiddenAs: COMMUNITY, changes: 'community', body: () => ({}) },
  { expect: [401, 200, 200, 200, [409, 'OWNER_CANNOT_LEAVE']],
    method: 'POST', path: '/api/communities/:id/leave', url: (f) => `${c(f)}/leave`,
    hiddenAs: COMMUNITY, changes: 'community', body: () => ({}) },
  { expect: [200, 200, 200, 200, 200],
    method: 'GET', path: '/api/communities/:id/members', url: (f) => `${c(f)}/members`,
    hiddenAs: COMMUNITY },
  { expect: [401, 403, 403, 204, 204],
    method: 'DELETE', path: '/api/communities/:id/members/:member_id',
    url: (f) => `${c(f)}/members/${f.member.id}`, hiddenAs: COMMUNITY, changes: 'community' },
  { expect: [401, 403, 403, 201, 201],
    method: 'POST', path: '/api/communities/:id/invitations', url: (f) => `${c(f)}/invitations`,
    hiddenAs: COMMUNITY, body: (f) => ({ member_id: f.invitee.id }) },
  { expect: [401, 403, 403, 204, 204],
    method: 'DELETE', path: '/api/communities/:id/invitations/:member_id',
    url: (f) => `${c(f)}/invitations/${f.invitee.id}`, hiddenAs: COMMUNITY },
  { expect: [401, 403, 403, 200, 200],
    method: 'PUT', path: '/api/communities/:id/moderators/:member_id',
    url: (f) => `${c(f)}/moderators/${f.member.id}`, hiddenAs: COMMUNITY, changes: 'community' },
  { expect: [401, 403, 403, 200, 200],
    method: 'DELETE', path: '/api/communities/:id/moderators/:member_id',
    url: (f) => `${c(f)}/moderators/${f.moderator.id}`, hiddenAs: COMMUNITY,
    changes: 'community' },
  // threads
  //          anon mbr  oth  mod  own
  { expect: [200, 200, 200, 200, 200],
    method: 'GET', path: '/api/threads/search', url: () => '/api/threads/search?q=Thread' },
  { expect: [200, 200, 200, 200, 200],
    method: 'GET', path: '/api/threads/search', variant: 'community_id=:id',
    url: (f) => `/api/threads/search?q=Thread&community_id=${f.community.id}`,
    hiddenAs: COMMUNITY },
  { expect: [200, 200, 200, 200, 200],
    method: 'GET', path: '/api/threads/community/:community_id',
    url: (f) => `/api/threads/community/${f.community.id}`, hiddenAs: COMMUNITY },
  { expect: [401, 201, 403, 201, 201],
    method: 'POST', path: '/api/threads/community/:community_id',
    url: (f) => `/api/threads/community/${f.community.id}`, hiddenAs: COMMUNITY,
    body: () => ({ title: 'Another thread' }) },
  { expect: [200, 200, 200, 200, 200],
    method: 'GET', path: '/api/threads/:id', url: (f) => `/api/threads/${f.thread.id}`,
    hiddenAs: THREAD },
  { expect: [401, 200, 403, 200, 200],
    method: 'PUT', path: '/api/threads/:id', url: (f) => `/api/threads/${f.thread.id}`,
    hiddenAs: THREAD, body: () => ({ title: 'Edited title' }) },
  { expect: [401, 204, 403, 204, 204],
    method: 'DELETE', path: '/api/threads/:id', url: (f) => `/api/threads/${f.thread.id}`,
    hiddenAs: THREAD, changes: 'community' },
  { expect: [401, 403, 403, 200, 200],
    method: 'POST', path: '/api/threads/:id/pin', url: (f) => `/api/threads/${f.thread.id}/pin`,
    hiddenAs: THREAD },
  // messages
  //          anon mbr  oth  mod  own
  { expect: [200, 200, 200, 200, 200],
    method: 'GET', path: '/api/messages/search', url: () => '/api/messages/search?q=Message' },
  { expect: [200, 200, 200, 200, 200],
    method: 'GET', path: '/api/messages/search', variant: 'thread_id=:id',
    url: (f) => `/api/messages/search?q=Message&thread_id=${f.thread.id}`, hiddenAs: THREAD },
  { expect: [200, 200, 200, 200, 200],
    method: 'GET', path: '/api/messages/thread/:thread_id',
    url: (f) => `/api/messages/thread/${f.thread.id}`, hiddenAs: THREAD },
  { expect: [401, 201, 403, 201, 201],
    method: 'POST', path: '/api/messages/thread/:thread_id',
    url: (f) => `/api/messages/thread/${f.thread.id}`, hiddenAs: THREAD,
    body: (f) => ({ content: 'a reply', reply_to: f.message.id }) },
  { expect: [200, 200, 200, 200, 200],
    method: 'GET', path: '/api/messages/thread/:thread_id/replies/:message_id',
    url: (f) => `/api/messages/thread/${f.thread.id}/replies/${f.message.id}`,
    hiddenAs: THREAD },
  { expect: [200, 200, 200, 200, 200],
    method: 'GET', path: '/api/messages/:id', url: (f) => `/api/messages/${f.message.id}`,
    hiddenAs: MESSAGE },
  { expect: [401, 200, 403, 403, 403],
    method: 'PUT', path: '/api/messages/:id', url: (f) => `/api/messages/${f.message.id}`,
    hiddenAs: MESSAGE, body: () => ({ content: 'edited' }) },
  { expect: [401, 204, 403, 204, 204],
    method: 'DELETE', path: '/api/messages/:id', url: (f) => `/api/messages/${f.message.id}`,
    hiddenAs: MESSAGE, changes: 'community' },
  // members (profile endpoints target `member`)
  //          anon mbr  oth  mod  own
  { expect: [200, 200, 200, 200, 200],
    method: 'GET', path: '/api/members', url: () => '/api/members' },
  { expect: [200, 200, 200, 200, 200],
    method: 'GET', path: '/api/members/username/:username',
    url: (f) => `/api/members/username/${f.member.username}` },
  { expect: [200, 200, 200, 200, 200],
    method: 'GET', path: '/api/members/:id', url: (f) => `/api/members/${f.member.id}` },
  { expect: [401, 200, 403, 403, 403],
    method: 'PUT', path: '/api/members/:id', url: (f) => `/api/members/${f.member.id}`,
    body: () => ({ bio: 'edited' }) },
  { expect: [401, 204, 403, 403, 403],
    method: 'DELETE', path: '/api/members/:id', url: (f) => `/api/members/${f.member.id}`,
    changes: 'member' },
  { expect: [401, 200, 403, 403, 403],
    method: 'PUT', path: '/api/members/:id/password',
    url: (f) => `/api/members/${f.member.id}/password`, changes: 'member',
    body: () => ({ current_password: TEST_PASSWORD, new_password: 'a whole new password' }) },
  { expect: [200, 200, 200, 200, 200],
    method: 'GET', path: '/api/members/:id/communities',
    url: (f) => `/api/members/${f.member.id}/communities` },
  { expect: [200, 200, 200, 200, 200],
    method: 'GET', path: '/api/members/:id/activity',
    url: (f) => `/api/members/${f.member.id}/activity` },
  // realtime grants
  //          anon mbr  oth  mod  own
  { expect: [401, 200, 200, 200, 200],
    method: 'POST', path: '/api/realtime/grants', variant: 'community channel',
    url: () => '/api/realtime/grants', hiddenAs: COMMUNITY,
    body: (f) => ({ channels: [`community:${f.community.id}`] }) },
  { expect: [401, 200, 200, 200, 200],
    method: 'POST', path: '/api/realtime/grants', variant: 'thread channel',
    url: () => '/api/realtime/grants', hiddenAs: THREAD,
    body: (f) => ({ channels: [`thread:${f.thread.id}`] }) },
];

interface Cell {
  name: string;
  endpoint: Endpoint;
  persona: Persona;
  expected: Status;
}

/** Endpoints that take no token at all: their own table below. */
const AUTH_ENDPOINT_NAMES = [
  'POST /api/members',
  'POST /api/auth/login',
  'POST /api/auth/refresh',
  'POST /api/auth/logout',
];

const VERB = { GET: 'get', POST: 'post', PUT: 'put', DELETE: 'delete' } as const;
const nameOf = (e: Endpoint) => `${e.method} ${e.path}${e.variant ? ` [${e.variant}]` : ''}`;
const statusOf = (s: Status) => (typeof s === 'number' ? s : s[0]);

function cells(endpoints: Endpoint[], expectFor: (e: Endpoint, p: Persona) => Status): Cell[] {
  return endpoints.flatMap((endpoint) =>
    PERSONAS.map((persona) => {
      const expected = expectFor(endpoint, persona);
      return {
        name: `${nameOf(endpoint)} as ${persona} → ${statusOf(expected)}`,
        endpoint,
        persona,
        expected,
      };
    }),
  );
}

/** The error code a refusal carries when the row does not name one. */
function codeOf(expected: Status, endpoint: Endpoint): ErrorCode | undefined {
  if (typeof expected !== 'number') return expected[1];
  if (expected === 401) return 'UNAUTHENTICATED';
  if (expected === 403) return 'FORBIDDEN';
  if (expected === 404) return endpoint.hiddenAs;
  return undefined;
}

const PUBLIC_CELLS = cells(ENDPOINTS, (e, p) => e.expect[PERSONAS.indexOf(p)]!);

/**
 * A private community: whoever is not in it gets 404 for it, its threads, its messages and its
 * grants, reads and writes alike (existence is not revealed); an anonymous write is refused
 * earlier, for want of a token, with the 401 an unknown id would get too. Members, moderators
 * and the owner keep the rights of the public table.
 */
const PRIVATE_CELLS = cells(
  ENDPOINTS.filter((e) => e.hiddenAs !== undefined),
  (e, p) => {
    if (p === 'other') return [404, e.hiddenAs!];
    if (p === 'anonymous') return e.method === 'GET' ? [404, e.hiddenAs!] : 401;
    return e.expect[PERSONAS.indexOf(p)]!;
  },
);

describe.each(storeKinds())('authorization matrix (%s store)', (kind) => {
  let h: ApiHarness;
  let cast: Cast;

  beforeAll(async () => {
    h = await openApi(kind);
    cast = await createCast(h.app);
  });
  afterAll(async () => {
    await h.close();
  });

  async function call(cell: Cell, f: CommunityFixture): Promise<Response> {
    const { endpoint } = cell;
    const method = VERB[endpoint.method];
    const req = request(h.app)
      [method](endpoint.url(f))
      .set(headersOf(personaMember(f, cell.persona)));
    return endpoint.body ? req.send(endpoint.body(f)) : req;
  }

  function expectCell(res: Response, cell: Cell): void {
    const code = codeOf(cell.expected, cell.endpoint);
    if (code) expectError(res, statusOf(cell.expected), code);
    else expectStatus(res, statusOf(cell.expected));
  }

  describe.each([
    { visibility: 'public', isPublic: true, table: PUBLIC_CELLS },
    { visibility: 'private', isPublic: false, table: PRIVATE_CELLS },
  ])('on a $visibility community', ({ isPublic, table }) => {
    // Cells that leave the fixture as they found it share one.
    let shared: CommunityFixture;
    beforeAll(async () => {
      shared = await buildFixture(h.app, cast, { isPublic, newMember: false });
    });

    it.each(table)('$name', async (cell) => {
      const { changes } = cell.endpoint;
      const f =
        changes && statusOf(cell.expected) < 300
          ? await buildFixture(h.app, cast, { isPublic, newMember: changes === 'member' })
          : shared;
      expectCell(await call(cell, f), cell);
    });
  });

  it('covers every route the API serves', () => {
    const served = apiRoutes(
      createServices(h.repos, h.events, {
        tokens: testTokenService(),
        hasher: new PasswordHasher(10),
        refreshTtlSeconds: 60,
      }),
    ).map((r) => `${r.method.toUpperCase()} /api${r.path}`);
    const tabled = [...ENDPOINTS.map((e) => `${e.method} ${e.path}`), ...AUTH_ENDPOINT_NAMES];

    expect(new Set(tabled)).toEqual(new Set(served));
  });

  describe('sign-up, login, refresh and logout ignore the Authorization header', () => {
    type Header = 'none' | 'valid token' | 'garbage token';
    const HEADERS: Header[] = ['none', 'valid token', 'garbage token'];
    interface AuthEndpoint {
      name: string;
      send: (headers: Record<string, string>) => Promise<Response>;
      expected: number;
    }
    let member: { id: string; username: string };
    beforeAll(async () => {
      member = await createMember(h.app);
    });
    const headerOf = (header: Header) =>
      header === 'none'
        ? {}
        : header === 'valid token'
          ? authHeader(member)
          : { authorization: 'Bearer not.a.token' };
    const loginBody = () => ({ login: member.username, password: TEST_PASSWORD });
    const freshRefreshToken = async () =>
      (
        (await request(h.app).post('/api/auth/login').send(loginBody())).body as {
          refresh_token: string;
        }
      ).refresh_token;
    let signups = 0;

    const AUTH_ENDPOINTS: AuthEndpoint[] = [
      {
        name: 'POST /api/members',
        expected: 201,
        send: (headers) => {
          signups += 1;
          return request(h.app)
            .post('/api/members')
            .set(headers)
            .send({
              username: `signup_${signups}`,
              email: `signup_${signups}@example.com`,
              password: TEST_PASSWORD,
            });
        },
      },
      {
        name: 'POST /api/auth/login',
        expected: 200,
        send: (headers) => request(h.app).post('/api/auth/login').set(headers).send(loginBody()),
      },
      {
        name: 'POST /api/auth/refresh',
        expected: 200,
        send: async (headers) =>
          request(h.app)
            .post('/api/auth/refresh')
            .set(headers)
            .send({ refresh_token: await freshRefreshToken() }),
      },
      {
        name: 'POST /api/auth/logout',
        expected: 204,
        send: async (headers) =>
          request(h.app)
            .post('/api/auth/logout')
            .set(headers)
            .send({ refresh_token: await freshRefreshToken() }),
      },
    ];
    const table = AUTH_ENDPOINTS.flatMap((endpoint) =>
      HEADERS.map((header) => ({
        name: `${endpoint.name} with ${header} → ${endpoint.expected}`,
        endpoint,
        header,
      })),
    );

    it.each(table)('$name', async ({ endpoint, header }) => {
      expectStatus(await endpoint.send(headerOf(header)), endpoint.expected);
    });

    it('while any other endpoint refuses the same garbage token (the control)', async () => {
      expectStatus(await request(h.app).get('/api/communities'), 200);
      expectError(
        await request(h.app).get('/api/communities').set(headerOf('garbage token')),
        401,
        'UNAUTHENTICATED',
      );
    });
  });
});
