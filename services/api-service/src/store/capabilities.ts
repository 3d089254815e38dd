/**
 * The MongoDB primitives the repositories may rely on, and which engine has which. This is the
 * one place they are declared: the DocumentDb port exposes them (`engine`, `capabilities`), and
 * test/store/conformance measures every engine against this list, failing where an engine lacks
 * a capability it is declared to have.
 *
 * A capability is a guarantee of the engine's own operation: the driver's call on MongoDB and
 * FerretDB, NeDB's on the embedded store. Where an engine lacks one, it is not a MongoDB stand-in
 * for it. An adapter may make up for a lacking operation the port offers (the Mongo adapter's
 * findOneAndDelete, the NeDB adapter's insertMany); what the port itself promises on every
 * engine is documented in document-db.ts.
 */
export const CAPABILITIES = {
  atomicSingleDocumentUpdates:
    'concurrent $inc / $set / $push / $max on one document all apply: none is lost',
  atomicFindOneAndUpdate:
    'concurrent findOneAndUpdate calls each get a distinct before/after document; a filter on the field being updated matches for one caller only',
  atomicFindOneAndDelete: 'concurrent findOneAndDelete calls hand each document to one caller',
  uniqueIndexInserts:
    'a unique index arbitrates racing inserts: one insert of a key succeeds, every other gets a duplicate-key error',
  upsertOnUniqueIndex:
    'concurrent upserts of one key on a unique index insert one document and update it for the others, without a duplicate-key error',
  orderedInsertManyStopsAtFirstDuplicate:
    'an ordered insertMany writes the documents before the first duplicate and none after it',
  indexedIn: 'a $in filter on an indexed field is served by the index, not by a collection scan',
  transactions: 'multi-document transactions commit or abort as one',
} as const satisfies Record<string, string>;

export type Capability = keyof typeof CAPABILITIES;

export const ALL_CAPABILITIES = Object.keys(CAPABILITIES) as readonly Capability[];

/**
 * `mongodb`: MongoDB proper, the production engine. `ferretdb`: FerretDB 1.x, a wire-level
 * stand-in (the CI and local test server). `embedded`: NeDB in one process.
 */
export type Engine = 'mongodb' | 'ferretdb' | 'embedded';

/** What each engine lacks, and why. It has every capability not listed. */
export const LACKING: Readonly<Record<Engine, Partial<Record<Capability, string>>>> = {
  mongodb: {
    transactions: 'only on a replica set or a sharded cluster, not on a standalone server',
  },
  ferretdb: {
    atomicSingleDocumentUpdates:
      'an update reads, modifies and writes the document back without isolation: concurrent updates lose writes',
    atomicFindOneAndUpdate:
      'read, modify, write back without isolation: concurrent callers get the same document',
    atomicFindOneAndDelete:
      'concurrent callers are handed the same document (the Mongo adapter finds, then deletes by _id)',
    upsertOnUniqueIndex:
      'the losers of an upsert race get a duplicate-key error instead of updating',
    indexedIn: 'filters are not pushed down to SQLite: every find scans the collection',
    transactions: 'not implemented',
  },
  embedded: {
    atomicFindOneAndDelete:
      'NeDB has no such operation (the adapter finds, then removes by _id on the same queue)',
    orderedInsertManyStopsAtFirstDuplicate:
      "NeDB's array insert is all or nothing (the adapter inserts one by one)",
    transactions: 'NeDB has none',
  },
};

/**
 * The capabilities `engine` is declared to have. `replicaSet`: the MongoDB server is a replica set
 * member or a mongos, the topologies with transactions.
 */
export function declaredCapabilities(
  engine: Engine,
  topology: { replicaSet?: boolean } = {},
): ReadonlySet<Capability> {
  const lacking = LACKING[engine];
  return new Set(
    ALL_CAPABILITIES.filter(
      (capability) =>
        !(capability in lacking) ||
        (engine === 'mongodb' && capability === 'transactions' && topology.replicaSet === true),
    ),
  );
}
