import type { Page } from '@communities/contracts';
import type { DbId, DocumentCollection, DocumentDb, Filter, IndexSpec } from './document-db';
import { findPage, type PageRequest, type SortKey } from './keyset';

/**
 * What every repository does the same way: its collection, its indexes, reads by id, keyset
 * pages. Subclasses add the resource's own writes and queries; `map` turns a stored document
 * into the contract type, so no driver document leaves a repository.
 */
export abstract class DocumentRepository<D extends { _id: DbId }, T> {
  protected readonly collection: DocumentCollection<D>;

  protected constructor(
    protected readonly db: DocumentDb,
    name: string,
    private readonly indexes: IndexSpec[],
    protected readonly map: (doc: D) => T,
  ) {
    this.collection = db.collection<D>(name);
  }

  ensureIndexes(): Promise<void> {
    return this.collection.ensureIndexes(this.indexes);
  }

  async get(id: string): Promise<T | null> {
    const doc = await this.collection.findOne({ _id: this.db.toId(id) });
    return doc && this.map(doc);
  }

  /** The documents with these ids that exist, in no particular order. */
  async getMany(ids: string[]): Promise<T[]> {
    if (ids.length === 0) return [];
    const docs = await this.collection.find({ _id: { $in: ids.map((id) => this.db.toId(id)) } });
    return docs.map(this.map);
  }

  protected page(filter: Filter, order: SortKey[], page: PageRequest): Promise<Page<T>> {
    return findPage(this.db, (f, o) => this.collection.find(f, o), filter, order, page, this.map);
  }

  /** Deletes by id; returns the document only to the one caller whose delete removed it. */
  protected async deleteById(id: string): Promise<T | null> {
    const doc = await this.collection.findOneAndDelete({ _id: this.db.toId(id) });
    return doc && this.map(doc);
  }
}
