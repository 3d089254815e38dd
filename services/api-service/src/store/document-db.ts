/**
 * The storage port. Repositories are written once against this small document API, in the subset
 * of MongoDB's query language that every engine here supports (FerretDB 1.x and NeDB included:
 * no transactions, no aggregation accumulators, no collation). Two engines implement it:
 * `mongo/` (the official driver) and `embedded/` (NeDB files on disk or in memory), so the
 * embedded default behaves like MongoDB by construction, and one contract suite checks both.
 * Which MongoDB primitives each engine really has (FerretDB loses concurrent updates) is declared
 * in capabilities.ts and exposed here as `engine` and `capabilities`.
 */
import type { Capability, Engine } from './capabilities';

/** An engine's native `_id` value (ObjectId in MongoDB, its hex string in the embedded store). */
export type DbId = string | { toHexString(): string };

export type Filter = Record<string, unknown>;
export type Sort = Record<string, 1 | -1>;
export interface Update {
  $set?: Record<string, unknown>;
  $inc?: Record<string, number>;
  /** Sets the field only if the new value is greater (keeps timestamps from moving back). */
  $max?: Record<string, unknown>;
}

export interface IndexSpec {
  name: string;
  key: Record<string, 1 | -1>;
  unique?: boolean;
}

/** Thrown by writes that would break a unique index. Engines do not reliably say which one. */
export class DuplicateKeyError extends Error {
  /**
   * @param inserted for `insertMany`: how many of the documents, from the first, were written
   *   before the one that broke the index (those after it were not attempted).
   */
  constructor(
    cause?: unknown,
    readonly inserted = 0,
  ) {
    super('duplicate key', { cause });
    this.name = 'DuplicateKeyError';
  }
}

/** Runs an engine call, turning the engine's unique-index violation into a DuplicateKeyError. */
export async function rethrowDuplicates<T>(
  work: Promise<T>,
  isDuplicate: (error: unknown) => boolean,
): Promise<T> {
  try {
    return await work;
  } catch (error) {
    if (isDuplicate(error)) throw new DuplicateKeyError(error);
    throw error;
  }
}

export interface DocumentCollection<D extends { _id: DbId }> {
  insertOne(doc: D): Promise<void>;
  /**
   * Inserts in order, stopping at the first document that breaks a unique index: a
   * DuplicateKeyError then says how many were written before it. One round trip on MongoDB.
   */
  insertMany(docs: D[]): Promise<void>;
  findOne(filter: Filter): Promise<D | null>;
  find(filter: Filter, options?: { sort?: Sort; limit?: number }): Promise<D[]>;
  count(filter: Filter): Promise<number>;
  /** Atomically updates the first match and returns it as it is after the update; null if none. */
  findOneAndUpdate(filter: Filter, update: Update): Promise<D | null>;
  /** Atomically removes the first match and returns it; null if none (so only one caller wins). */
  findOneAndDelete(filter: Filter): Promise<D | null>;
  deleteMany(filter: Filter): Promise<number>;
  ensureIndexes(specs: IndexSpec[]): Promise<void>;
}

export interface DocumentDb {
  readonly kind: 'mongodb' | 'embedded';
  /** The engine behind the port: FerretDB answers on MongoDB's wire protocol too. */
  readonly engine: Engine;
  /** The MongoDB primitives this engine has (capabilities.ts declares them per engine). */
  readonly capabilities: ReadonlySet<Capability>;
  collection<D extends { _id: DbId }>(name: string): DocumentCollection<D>;
  newId(): DbId;
  /** Converts a validated 24-hex id to the engine's `_id` value. */
  toId(hex: string): DbId;
  /** Throws when the engine cannot serve requests (readiness). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export function idToHex(id: DbId): string {
  return typeof id === 'string' ? id : id.toHexString();
}
