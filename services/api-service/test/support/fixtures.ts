import {
  Community,
  DomainEvent,
  ErrorBody,
  Member,
  Message,
  Thread,
  TokenPair,
  type ErrorCode,
} from '@communities/contracts';
import request, { type Response } from 'supertest';
import type { ApiHarness } from './api-harness';

/**
 * Builders for the HTTP suites: every entity is made through the API itself, and each response is
 * parsed with its contract schema, so a builder fails loudly when a create endpoint breaks.
 */
type App = ApiHarness['app'];

/** Unique within a test file (jest gives each file its own module registry). */
let sequence = 0;
function next(): number {
  sequence += 1;
  return sequence;
}

/** A 24-hex id that no store will ever hand out in a test (ids there start with the time). */
export const UNKNOWN_ID = '000000000000000000000000';
export const MALFORMED_ID = 'not-an-id';

/** Fails with the response body in the message, which is what one needs to see when it fails. */
export function expectStatus(res: Response, status: number): void {
  if (res.status !== status) {
    throw new Error(
      `expected HTTP ${status}, got ${res.status} for ${res.request.method} ${res.request.url}: ` +
        JSON.stringify(res.body),
    );
  }
}

/**
 * Asserts a catalogue error: the status, the contract's `ErrorBody` shape, the code, and a
 * `request_id` equal to the `X-Request-Id` response header. Returns the parsed body.
 */
export function expectError(res: Response, status: number, code: ErrorCode): ErrorBody {
  expectStatus(res, status);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  const body = ErrorBody.parse(res.body);
  expect(body.error.code).toBe(code);
  expect(res.headers['x-request-id']).toEqual(expect.any(String));
  expect(body.error.request_id).toBe(res.headers['x-request-id']);
  return body;
}

/** A 400 VALIDATION_FAILED whose details name exactly these paths (order ignored). */
export function expectValidationError(res: Response, paths: string[]): ErrorBody {
  const body = expectError(res, 400, 'VALIDATION_FAILED');
  const actual = (body.error.details ?? []).map((d) => d.path);
  expect([...new Set(actual)].sort()).toEqual([...paths].sort());
  return body;
}

export const TEST_PASSWORD = 'correct horse battery staple';

/** Access tokens of the members this file created, by member id. */
const accessTokens = new Map<string, string>();

/** `Authorization` header of a member made by `createMember` (throws for anyone else). */
export function authHeader(member: string | { id: string }): { authorization: string } {
  const id = typeof member === 'string' ? member : member.id;
  const token = accessTokens.get(id);
  if (!token) throw new Error(`no access token for member ${id}: create them with createMember`);
  return { authorization: `Bearer ${token}` };
}

export async function login(app: App, loginName: string, password = TEST_PASSWORD) {
  const res = await request(app).post('/api/auth/login').send({ login: loginName, password });
  expectStatus(res, 200);
  return TokenPair.parse(res.body);
}

/** Signs a member up and logs them in; their token is then used by every builder below. */
export async function createMember(app: App, overrides: Record<string, unknown> = {}) {
  const n = next();
  const res = await request(app)
    .post('/api/members/')
    .send({
      username: `member_${n}`,
      email: `member_${n}@example.com`,
      password: TEST_PASSWORD,
      ...overrides,
    });
  expectStatus(res, 201);
  const member = Member.parse(res.body);
  const tokens = await login(app, member.username, (overrides.password as string) ?? TEST_PASSWORD);
  accessTokens.set(member.id, tokens.access_token);
  return member;
}

export async function createCommunity(
  app: App,
  createdBy: string,
  overrides: Record<string, unknown> = {},
) {
  const res = await request(app)
    .post('/api/communities/')
    .set(authHeader(createdBy))
    .send({ name: `Community ${next()}`, created_by: createdBy, ...overrides });
  expectStatus(res, 201);
  return Community.parse(res.body);
}

export async function createThread(
  app: App,
  communityId: string,
  createdBy: string,
  overrides: Record<string, unknown> = {},
) {
  const res = await request(app)
    .post(`/api/threads/community/${communityId}`)
    .set(authHeader(createdBy))
    .send({ title: `Thread ${next()}`, created_by: createdBy, ...overrides });
  expectStatus(res, 201);
  return Thread.parse(res.body);
}

export async function postMessage(
  app: App,
  threadId: string,
  author: string,
  overrides: Record<string, unknown> = {},
) {
  const res = await request(app)
    .post(`/api/messages/thread/${threadId}`)
    .set(authHeader(author))
    .send({ content: `Message ${next()}`, author, ...overrides });
  expectStatus(res, 201);
  return Message.parse(res.body);
}

export async function joinCommunity(app: App, communityId: string, memberId: string) {
  const res = await request(app)
    .post(`/api/communities/${communityId}/join`)
    .set(authHeader(memberId))
    .send({ member_id: memberId });
  expectStatus(res, 200);
  return res.body as { changed: boolean; member_count: number };
}

/** A member who owns a community (and so is its first member). */
export async function seedCommunity(app: App) {
  const owner = await createMember(app);
  const community = await createCommunity(app, owner.id);
  return { owner, community };
}

/** A member, their community, and a thread in it. */
export async function seedThread(app: App) {
  const { owner, community } = await seedCommunity(app);
  const thread = await createThread(app, community.id, owner.id);
  return { owner, community, thread };
}

