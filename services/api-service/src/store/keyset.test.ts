import { AppError } from '@communities/contracts';
import type { DocumentDb, Filter, Sort } from './document-db';
import {
  containsInsensitive,
  decodeCursor,
  encodeCursor,
  findPage,
  toSort,
  type SortKey,
} from './keyset';

/** Only `toId` matters to cursors; it wraps the hex so the tests see it was called. */
const db = { toId: (hex: string) => ({ engineId: hex }) } as unknown as DocumentDb;

const ID = 'a1b2c3d4e5f60718293a4b5c';
const LATER_ID = 'ffb2c3d4e5f60718293a4b5c';
const WHEN = new Date('2026-03-04T05:06:07.089Z');

const NEWEST: SortKey[] = [{ field: '_id', direction: -1, type: 'id' }];
const CHRONOLOGICAL: SortKey[] = [
  { field: 'created_at', direction: 1, type: 'date' },
  { field: '_id', direction: 1, type: 'id' },
];
const LISTING: SortKey[] = [
  { field: 'is_pinned', direction: -1, type: 'boolean' },
  { field: 'last_activity', direction: -1, type: 'date' },
  { field: '_id', direction: -1, type: 'id' },
];

const encode = (values: unknown): string =>
  Buffer.from(JSON.stringify(values)).toString('base64url');

interface Call {
  filter: Filter;
  options: { sort: Sort; limit: number };
}

/** Runs findPage over `docs` as the engine's answer and records what it asked for. */
async function page(keys: SortKey[], cursor: string | undefined, docs: object[] = [], limit = 2) {
  const calls: Call[] = [];
  const result = await findPage(
    db,
    (filter, options) => {
      calls.push({ filter, options });
      return Promise.resolve(docs as { _id: string }[]);
    },
    { thread_id: 't' },
    keys,
    { limit, cursor },
    (doc) => doc._id,
  );
  return { result, calls };
}

function expectInvalidCursor(work: () => unknown): void {
  let thrown: unknown;
  try {
    work();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(AppError);
  expect((thrown as AppError).code).toBe('INVALID_CURSOR');
}

describe('keyset cursors', () => {
  it('round-trips id, date, boolean, string and number keys', () => {
    const keys: SortKey[] = [
      ...LISTING,
      { field: 'name', direction: 1, type: 'string' },
      { field: 'rank', direction: 1, type: 'number' },
    ];
    const doc = { is_pinned: true, last_activity: WHEN, _id: ID, name: 'ada', rank: 3 };
    const cursor = encodeCursor(doc, keys);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(cursor, keys, db)).toEqual([true, WHEN, { engineId: ID }, 'ada', 3]);
  });

  it('encodes an engine id object by its hex string', () => {
    const objectId = { toHexString: () => ID };
    const cursor = encodeCursor({ _id: objectId }, NEWEST);
    expect(JSON.parse(Buffer.from(cursor, 'base64url').toString())).toEqual([ID]);
  });

  it.each([
    ['not base64 JSON', 'not-a-cursor'],
    ['empty', '%%%'],
    ['an object', encode({ 0: ID })],
    ['an empty array', encode([])],
    ['too many values', encode(Array.from({ length: 9 }, () => ID))],
    ['fewer values than keys', encode([WHEN.toISOString()])],
    ['more values than keys', encode([WHEN.toISOString(), ID, ID])],
    ['a nested value', encode([[WHEN.toISOString()], ID])],
    ['a null value', encode([null, ID])],
    ['a date that is a number', encode([WHEN.getTime(), ID])],
    ['a date that does not parse', encode(['yesterday', ID])],
    ['an id that is too short', encode([WHEN.toISOString(), ID.slice(1)])],
    ['an id in upper case', encode([WHEN.toISOString(), ID.toUpperCase()])],
    ['an id that is a number', encode([WHEN.toISOString(), 12])],
  ])('rejects a cursor with %s as INVALID_CURSOR', (_, cursor) => {
    expectInvalidCursor(() => decodeCursor(cursor, CHRONOLOGICAL, db));
  });

  it('rejects values of the wrong type for boolean, string and number keys', () => {
    const keys: SortKey[] = [
      { field: 'flag', direction: 1, type: 'boolean' },
      { field: 'name', direction: 1, type: 'string' },
      { field: 'rank', direction: 1, type: 'number' },
    ];
    expect(decodeCursor(encode([false, 'a', 1]), keys, db)).toEqual([false, 'a', 1]);
    expectInvalidCursor(() => decodeCursor(encode(['false', 'a', 1]), keys, db));
    expectInvalidCursor(() => decodeCursor(encode([false, 1, 1]), keys, db));
    expectInvalidCursor(() => decodeCursor(encode([false, 'a', '1']), keys, db));
  });
});

