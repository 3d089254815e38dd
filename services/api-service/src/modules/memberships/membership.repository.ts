import type { CommunityRole, Page } from '@communities/contracts';
import {
  DuplicateKeyError,
  idToHex,
  type DbId,
  type DocumentDb,
  type IndexSpec,
} from '../../store/document-db';
import { DocumentRepository } from '../../store/document-repository';
import { scopeFilter } from '../../store/community-scope';
import type { PageRequest, SortKey } from '../../store/keyset';

/**
 * Memberships are the one source of truth for who belongs where: one document per
 * (community, member), guarded by a unique index. A member's `communities` and a community's
 * `member_count` are derived from it.
 */
export interface MembershipDoc {
  _id: DbId;
  community_id: string;
  member_id: string;
  role: CommunityRole;
  joined_at: Date;
}

export interface Membership {
  community_id: string;
  member_id: string;
  role: CommunityRole;
  joined_at: Date;
}

export const MEMBERSHIP_INDEXES: IndexSpec[] = [
  { name: 'community_member_unique', key: { community_id: 1, member_id: 1 }, unique: true },
  { name: 'community_joined', key: { community_id: 1, joined_at: 1, _id: 1 } },
  { name: 'member_joined', key: { member_id: 1, joined_at: 1, _id: 1 } },
];

const JOIN_ORDER: SortKey[] = [
  { field: 'joined_at', direction: 1, type: 'date' },
  { field: '_id', direction: 1, type: 'id' },
];

const toMembership = ({ community_id, member_id, role, joined_at }: MembershipDoc): Membership => ({
  community_id,
  member_id,
  role,
  joined_at,
});

export class MembershipRepository extends DocumentRepository<MembershipDoc, Membership> {
  constructor(db: DocumentDb) {
    super(db, 'memberships', MEMBERSHIP_INDEXES, toMembership);
  }

  /** Adds the membership; false when it already existed (the unique index decides races). */
  async add(
    communityId: string,
    memberId: string,
    role: CommunityRole = 'member',
    now = new Date(),
  ): Promise<boolean> {
    try {
      await this.collection.insertOne({
        _id: this.db.newId(),
        community_id: communityId,
        member_id: memberId,
        role,
        joined_at: now,
      });
      return true;
    } catch (error) {
      if (error instanceof DuplicateKeyError) return false;
      throw error;
    }
  }

  /**
   * Removes the membership and returns its id (what the member's grants rest on); null when there
   * was none (only one concurrent caller gets the id).
   */
  async remove(communityId: string, memberId: string): Promise<string | null> {
    const removed = await this.collection.findOneAndDelete({
      community_id: communityId,
      member_id: memberId,
    });
    return removed && idToHex(removed._id);
  }

  /** The membership's id and role; null when the member is not in the community. */
  async find(
    communityId: string,
    memberId: string,
  ): Promise<{ id: string; role: CommunityRole } | null> {
    const doc = await this.collection.findOne({ community_id: communityId, member_id: memberId });
    return doc && { id: idToHex(doc._id), role: doc.role };
  }

  async has(communityId: string, memberId: string): Promise<boolean> {
    return (await this.collection.count({ community_id: communityId, member_id: memberId })) > 0;
  }

  /** The member's role in the community; null when they are not a member. */
  async roleOf(communityId: string, memberId: string): Promise<CommunityRole | null> {
    const doc = await this.collection.findOne({ community_id: communityId, member_id: memberId });
    return doc?.role ?? null;
  }

  /** Changes a member's role; false when they are not a member. */
  async setRole(communityId: string, memberId: string, role: CommunityRole): Promise<boolean> {
    const doc = await this.collection.findOneAndUpdate(
      { community_id: communityId, member_id: memberId },
      { $set: { role } },
    );
    return doc !== null;
  }

  removeAllOfCommunity(communityId: string): Promise<number> {
    return this.collection.deleteMany({ community_id: communityId });
  }

  countOfCommunity(communityId: string): Promise<number> {
    return this.collection.count({ community_id: communityId });
  }

  /** `except`: communities left out of the count (those hidden from whoever asks). */
  countOfMember(memberId: string, except: string[] = []): Promise<number> {
    return this.collection.count({ member_id: memberId, ...scopeFilter({ except }) });
  }

  async latestJoinOf(memberId: string, except: string[] = []): Promise<Date | null> {
    const [latest] = await this.collection.find(
      { member_id: memberId, ...scopeFilter({ except }) },
      { sort: { joined_at: -1, _id: -1 }, limit: 1 },
    );
    return latest?.joined_at ?? null;
  }

  /** The community ids of each given member, in join order. */
  async communityIdsOf(memberIds: string[]): Promise<Map<string, string[]>> {
    const result = new Map<string, string[]>(memberIds.map((id) => [id, []]));
    if (memberIds.length === 0) return result;
    const docs = await this.collection.find(
      { member_id: { $in: memberIds } },
      { sort: { joined_at: 1, _id: 1 } },
    );
    for (const doc of docs) result.get(doc.member_id)?.push(doc.community_id);
    return result;
  }

  pageOfCommunity(communityId: string, page: PageRequest): Promise<Page<Membership>> {
    return this.page({ community_id: communityId }, JOIN_ORDER, page);
  }

  /** The member's memberships in join order, leaving out the communities in `except`. */
  pageOfMember(
    memberId: string,
    page: PageRequest,
    except: string[] = [],
  ): Promise<Page<Membership>> {
    const filter = except.length
      ? { member_id: memberId, community_id: { $nin: except } }
      : { member_id: memberId };
    return this.page(filter, JOIN_ORDER, page);
  }
}
