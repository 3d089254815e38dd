import {
  Community,
  DomainEvent,
  ErrorBody,
  Member,
  Message,
  Thread,
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

export async function createMember(app: App, overrides: Record<string, unknown> = {}) {
  const n = next();
  const res = await request(app)
    .post('/api/members/')
    .send({ username: `member_${n}`, email: `member_${n}@example.com`, ...overrides });
  expectStatus(res, 201);
  return Member.parse(res.body);
}

export async function createCommunity(
  app: App,
  createdBy: string,
  overrides: Record<string, unknown> = {},
) {
  const res = await request(app)
    .post('/api/communities/')
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
    .send({ content: `Message ${next()}`, author, ...overrides });
  expectStatus(res, 201);
  return Message.parse(res.body);
}

export async function joinCommunity(app: App, communityId: string, memberId: string) {
  const res = await request(app)
    .post(`/api/communities/${communityId}/join`)
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

export async function getJson(app: App, path: string, status = 200) {
  const res = await request(app).get(path);
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
