import path from 'node:path';
import Datastore from '@seald-io/nedb';
import { ObjectId } from 'mongodb';
import type { Logger } from 'pino';
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
import { declaredCapabilities } from '../capabilities';
import { DATA_DIR_MODE, DATAFILE_MODE, preparePrivateDataDir } from './private-data-dir';

/**
 * The embedded engine: NeDB, one append-only datafile per collection under `dataDir` (or memory
 * only). Every NeDB operation runs through one queue per collection, so a single update is
 * atomic, as a MongoDB single-document update is. Ids are ObjectId hex strings, so ids and their
 * order look the same as with MongoDB.
 */
type Raw = Record<string, unknown>;

function isUniqueViolation(error: unknown): boolean {
  return (error as { errorType?: string } | null)?.errorType === 'uniqueViolated';
}

const translate = <T>(work: Promise<T>): Promise<T> => rethrowDuplicates(work, isUniqueViolation);

class NedbCollection<D extends { _id: DbId }> implements DocumentCollection<D> {
  constructor(private readonly store: Datastore<Raw>) {}

  async insertOne(doc: D): Promise<void> {
    await translate(this.store.insertAsync(doc as unknown as Raw));
  }

  /** One by one: NeDB's own array insert is all or nothing, MongoDB's ordered one is not. */
  async insertMany(docs: D[]): Promise<void> {
    for (const [index, doc] of docs.entries()) {
      try {
        await this.store.insertAsync(doc as unknown as Raw);
      } catch (error) {
        if (isUniqueViolation(error)) throw new DuplicateKeyError(error, index);
        throw error;
      }
    }
  }

  async findOne(filter: Filter): Promise<D | null> {
    return ((await this.store.findOneAsync(filter)) as D | null) ?? null;
  }

  async find(filter: Filter, options: { sort?: Sort; limit?: number } = {}): Promise<D[]> {
    let cursor = this.store.findAsync(filter);
    if (options.sort) cursor = cursor.sort(options.sort);
    if (options.limit !== undefined) cursor = cursor.limit(options.limit);
    return (await cursor) as unknown as D[];
  }

  async count(filter: Filter): Promise<number> {
    return await this.store.countAsync(filter);
  }

  async findOneAndUpdate(filter: Filter, update: Update): Promise<D | null> {
    const result = await translate(
      this.store.updateAsync(filter, update, { multi: false, returnUpdatedDocs: true }),
    );
    return (result.affectedDocuments as D | null) ?? null;
  }

  async findOneAndDelete(filter: Filter): Promise<D | null> {
    for (;;) {
      const doc = await this.findOne(filter);
      if (!doc) return null;
      // Only the caller whose remove actually deleted the document wins, as with MongoDB; a
      // caller that lost the race tries the next match rather than report none.
      const removed = await this.store.removeAsync({ _id: doc._id }, { multi: false });
      if (removed === 1) return doc;
    }
  }

  deleteMany(filter: Filter): Promise<number> {
    return this.store.removeAsync(filter, { multi: true });
  }

  async ensureIndexes(specs: IndexSpec[]): Promise<void> {
    for (const spec of specs) {
      const fields = Object.keys(spec.key);
      await this.store.ensureIndexAsync({
        fieldName: fields.length === 1 ? fields[0]! : fields,
        unique: spec.unique ?? false,
      });
    }
  }
}

export interface EmbeddedOptions {
  /** Directory for the datafiles; omitted means memory only (tests). */
  dataDir?: string | undefined;
  /** Where permission changes to an existing data directory are reported. */
  logger?: Pick<Logger, 'info' | 'warn'>;
}

export class NedbDocumentDb implements DocumentDb {
  readonly kind = 'embedded' as const;
  readonly engine = 'embedded' as const;
  readonly capabilities = declaredCapabilities('embedded');
  private readonly stores = new Map<string, Datastore<Raw>>();
  private readonly loading = new Map<string, Promise<void>>();

  private constructor(private readonly dataDir: string | undefined) {}

  static async open(options: EmbeddedOptions = {}): Promise<NedbDocumentDb> {
    if (options.dataDir) await preparePrivateDataDir(options.dataDir, options.logger);
    return new NedbDocumentDb(options.dataDir);
  }

  private datastore(name: string): Datastore<Raw> {
    let store = this.stores.get(name);
    if (!store) {
      store = new Datastore<Raw>(
        this.dataDir
          ? {
              filename: path.join(this.dataDir, `${name}.db`),
              autoload: false,
              modes: { fileMode: DATAFILE_MODE, dirMode: DATA_DIR_MODE },
            }
          : { inMemoryOnly: true },
      );
      this.stores.set(name, store);
      this.loading.set(name, store.loadDatabaseAsync());
    }
    return store;
  }

  collection<D extends { _id: DbId }>(name: string): DocumentCollection<D> {
    return new NedbCollection<D>(this.datastore(name));
  }

  newId(): DbId {
    return new ObjectId().toHexString();
  }

  toId(hex: string): DbId {
    return hex;
  }

  async ping(): Promise<void> {
    await Promise.all(this.loading.values());
  }

  async close(): Promise<void> {
    await Promise.all(this.loading.values());
    // Rewrites each datafile compactly so the next start loads fast.
    if (this.dataDir) {
      await Promise.all([...this.stores.values()].map((s) => s.compactDatafileAsync()));
    }
  }
}