describe('findPage', () => {
  it('asks for limit + 1 rows in key order, with the base filter alone on the first page', async () => {
    const { calls } = await page(LISTING, undefined);
    expect(calls).toEqual([
      {
        filter: { thread_id: 't' },
        options: { sort: { is_pinned: -1, last_activity: -1, _id: -1 }, limit: 3 },
      },
    ]);
    expect(toSort(CHRONOLOGICAL)).toEqual({ created_at: 1, _id: 1 });
  });

  it('returns no cursor when the engine has no row past the limit', async () => {
    const { result } = await page(NEWEST, undefined, [{ _id: LATER_ID }, { _id: ID }]);
    expect(result).toEqual({ items: [LATER_ID, ID], next_cursor: null });
  });

  it('drops the extra row and points the cursor at the last returned one', async () => {
    const extra = 'b'.repeat(24);
    const { result } = await page(NEWEST, undefined, [
      { _id: LATER_ID },
      { _id: ID },
      { _id: extra },
    ]);
    expect(result.items).toEqual([LATER_ID, ID]);
    expect(decodeCursor(result.next_cursor!, NEWEST, db)).toEqual([{ engineId: ID }]);
  });

  it('continues strictly after a single descending id', async () => {
    const { calls } = await page(NEWEST, encode([ID]));
    expect(calls[0]!.filter).toEqual({
      $and: [{ thread_id: 't' }, { _id: { $lt: { engineId: ID } } }],
    });
  });

  it('continues after a date, then after the id among equal dates', async () => {
    const { calls } = await page(CHRONOLOGICAL, encode([WHEN.toISOString(), ID]));
    expect(calls[0]!.filter).toEqual({
      $and: [
        { thread_id: 't' },
        {
          $or: [
            { created_at: { $gt: WHEN } },
            { created_at: WHEN, _id: { $gt: { engineId: ID } } },
          ],
        },
      ],
    });
  });

  it('continues from the pinned threads into the unpinned ones', async () => {
    const { calls } = await page(LISTING, encode([true, WHEN.toISOString(), ID]));
    expect(calls[0]!.filter).toEqual({
      $and: [
        { thread_id: 't' },
        {
          $or: [
            { is_pinned: false },
            { is_pinned: true, last_activity: { $lt: WHEN } },
            { is_pinned: true, last_activity: WHEN, _id: { $lt: { engineId: ID } } },
          ],
        },
      ],
    });
  });

  it('stays among the unpinned threads once past the pinned ones', async () => {
    const { calls } = await page(LISTING, encode([false, WHEN.toISOString(), ID]));
    expect(calls[0]!.filter).toEqual({
      $and: [
        { thread_id: 't' },
        {
          $or: [
            { is_pinned: false, last_activity: { $lt: WHEN } },
            { is_pinned: false, last_activity: WHEN, _id: { $lt: { engineId: ID } } },
          ],
        },
      ],
    });
  });

  it('orders an ascending boolean false before true', async () => {
    const keys: SortKey[] = [
      { field: 'flag', direction: 1, type: 'boolean' },
      { field: '_id', direction: 1, type: 'id' },
    ];
    const afterFalse = await page(keys, encode([false, ID]));
    expect(afterFalse.calls[0]!.filter).toEqual({
      $and: [
        { thread_id: 't' },
        { $or: [{ flag: true }, { flag: false, _id: { $gt: { engineId: ID } } }] },
      ],
    });
    const afterTrue = await page(keys, encode([true, ID]));
    expect(afterTrue.calls[0]!.filter).toEqual({
      $and: [{ thread_id: 't' }, { flag: true, _id: { $gt: { engineId: ID } } }],
    });
  });

  it('rejects a malformed cursor without querying the engine', async () => {
    const find = jest.fn(() => Promise.resolve([]));
    const run = findPage(
      db,
      find,
      {},
      CHRONOLOGICAL,
      { limit: 2, cursor: encode([1, ID]) },
      String,
    );
    await expect(run).rejects.toMatchObject({ code: 'INVALID_CURSOR' });
    expect(find).not.toHaveBeenCalled();
  });
});

describe('containsInsensitive', () => {
  it('matches a substring in any case', () => {
    expect(containsInsensitive('HeLLo').test('say hello there')).toBe(true);
    expect(containsInsensitive('bye').test('say hello there')).toBe(false);
  });

  it('matches regex metacharacters literally', () => {
    const text = String.raw`a.b*c+d?e^f$g{h}i(j)k|l[m]n\o`;
    expect(containsInsensitive(text).test(`x ${text} y`)).toBe(true);
    expect(containsInsensitive('a.b').test('axb')).toBe(false);
    expect(containsInsensitive('.*').test('anything')).toBe(false);
    expect(containsInsensitive('(').test('f(x)')).toBe(true);
  });
});
