import Datastore from '@seald-io/nedb';
import { DuplicateKeyError } from '../../../src/store/document-db';
import type { RawDoc, RawFilter, RawOps, RawUpdate } from './raw-ops';

function isUniqueViolation(error: unknown): boolean {
  return (error as { errorType?: string } | null)?.errorType === 'uniqueViolated';
}

async function translated<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    throw isUniqueViolation(error) ? new DuplicateKeyError(error) : error;
  }
}

/**
 * NeDB's own operations, on in-memory Datastores of this object's own (not the NedbDocumentDb
 * adapter's: a conformance collection is used through one or the other, never both).
 */
export class NedbRawOps implements RawOps {
  readonly server = 'NeDB (@seald-io/nedb), in process';
  readonly returnsBefore = false;
  private readonly stores = new Map<string, Datastore<RawDoc>>();

  private store(name: string): Datastore<RawDoc> {
    let store = this.stores.get(name);
    if (!store) {
      store = new Datastore<RawDoc>({ inMemoryOnly: true });
      this.stores.set(name, store);
    }
    return store;
  }

  async createIndex(collection: string, key: Record<string, 1>, unique: boolean): Promise<void> {
    const fields = Object.keys(key);
    await this.store(collection).ensureIndexAsync({
      fieldName: fields.length === 1 ? fields[0]! : fields,
      unique,
    });
  }

  async insertOne(collection: string, doc: RawDoc): Promise<void> {
    await translated(this.store(collection).insertAsync(doc));
  }

  /** NeDB's array insert: what it does with a duplicate in the batch is what is measured. */
  async insertMany(
    collection: string,
    docs: RawDoc[],
  ): Promise<{ written: number; error?: unknown }> {
    try {
      return { written: (await this.store(collection).insertAsync(docs)).length };
    } catch (error) {
      const ids = docs.map((doc) => doc._id);
      return { written: await this.store(collection).countAsync({ _id: { $in: ids } }), error };
    }
  }

  async updateOne(
    collection: string,
    filter: RawFilter,
    update: RawUpdate,
    options: { upsert?: boolean } = {},
  ): Promise<{ matched: boolean; upserted: boolean }> {
    const result = await translated(
      this.store(collection).updateAsync(filter, update, {
        multi: false,
        upsert: options.upsert ?? false,
      }),
    );
    return { matched: !result.upsert && result.numAffected > 0, upserted: result.upsert };
  }

  async findOneAndUpdate(
    collection: string,
    filter: RawFilter,
    update: RawUpdate,
    returnDocument: 'before' | 'after',
  ): Promise<RawDoc | null> {
    if (returnDocument === 'before') throw new Error('NeDB returns the updated document only');
    const result = await translated(
      this.store(collection).updateAsync(filter, update, { multi: false, returnUpdatedDocs: true }),
    );
    return result.affectedDocuments ?? null;
  }

  readonly findOneAndDelete = null;

  async find(collection: string, filter: RawFilter): Promise<RawDoc[]> {
    return await this.store(collection).findAsync(filter);
  }

  readonly explain = null;
  readonly transaction = null;

  close(): Promise<void> {
    return Promise.resolve();
  }
}
