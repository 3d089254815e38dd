import {
  MongoBulkWriteError,
  MongoClient,
  MongoServerError,
  ObjectId,
  type Collection,
  type Db,
} from 'mongodb';
import {
  DuplicateKeyError,
  rethrowDuplicates,
  type DbId,
  type DocumentCollection,
  type DocumentDb,
  type Filter,
  type IndexSpec,
  type Sort,
  type Update,
} from '../document-db';
import type { Capability } from '../capabilities';
import { alternativesOf, union } from './alternatives';
import { detectMongoEngine } from './mongo-engine';

/**
 * MongoDB's duplicate-key error is code 11000. FerretDB 1.x reports a unique violation on
 * update as code 1 with SQLite's "UNIQUE constraint failed" text, so that is matched too.
 */
function isDuplicateKey(error: unknown): boolean {
  if (!(error instanceof MongoServerError)) return false;
  return error.code === 11000 || /UNIQUE constraint failed/.test(error.message);
}

/** In an ordered insertMany, the documents before the first failed one were written. */
function firstFailedIndex(error: unknown): number {
  if (!(error instanceof MongoBulkWriteError)) return 0;
  const failed = ([] as { index: number }[]).concat(
    error.writeErrors as { index: number } | { index: number }[],
  );
  return Math.min(...failed.map((e) => e.index));
}

const translate = <T>(work: Promise<T>): Promise<T> => rethrowDuplicates(work, isDuplicateKey);

class MongoCollection<D extends { _id: DbId }> implements DocumentCollection<D> {
  constructor(
    private readonly collection: Collection,
    /** The engine serves `$in` / `$or` by a scan: such finds go as one equality query each. */
    private readonly splitAlternatives: boolean,
  ) {}

  async insertOne(doc: D): Promise<void> {
    await translate(this.collection.insertOne(doc as never));
  }

  async insertMany(docs: D[]): Promise<void> {
    if (docs.length === 0) return;
    try {
      await this.collection.insertMany(docs as never[], { ordered: true });
    } catch (error) {
      if (isDuplicateKey(error)) throw new DuplicateKeyError(error, firstFailedIndex(error));
      throw error;
    }
  }

  findOne(filter: Filter): Promise<D | null> {
    return this.collection.findOne(filter) as Promise<D | null>;
  }

  async find(filter: Filter, options: { sort?: Sort; limit?: number } = {}): Promise<D[]> {
    const alternatives =
      this.splitAlternatives && options.limit === undefined ? alternativesOf(filter) : undefined;
    if (alternatives) {
      const answers = await Promise.all(alternatives.map((one) => this.findAll(one, options.sort)));
      return union(answers, options.sort);
    }
    return this.findAll(filter, options.sort, options.limit);
  }

  private findAll(filter: Filter, sort?: Sort, limit?: number): Promise<D[]> {
    let cursor = this.collection.find(filter);
    if (sort) cursor = cursor.sort(sort);
    if (limit !== undefined) cursor = cursor.limit(limit);
    return cursor.toArray() as unknown as Promise<D[]>;
  }

  count(filter: Filter): Promise<number> {
    return this.collection.countDocuments(filter);
  }

  findOneAndUpdate(filter: Filter, update: Update): Promise<D | null> {
    return translate(
      this.collection.findOneAndUpdate(filter, update, { returnDocument: 'after' }),
    ) as Promise<D | null>;
  }

  /**
   * Find, then delete by `_id`: only the caller whose delete removed the document gets it, and a
   * caller that lost the race tries the next match. Not the driver's findOneAndDelete, because
   * FerretDB 1.x (the CI server) hands one document to several concurrent callers.
   */
  async findOneAndDelete(filter: Filter): Promise<D | null> {
    for (;;) {
      const doc = await this.collection.findOne(filter);
      if (!doc) return null;
      const { deletedCount } = await this.collection.deleteOne({ _id: doc._id });
      if (deletedCount === 1) return doc as unknown as D;
    }
  }

  async deleteMany(filter: Filter): Promise<number> {
    return (await this.collection.deleteMany(filter)).deletedCount;
  }

  async ensureIndexes(specs: IndexSpec[]): Promise<void> {
    // Creating an identical index again is a no-op, so every start may call this. One index per
    // command: FerretDB 1.24 drops the connection when one command names several existing ones.
    for (const spec of specs) {
      await this.collection.createIndex(spec.key, {
        name: spec.name,
        unique: spec.unique ?? false,
      });
    }
  }
}

export class MongoDocumentDb implements DocumentDb {
  readonly kind = 'mongodb' as const;

  private constructor(
    private readonly client: MongoClient,
    private readonly db: Db,
    readonly engine: 'mongodb' | 'ferretdb',
    readonly capabilities: ReadonlySet<Capability>,
  ) {}

  /**
   * Connects, verifies the server answers and tells MongoDB from FerretDB; `dbName` overrides the
   * URL's database.
   */
  static async connect(url: string, dbName?: string): Promise<MongoDocumentDb> {
    const client = new MongoClient(url, {
      serverSelectionTimeoutMS: 5000,
      appName: 'communities-api',
    });
    await client.connect();
    const db = client.db(dbName);
    try {
      await db.command({ ping: 1 });
      const { engine, capabilities } = await detectMongoEngine(db);
      return new MongoDocumentDb(client, db, engine, capabilities);
    } catch (error) {
      await client.close();
      throw error;
    }
  }

  collection<D extends { _id: DbId }>(name: string): DocumentCollection<D> {
    return new MongoCollection<D>(this.db.collection(name), !this.capabilities.has('indexedIn'));
  }

  newId(): DbId {
    return new ObjectId();
  }

  toId(hex: string): DbId {
    return new ObjectId(hex);
  }

  async ping(): Promise<void> {
    await this.db.command({ ping: 1 }, { timeoutMS: 2000 });
  }

  /** Drops this database (tests only). */
  async dropDatabase(): Promise<void> {
    await this.db.dropDatabase();
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}
