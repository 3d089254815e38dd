import {
  MongoBulkWriteError,
  MongoClient,
  MongoServerError,
  type Db,
  type Document,
} from 'mongodb';
import { DuplicateKeyError } from '../../../src/store/document-db';
import type { Explained, RawDoc, RawFilter, RawOps, RawUpdate } from './raw-ops';

/** MongoDB says 11000; FerretDB on SQLite sometimes code 1 with SQLite's own words. */
function isDuplicateKey(error: unknown): boolean {
  return (
    error instanceof MongoServerError &&
    (error.code === 11000 || /UNIQUE constraint failed/.test(error.message))
  );
}

async function translated<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    throw isDuplicateKey(error) ? new DuplicateKeyError(error) : error;
  }
}

/** The stage names and SQLite plan lines of an explain answer, in document order. */
function planSteps(node: unknown, into: string[] = []): string[] {
  if (Array.isArray(node)) {
    for (const item of node) planSteps(item, into);
  } else if (typeof node === 'string') {
    into.push(node);
  } else if (node && typeof node === 'object') {
    const { stage, inputStage, inputStages, winningPlan, queryPlan, Plan } = node as Document;
    if (typeof stage === 'string') into.push(stage);
    for (const child of [winningPlan, queryPlan, inputStage, inputStages, Plan]) {
      if (child !== undefined) planSteps(child, into);
    }
  }
  return into;
}

/**
 * MongoDB: an IXSCAN in the winning plan. FerretDB answers with SQLite's query plan
 * (`SCAN x` or `SEARCH x USING INDEX …`) and whether it pushed the filter down at all.
 */
export function explainedPlan(answer: Document): Explained {
  const steps = planSteps((answer as { queryPlanner?: unknown }).queryPlanner);
  const indexed = steps.some((step) => step === 'IXSCAN' || /USING (COVERING )?INDEX/.test(step));
  const pushdown =
    'filterPushdown' in answer ? `, filterPushdown ${String(answer.filterPushdown)}` : '';
  return { indexed, plan: `${steps.join(' < ')}${pushdown}` };
}

export class MongoRawOps implements RawOps {
  readonly returnsBefore = true;

  private constructor(
    private readonly client: MongoClient,
    private readonly db: Db,
    readonly server: string,
  ) {}

  static async connect(url: string, dbName: string): Promise<MongoRawOps> {
    const client = await new MongoClient(url, { serverSelectionTimeoutMS: 5000 }).connect();
    const info = await client.db().admin().command({ buildInfo: 1 });
    const version = String(info.version);
    const server =
      'ferretdbVersion' in info
        ? `FerretDB ${String(info.ferretdbVersion)}, MongoDB ${version} wire protocol`
        : `MongoDB ${version}`;
    return new MongoRawOps(client, client.db(dbName), server);
  }

  async createIndex(collection: string, key: Record<string, 1>, unique: boolean): Promise<void> {
    await this.db.collection(collection).createIndex(key, { unique });
  }

  async insertOne(collection: string, doc: RawDoc): Promise<void> {
    await translated(this.db.collection<RawDoc>(collection).insertOne(doc));
  }

  async insertMany(
    collection: string,
    docs: RawDoc[],
  ): Promise<{ written: number; error?: unknown }> {
    try {
      const result = await this.db
        .collection<RawDoc>(collection)
        .insertMany(docs, { ordered: true });
      return { written: result.insertedCount };
    } catch (error) {
      if (!(error instanceof MongoBulkWriteError)) throw error;
      return { written: error.result.insertedCount, error };
    }
  }

  async updateOne(
    collection: string,
    filter: RawFilter,
    update: RawUpdate,
    options: { upsert?: boolean } = {},
  ): Promise<{ matched: boolean; upserted: boolean }> {
    const result = await translated(
      this.db.collection(collection).updateOne(filter, update, { upsert: options.upsert ?? false }),
    );
    return { matched: result.matchedCount > 0, upserted: result.upsertedCount > 0 };
  }

  findOneAndUpdate(
    collection: string,
    filter: RawFilter,
    update: RawUpdate,
    returnDocument: 'before' | 'after',
  ): Promise<RawDoc | null> {
    return translated(
      this.db.collection<RawDoc>(collection).findOneAndUpdate(filter, update, { returnDocument }),
    );
  }

  readonly findOneAndDelete = (collection: string, filter: RawFilter): Promise<RawDoc | null> =>
    this.db.collection<RawDoc>(collection).findOneAndDelete(filter);

  find(collection: string, filter: RawFilter): Promise<RawDoc[]> {
    return this.db.collection<RawDoc>(collection).find(filter).toArray();
  }

  readonly explain = async (collection: string, filter: RawFilter): Promise<Explained> =>
    explainedPlan(await this.db.collection(collection).find(filter).explain('queryPlanner'));

  readonly transaction = async (
    docs: { collection: string; doc: RawDoc }[],
    outcome: 'commit' | 'abort',
  ): Promise<void> => {
    const session = this.client.startSession();
    try {
      session.startTransaction();
      for (const { collection, doc } of docs) {
        await this.db.collection<RawDoc>(collection).insertOne(doc, { session });
      }
      if (outcome === 'commit') await session.commitTransaction();
      else await session.abortTransaction();
    } finally {
      await session.endSession();
    }
  };

  async close(): Promise<void> {
    await this.client.close();
  }
}
