import type { DomainEvent } from '@communities/contracts';
import {
  DuplicateKeyError,
  idToHex,
  type DbId,
  type DocumentCollection,
  type DocumentDb,
  type IndexSpec,
} from '../store/document-db';
import { DocumentRepository } from '../store/document-repository';

/**
 * Events the broker refused, waiting to be published again. Each replica (an `owner`, a fresh id
 * per process) numbers its entries (`n`) in the order it published the events, and relays its own
 * entries in that order. A replica holds a lease while it lives; the entries of an owner whose
 * lease went stale (the process died) or vanished are taken over by another replica's relay.
 */
export interface OutboxDoc {
  _id: DbId;
  owner: string;
  n: number;
  /** The event as JSON: stored as text, so it comes back exactly as it was published. */
  event: string;
  created_at: Date;
}

export interface OutboxEntry {
  id: string;
  owner: string;
  n: number;
  event: DomainEvent;
  created_at: Date;
}

interface LeaseDoc {
  _id: DbId;
  owner: string;
  renewed_at: Date;
}

export interface Lease {
  owner: string;
  renewed_at: Date;
}

export const OUTBOX_INDEXES: IndexSpec[] = [
  // One replica's entries in publication order; the relay reads them by this index.
  { name: 'owner_n_unique', key: { owner: 1, n: 1 }, unique: true },
];

const LEASE_INDEXES: IndexSpec[] = [{ name: 'owner_unique', key: { owner: 1 }, unique: true }];

/**
 * Not validated again: the event was valid when it was stored, and one the current contracts
 * would refuse (stored by an older version) must still go out rather than block the relay.
 */
const toEntry = (doc: OutboxDoc): OutboxEntry => ({
  id: idToHex(doc._id),
  owner: doc.owner,
  n: doc.n,
  event: JSON.parse(doc.event) as DomainEvent,
  created_at: doc.created_at,
});

export class OutboxRepository extends DocumentRepository<OutboxDoc, OutboxEntry> {
  private readonly leases: DocumentCollection<LeaseDoc>;

  constructor(db: DocumentDb) {
    super(db, 'outbox', OUTBOX_INDEXES, toEntry);
    this.leases = db.collection<LeaseDoc>('outbox_leases');
  }

  override async ensureIndexes(): Promise<void> {
    await super.ensureIndexes();
    await this.leases.ensureIndexes(LEASE_INDEXES);
  }

  async add(owner: string, n: number, event: DomainEvent, now = new Date()): Promise<void> {
    await this.collection.insertOne({
      _id: this.db.newId(),
      owner,
      n,
      event: JSON.stringify(event),
      created_at: now,
    });
  }

  /** The owner's first `limit` entries, in publication order. */
  async pending(owner: string, limit: number): Promise<OutboxEntry[]> {
    const docs = await this.collection.find({ owner }, { sort: { owner: 1, n: 1 }, limit });
    return docs.map(toEntry);
  }

  /** Removes a published entry; false if it was gone already (another relay published it). */
  async remove(id: string): Promise<boolean> {
    return (await this.deleteById(id)) !== null;
  }

  countOf(owner: string): Promise<number> {
    return this.collection.count({ owner });
  }

  /** The owner of some pending entry, leaving out `owners`; null when only they have entries. */
  async ownerOutside(owners: string[]): Promise<string | null> {
    const doc = await this.collection.findOne({ owner: { $nin: owners } });
    return doc?.owner ?? null;
  }

  async allLeases(): Promise<Lease[]> {
    const docs = await this.leases.find({});
    return docs.map(({ owner, renewed_at }) => ({ owner, renewed_at }));
  }

  /** Renews the owner's lease, creating it if it is missing. */
  async holdLease(owner: string, now = new Date()): Promise<void> {
    if (await this.renewLease(owner, now)) return;
    await this.createLease(owner, now);
  }

  /** Renews an existing lease; false if there is none (its entries were relayed elsewhere). */
  async renewLease(owner: string, now = new Date()): Promise<boolean> {
    return (await this.leases.findOneAndUpdate({ owner }, { $set: { renewed_at: now } })) !== null;
  }

  /**
   * Takes over the lease of a dead owner: the one `seen` (its renewal time as read), or none when
   * it had no lease. False when someone else renewed or took it first. Without
   * `atomicFindOneAndUpdate` two relays may both win: then both relay, and events go out twice,
   * never zero times.
   */
  async takeOverLease(owner: string, seen: Date | null, now = new Date()): Promise<boolean> {
    if (seen === null) return this.createLease(owner, now);
    const taken = await this.leases.findOneAndUpdate(
      { owner, renewed_at: seen },
      { $set: { renewed_at: now } },
    );
    return taken !== null;
  }

  /** Gives the lease up (the owner's outbox is empty). */
  async dropLease(owner: string): Promise<void> {
    await this.leases.deleteMany({ owner });
  }

  /** Marks the lease stale at once, so another relay takes the owner's entries over. */
  async expireLease(owner: string): Promise<void> {
    await this.leases.findOneAndUpdate({ owner }, { $set: { renewed_at: new Date(0) } });
  }

  private async createLease(owner: string, now: Date): Promise<boolean> {
    try {
      await this.leases.insertOne({ _id: this.db.newId(), owner, renewed_at: now });
      return true;
    } catch (error) {
      if (error instanceof DuplicateKeyError) return false;
      throw error;
    }
  }
}
