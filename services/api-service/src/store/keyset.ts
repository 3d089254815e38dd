import { AppError, type Page } from '@communities/contracts';
import { z } from 'zod';
import { idToHex, type DbId, type DocumentDb, type Filter, type Sort } from './document-db';

/**
 * Keyset pagination shared by every list. A list is ordered by a few fields ending with `_id`;
 * the cursor is the last item's values of those fields, base64url-encoded. The next page is
 * "everything strictly after that position", which an index on the same fields serves without
 * skipping rows.
 */
export interface SortKey {
  field: string;
  direction: 1 | -1;
  type: 'id' | 'date' | 'boolean' | 'string' | 'number';
}

type CursorValue = string | number | boolean;
const CursorValues = z
  .array(z.union([z.string(), z.number(), z.boolean()]))
  .min(1)
  .max(8);

export function toSort(keys: SortKey[]): Sort {
  return Object.fromEntries(keys.map((k) => [k.field, k.direction]));
}

function encodeValue(value: unknown, key: SortKey): CursorValue {
  if (key.type === 'date') return (value as Date).toISOString();
  if (key.type === 'id') return idToHex(value as DbId);
  return value as CursorValue;
}

export function encodeCursor(doc: Record<string, unknown>, keys: SortKey[]): string {
  const values = keys.map((key) => encodeValue(doc[key.field], key));
  return Buffer.from(JSON.stringify(values)).toString('base64url');
}

function invalidCursor(): AppError {
  return new AppError('INVALID_CURSOR', 'cursor is not one returned by this list');
}

function decodeValue(value: CursorValue, key: SortKey, db: DocumentDb): unknown {
  switch (key.type) {
    case 'date': {
      const date = typeof value === 'string' ? new Date(value) : new Date(NaN);
      if (Number.isNaN(date.getTime())) throw invalidCursor();
      return date;
    }
    case 'id':
      if (typeof value !== 'string' || !/^[0-9a-f]{24}$/.test(value)) throw invalidCursor();
      return db.toId(value);
    case 'boolean':
    case 'string':
    case 'number':
      if (typeof value !== key.type) throw invalidCursor();
      return value;
  }
}

export function decodeCursor(cursor: string, keys: SortKey[], db: DocumentDb): unknown[] {
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalidCursor();
  }
  const parsed = CursorValues.safeParse(raw);
  if (!parsed.success || parsed.data.length !== keys.length) throw invalidCursor();
  return parsed.data.map((value, i) => decodeValue(value, keys[i]!, db));
}

/**
 * The filter for "strictly after `values` in the order of `keys`":
 * (k1 after v1) OR (k1 = v1 AND k2 after v2) OR ... Booleans are expressed by equality, since
 * not every engine orders booleans with $lt/$gt.
 */
function afterFilter(keys: SortKey[], values: unknown[]): Filter {
  const branches: Filter[] = [];
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    const prefix: Filter = {};
    for (let j = 0; j < i; j++) prefix[keys[j]!.field] = values[j];
    const value = values[i];
    if (key.type === 'boolean') {
      // Only one boolean follows another: false after true (descending), true after false.
      const hasNext = key.direction === -1 ? value === true : value === false;
      if (hasNext) branches.push({ ...prefix, [key.field]: !value });
      continue;
    }
    branches.push({ ...prefix, [key.field]: { [key.direction === 1 ? '$gt' : '$lt']: value } });
  }
  return branches.length === 1 ? branches[0]! : { $or: branches };
}

export interface PageRequest {
  limit: number;
  cursor?: string | undefined;
}

/** Runs one keyset page over `collection`: fetches limit + 1 rows to know whether more follow. */
export async function findPage<D extends { _id: DbId }, T>(
  db: DocumentDb,
  find: (filter: Filter, options: { sort: Sort; limit: number }) => Promise<D[]>,
  base: Filter,
  keys: SortKey[],
  page: PageRequest,
  map: (doc: D) => T,
): Promise<Page<T>> {
  const filter = page.cursor
    ? { $and: [base, afterFilter(keys, decodeCursor(page.cursor, keys, db))] }
    : base;
  const docs = await find(filter, { sort: toSort(keys), limit: page.limit + 1 });
  const hasMore = docs.length > page.limit;
  const items = hasMore ? docs.slice(0, page.limit) : docs;
  const last = items[items.length - 1];
  return {
    items: items.map(map),
    next_cursor: hasMore && last ? encodeCursor(last, keys) : null,
  };
}

/** A case-insensitive literal-substring matcher for search (user text is never a regex). */
export function containsInsensitive(text: string): RegExp {
  return new RegExp(text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'i');
}
