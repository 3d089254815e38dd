import { randomBytes } from 'node:crypto';
import { webUrlOrNull, type Community, type Page } from '@communities/contracts';
import type { DbId, DocumentDb, IndexSpec } from '../../store/document-db';
import { idToHex } from '../../store/document-db';
import { DocumentRepository } from '../../store/document-repository';
import type { PageRequest, SortKey } from '../../store/keyset';
import type { MembershipRepository } from '../memberships/membership.repository';

export interface CommunityDoc {
  _id: DbId;
  name: string;
  description: string;
  created_by: string;
  created_at: Date;
  // No member_count: it is counted from the memberships on every read (see CommunityRepository).
  // Communities stored before that still carry one; nothing reads it.
  is_public: boolean;
  tags: string[];
  avatar_url: string | null;
  /**
   * What public grants rest on: a new epoch starts with every change of `is_public`, and turning
   * private revokes the one that ended. Absent on communities stored before epochs existed, which
   * are in INITIAL_ACCESS_EPOCH.
   */
  access_epoch?: string;
}

export const INITIAL_ACCESS_EPOCH = 'initial';

/** Whether a community is public, and the epoch of that (what a grant is issued on). */
export interface AccessBasis {
  is_public: boolean;
  access_epoch: string;
}

/** The result of an update: the community after it, and the public epoch it ended, if any. */
export interface CommunityUpdate {
  community: Community;
  endedPublicEpoch: string | null;
}

const newAccessEpoch = (): string => randomBytes(12).toString('base64url');

export type NewCommunity = Pick<
  CommunityDoc,
  'name' | 'description' | 'created_by' | 'is_public' | 'tags' | 'avatar_url'
>;
export type CommunityPatch = Partial<Omit<NewCommunity, 'created_by'>>;

export const COMMUNITY_INDEXES: IndexSpec[] = [
  { name: 'name', key: { name: 1 } },
  { name: 'created_by', key: { created_by: 1 } },
  { name: 'is_public', key: { is_public: 1 } },
];

/** Newest first: ObjectIds grow with creation time. */
const NEWEST_FIRST: SortKey[] = [{ field: '_id', direction: -1, type: 'id' }];

/**
 * A community as stored: everything but member_count, which only the memberships know. What
 * access checks read, since most of them (every thread and message read) never show the count.
 */
export type UncountedCommunity = Omit<Community, 'member_count'>;

function toUncounted(doc: CommunityDoc): UncountedCommunity {
  return {
    id: idToHex(doc._id),
    name: doc.name,
    description: doc.description,
    created_by: doc.created_by,
    created_at: doc.created_at.toISOString(),
    is_public: doc.is_public,
    tags: doc.tags,
    avatar_url: webUrlOrNull(doc.avatar_url),
  };
}

function epochOf(doc: CommunityDoc): string {
  return doc.access_epoch ?? INITIAL_ACCESS_EPOCH;
}

/**
 * Every community it returns carries `member_count` counted from the memberships at the time of
 * the read, never a stored counter: the unique (community, member) index is what decides who
 * belongs, and an engine without atomic updates (FerretDB 1.x) would lose a counter's
 * increments. A count is one indexed count per community (the memberships' unique index starts
 * with community_id), so a page of communities costs one count per item, run together; pages hold
 * at most 100.
 */
export class CommunityRepository extends DocumentRepository<CommunityDoc, UncountedCommunity> {
  constructor(
    db: DocumentDb,
    private readonly memberships: MembershipRepository,
  ) {
    super(db, 'communities', COMMUNITY_INDEXES, toUncounted);
  }

  /** Creates the community with no members (the caller adds its owner). */
  async create(input: NewCommunity, now = new Date()): Promise<Community> {
    const doc: CommunityDoc = {
      _id: this.db.newId(),
      ...input,
      created_at: now,
      access_epoch: newAccessEpoch(),
    };
    await this.collection.insertOne(doc);
    return { ...toUncounted(doc), member_count: 0 };
  }

  override async get(id: string): Promise<Community | null> {
    const [community, count] = await Promise.all([
      super.get(id),
      this.memberships.countOfCommunity(id),
    ]);
    return community && { ...community, member_count: count };
  }

  /** The community without counting its members: what deciding access needs. */
  getUncounted(id: string): Promise<UncountedCommunity | null> {
    return super.get(id);
  }

  /** The community with its members counted now. */
  async counted(community: UncountedCommunity): Promise<Community> {
    return { ...community, member_count: await this.memberships.countOfCommunity(community.id) };
  }

  override async getMany(ids: string[]): Promise<Community[]> {
    return this.countedAll(await super.getMany(ids));
  }

  /** Public communities plus the private ones whose ids are in `alsoPrivate`, newest first. */
  async list(page: PageRequest, alsoPrivate: string[] = []): Promise<Page<Community>> {
    const filter = alsoPrivate.length
      ? {
          $or: [{ is_public: true }, { _id: { $in: alsoPrivate.map((id) => this.db.toId(id)) } }],
        }
      : { is_public: true };
    const { items, next_cursor } = await this.page(filter, NEWEST_FIRST, page);
    return { items: await this.countedAll(items), next_cursor };
  }

  /**
   * Ids of every private community. Searches exclude the ones a viewer is not in with `$nin`,
   * which keeps pages exact on every engine; it grows with the number of private communities,
   * and past some thousands a denormalized visibility flag on threads and messages would be due.
   */
  async privateIds(): Promise<string[]> {
    const docs = await this.collection.find({ is_public: false });
    return docs.map((doc) => idToHex(doc._id));
  }

  async accessBasis(id: string): Promise<AccessBasis | null> {
    const doc = await this.collection.findOne({ _id: this.db.toId(id) });
    return doc && { is_public: doc.is_public, access_epoch: epochOf(doc) };
  }

  /**
   * Applies `patch`. A change of `is_public` starts a new access epoch, conditionally on the epoch
   * just read, so of two racing changes each ends exactly the epoch it saw (the loser re-reads).
   */
  async update(id: string, patch: CommunityPatch): Promise<CommunityUpdate | null> {
    const _id = this.db.toId(id);
    for (;;) {
      const current = await this.collection.findOne({ _id });
      if (!current) return null;
      if (patch.is_public === undefined || patch.is_public === current.is_public) {
        const doc = await this.collection.findOneAndUpdate({ _id }, { $set: { ...patch } });
        return doc && { community: await this.counted(toUncounted(doc)), endedPublicEpoch: null };
      }
      const sameEpoch =
        current.access_epoch === undefined
          ? { access_epoch: { $exists: false } }
          : { access_epoch: current.access_epoch };
      const doc = await this.collection.findOneAndUpdate(
        { _id, ...sameEpoch },
        { $set: { ...patch, access_epoch: newAccessEpoch() } },
      );
      if (doc) {
        const ended = current.is_public ? epochOf(current) : null;
        return { community: await this.counted(toUncounted(doc)), endedPublicEpoch: ended };
      }
    }
  }

  async delete(id: string): Promise<boolean> {
    return (await this.deleteById(id)) !== null;
  }

  private countedAll(communities: UncountedCommunity[]): Promise<Community[]> {
    return Promise.all(communities.map((community) => this.counted(community)));
  }
}
