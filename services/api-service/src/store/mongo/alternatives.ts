import type { Filter, Sort } from '../document-db';

/** More alternatives than this go to the server as one query whatever the engine. */
export const MAX_ALTERNATIVES = 100;

/**
 * For an engine without `indexedIn` (it answers `$in` and `$or` by scanning the collection): the
 * equality queries a filter is the union of, each served by an index — `{ f: { $in: [a, b] }, g }`
 * is `{ f: a, g }` ∪ `{ f: b, g }`, and `{ $or: [x, y] }` is `x` ∪ `y`. Undefined when the filter
 * is not of either shape (or has too many alternatives): then it goes to the server as it is.
 */
export function alternativesOf(filter: Filter): Filter[] | undefined {
  const keys = Object.keys(filter);
  if (keys.length === 1 && keys[0] === '$or' && Array.isArray(filter.$or)) {
    const branches = filter.$or as Filter[];
    return branches.length <= MAX_ALTERNATIVES && branches.every(isPlainEquality)
      ? branches
      : undefined;
  }
  const inFields = keys.filter((key) => isInClause(filter[key]));
  if (inFields.length !== 1) return undefined;
  const field = inFields[0]!;
  const values = (filter[field] as { $in: unknown[] }).$in;
  const rest = { ...filter };
  delete rest[field];
  if (values.length > MAX_ALTERNATIVES || !isPlainEquality(rest)) return undefined;
  return values.map((value) => ({ ...rest, [field]: value }));
}

/** The union of the alternatives' answers: each document once, in `sort` order if one is given. */
export function union<D extends { _id: unknown }>(answers: D[][], sort?: Sort): D[] {
  const seen = new Map<string, D>();
  for (const doc of answers.flat()) seen.set(String(doc._id), doc);
  const docs = [...seen.values()];
  if (sort) docs.sort((a, b) => compareBy(a, b, sort));
  return docs;
}

function isInClause(value: unknown): boolean {
  return (
    typeof value === 'object' &&
    value !== null &&
    Object.keys(value).length === 1 &&
    Array.isArray((value as { $in?: unknown }).$in)
  );
}

/** Only field: value pairs, no operator anywhere at the top. */
function isPlainEquality(filter: Filter): boolean {
  return Object.entries(filter).every(
    ([key, value]) =>
      !key.startsWith('$') &&
      (typeof value !== 'object' || value === null || value instanceof Date || isId(value)),
  );
}

function isId(value: object): boolean {
  return typeof (value as { toHexString?: unknown }).toHexString === 'function';
}

function compareBy(a: object, b: object, sort: Sort): number {
  for (const [field, direction] of Object.entries(sort)) {
    const [x, y] = [
      comparable((a as Record<string, unknown>)[field]),
      comparable((b as Record<string, unknown>)[field]),
    ];
    if (x < y) return -direction;
    if (x > y) return direction;
  }
  return 0;
}

function comparable(value: unknown): number | string {
  if (value instanceof Date) return value.getTime();
  if (typeof value === 'number') return value;
  if (typeof value === 'object' && value !== null && isId(value)) {
    return (value as { toHexString(): string }).toHexString();
  }
  return String(value);
}
