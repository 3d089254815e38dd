import type { DocumentDb } from '../../../src/store/document-db';

/** A document of the conformance collections: string ids, so results cross process boundaries. */
export type RawDoc = { _id: string } & Record<string, unknown>;
export type RawFilter = Record<string, unknown>;
export type RawUpdate = Record<string, Record<string, unknown>>;

/** How an index or a plan answered `explain`, in the engine's own words. */
export interface Explained {
  indexed: boolean;
  plan: string;
}

/**
 * An engine's own operations, as MongoDB names them: the official driver on MongoDB and
 * FerretDB, a NeDB Datastore embedded. The conformance suite measures these, not the port,
 * since the port's adapters make up for some that an engine lacks. Unique-index violations
 * reject with the port's DuplicateKeyError.
 */
export interface RawOps {
  /** What answers, e.g. `FerretDB v1.24.2, MongoDB 7.0.42 wire protocol`. */
  readonly server: string;
  createIndex(collection: string, key: Record<string, 1>, unique: boolean): Promise<void>;
  insertOne(collection: string, doc: RawDoc): Promise<void>;
  /** An ordered insert: how many were written, and the error that stopped it, if any. */
  insertMany(collection: string, docs: RawDoc[]): Promise<{ written: number; error?: unknown }>;
  /** Whether a document matched, or one was inserted by `upsert`. */
  updateOne(
    collection: string,
    filter: RawFilter,
    update: RawUpdate,
    options?: { upsert?: boolean },
  ): Promise<{ matched: boolean; upserted: boolean }>;
  /** NeDB returns the document after the update only. */
  readonly returnsBefore: boolean;
  findOneAndUpdate(
    collection: string,
    filter: RawFilter,
    update: RawUpdate,
    returnDocument: 'before' | 'after',
  ): Promise<RawDoc | null>;
  /** Null where the engine has no such operation. */
  readonly findOneAndDelete:
    ((collection: string, filter: RawFilter) => Promise<RawDoc | null>) | null;
  find(collection: string, filter: RawFilter): Promise<RawDoc[]>;
  /** Null where the engine cannot say how it serves a query. */
  readonly explain: ((collection: string, filter: RawFilter) => Promise<Explained>) | null;
  /**
   * Inserts `docs` (each into its collection) in one transaction, then commits it or aborts it.
   * Null where the engine has no transactions API at all.
   */
  readonly transaction:
    | ((docs: { collection: string; doc: RawDoc }[], outcome: 'commit' | 'abort') => Promise<void>)
    | null;
  close(): Promise<void>;
}

/** What a workload runs with in each source: the engine's own operations and the port on it. */
export interface SourceContext {
  raw: RawOps;
  port: DocumentDb;
  /** 0, 1, …: which of the concurrent sources this is. */
  source: number;
}