/** GET as anonymous, or as `viewer` (a member made by createMember). */
export async function getJson(app: App, path: string, status = 200, viewer?: string) {
  const res = await request(app)
    .get(path)
    .set(viewer ? authHeader(viewer) : {});
  expectStatus(res, status);
  return res.body as unknown;
}

/**
 * Follows `next_cursor` from the first page to the last; returns each page's items. Stops with an
 * error rather than looping if a list never ends.
 */
export async function readAllPages<T extends { id: string }>(
  app: App,
  path: string,
  maxPages = 50,
): Promise<T[][]> {
  const pages: T[][] = [];
  let cursor: string | null = null;
  do {
    const separator = path.includes('?') ? '&' : '?';
    const url = cursor ? `${path}${separator}cursor=${encodeURIComponent(cursor)}` : path;
    const body = (await getJson(app, url)) as { items: T[]; next_cursor: string | null };
    pages.push(body.items);
    cursor = body.next_cursor;
    if (pages.length > maxPages) throw new Error(`${path} did not end within ${maxPages} pages`);
  } while (cursor !== null);
  return pages;
}

/** Every event published since the last call, each checked against the contracts' DomainEvent. */
export function takeEvents(harness: Pick<ApiHarness, 'events'>): DomainEvent[] {
  return harness.events.events.splice(0).map((event) => DomainEvent.parse(event));
}

/**
 * Waits until the clock has moved past the current millisecond, so the next write gets a strictly
 * later timestamp than every earlier one (orderings by time are then unambiguous; no assertion
 * ever depends on how long anything took).
 */
export async function nextMillisecond(): Promise<void> {
  const now = Date.now();
  while (Date.now() <= now) await new Promise((resolve) => setTimeout(resolve, 1));
}

// --- community/member helpers ---

/** Deactivates a member with their own token (their tokens stop working at once). */
export async function deactivateMember(app: App, memberId: string): Promise<void> {
  const res = await request(app).delete(`/api/members/${memberId}`).set(authHeader(memberId));
  expectStatus(res, 204);
}

/** `by` (owner or moderator) invites `memberId` to the community. */
export async function inviteMember(app: App, communityId: string, by: string, memberId: string) {
  const res = await request(app)
    .post(`/api/communities/${communityId}/invitations`)
    .set(authHeader(by))
    .send({ member_id: memberId });
  expectStatus(res, 201);
  return res.body as { community_id: string; member_id: string; invited_by: string };
}

/** `by` (owner or moderator) makes `memberId`, already a member, a moderator. */
export async function makeModerator(app: App, communityId: string, by: string, memberId: string) {
  const res = await request(app)
    .put(`/api/communities/${communityId}/moderators/${memberId}`)
    .set(authHeader(by));
  expectStatus(res, 200);
  return res.body as { role: string };
}

/** A member who owns a private community (its only member). */
export async function seedPrivateCommunity(app: App) {
  const owner = await createMember(app);
  const community = await createCommunity(app, owner.id, { is_public: false });
  return { owner, community };
}

/** Invites `memberId` to a (private) community and has them join it. */
export async function inviteAndJoin(app: App, communityId: string, by: string, memberId: string) {
  await inviteMember(app, communityId, by, memberId);
  return joinCommunity(app, communityId, memberId);
}

// --- thread/message helpers ---

/** A 401 UNAUTHENTICATED with the Bearer challenge every 401 carries. */
export function expectUnauthenticated(res: Response): ErrorBody {
  const body = expectError(res, 401, 'UNAUTHENTICATED');
  expect(res.headers['www-authenticate']).toMatch(/^Bearer /);
  return body;
}

/** A new member who has joined the (public) community. */
export async function createJoinedMember(app: App, communityId: string) {
  const member = await createMember(app);
  await joinCommunity(app, communityId, member.id);
  return member;
}

/** A private community with its owner (its only member) and a thread the owner started in it. */
export async function seedPrivateThread(app: App) {
  const { owner, community } = await seedPrivateCommunity(app);
  const thread = await createThread(app, community.id, owner.id);
  return { owner, community, thread };
}

// --- delivery helpers (sequence numbers, idempotent posts) ---

/**
 * Posts `body` (default content included) as `author` with an idempotency key, sent as
 * `client_msg_id` in the body or as the `Idempotency-Key` header; returns the raw response.
 */
export function postWithKey(
  app: App,
  threadId: string,
  author: string,
  key: string,
  body: Record<string, unknown> = {},
  via: 'body' | 'header' = 'body',
) {
  const req = request(app).post(`/api/messages/thread/${threadId}`).set(authHeader(author));
  return via === 'body'
    ? req.send({ content: 'keyed message', ...body, client_msg_id: key })
    : req.set('Idempotency-Key', key).send({ content: 'keyed message', ...body });
}

/** Every message of the thread after `afterSeq`, following `next_cursor` page by page. */
export async function messagesAfterSeq(
  app: App,
  threadId: string,
  afterSeq: number,
  limit = 50,
): Promise<Message[]> {
  const pages = await readAllPages<Message>(
    app,
    `/api/messages/thread/${threadId}?after_seq=${afterSeq}&limit=${limit}`,
  );
  return pages.flat().map((message) => Message.parse(message));
}

/** The sum of a metric's series on `/metrics` (0 while none exists), e.g. `events_outbox_pending`. */
export async function metricValue(app: App, name: string): Promise<number> {
  const res = await request(app).get('/metrics');
  expectStatus(res, 200);
  return res.text
    .split('\n')
    .filter((line) => line.startsWith(`${name} `) || line.startsWith(`${name}{`))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}
