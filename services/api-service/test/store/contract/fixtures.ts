import { randomBytes } from 'node:crypto';
import { AppError, type ErrorCode, type Page } from '@communities/contracts';
import type { MemberProfile, NewMember } from '../../../src/modules/members/member.repository';
import type { Repositories } from '../../../src/store/repositories';
import type { StoreHarness } from '../../support/api-harness';

export type OpenStore = () => Promise<StoreHarness>;

/**
 * A fresh, empty store for every test of the enclosing describe, closed (and on MongoDB dropped)
 * after it. Returns an accessor, since the store only exists once `beforeEach` has run.
 */
export function useStore(open: OpenStore): () => StoreHarness {
  let store: StoreHarness | undefined;
  beforeEach(async () => {
    store = await open();
  });
  afterEach(async () => {
    await store?.close();
    store = undefined;
  });
  return () => {
    if (!store) throw new Error('the store is opened in beforeEach');
    return store;
  };
}

/** A random 24-hex id, for references the repositories store without checking. */
export const hexId = (): string => randomBytes(12).toString('hex');

const T0 = Date.parse('2026-01-01T00:00:00.000Z');
/** A fixed point in time `seconds` after an arbitrary origin, so tests can create equal timestamps. */
export const at = (seconds: number): Date => new Date(T0 + seconds * 1000);

let memberSeq = 0;
export function newMember(overrides: Partial<NewMember> = {}): NewMember {
  memberSeq += 1;
  return {
    username: `member_${memberSeq}`,
    email: `member_${memberSeq}@example.com`,
    full_name: null,
    avatar_url: null,
    bio: null,
    ...overrides,
  };
}

/**
 * A stored password hash. Repositories keep it as given and never verify it (the PasswordHasher
 * does), so a fixed string in the hasher's format is enough here.
 */
export const PASSWORD_HASH = 'scrypt$10$c2FsdHNhbHRzYWx0c2FsdA==$aGFzaGhhc2hoYXNoaGFzaA==';

export function createMember(
  repos: Repositories,
  overrides: Partial<NewMember> = {},
): Promise<MemberProfile> {
  return repos.members.create(newMember(overrides), PASSWORD_HASH);
}

/** Resolves to the AppError `work` rejects with, failing the test on any other outcome. */
export async function expectAppError(work: Promise<unknown>, code: ErrorCode): Promise<AppError> {
  const outcome = await work.then(
    (value: unknown) => ({ resolved: value }),
    (error: unknown) => ({ rejected: error }),
  );
  if (!('rejected' in outcome)) {
    throw new Error(`expected AppError ${code}, but it resolved to ${JSON.stringify(outcome)}`);
  }
  expect(outcome.rejected).toBeInstanceOf(AppError);
  expect((outcome.rejected as AppError).code).toBe(code);
  return outcome.rejected as AppError;
}

/**
 * Follows `next_cursor` from the first page to the last and returns every item in order, with the
 * number of pages. Stops with an error past `maxPages`, so a cursor that never ends fails fast.
 */
export async function readAllPages<T>(
  fetch: (cursor: string | undefined) => Promise<Page<T>>,
  maxPages = 50,
): Promise<{ items: T[]; pages: number }> {
  const items: T[] = [];
  let cursor: string | undefined;
  for (let pages = 1; pages <= maxPages; pages++) {
    const page = await fetch(cursor);
    items.push(...page.items);
    if (page.next_cursor === null) return { items, pages };
    cursor = page.next_cursor;
  }
  throw new Error(`still paging after ${maxPages} pages`);
}

export const ids = (items: { id: string }[]): string[] => items.map((item) => item.id);

/** Runs `n` copies of `work` at once (all started before any is awaited). */
export function concurrently<T>(n: number, work: (i: number) => Promise<T>): Promise<T[]> {
  return Promise.all(Array.from({ length: n }, (_, i) => work(i)));
}

export const countOf = <T>(values: T[], value: T): number =>
  values.filter((v) => v === value).length;
