import type { Invitation } from '@communities/contracts';
import {
  DuplicateKeyError,
  type DbId,
  type DocumentDb,
  type IndexSpec,
} from '../../store/document-db';
import { DocumentRepository } from '../../store/document-repository';

/** An invitation to a private community: joining one needs it, and the join consumes it. */
export interface InvitationDoc {
  _id: DbId;
  community_id: string;
  member_id: string;
  invited_by: string;
  created_at: Date;
}

export const INVITATION_INDEXES: IndexSpec[] = [
  { name: 'community_member_unique', key: { community_id: 1, member_id: 1 }, unique: true },
];

const toInvitation = (doc: InvitationDoc): Invitation => ({
  community_id: doc.community_id,
  member_id: doc.member_id,
  invited_by: doc.invited_by,
  created_at: doc.created_at.toISOString(),
});

export class InvitationRepository extends DocumentRepository<InvitationDoc, Invitation> {
  constructor(db: DocumentDb) {
    super(db, 'invitations', INVITATION_INDEXES, toInvitation);
  }

  /** Creates the invitation, or returns the existing one (inviting twice is one invitation). */
  async add(communityId: string, memberId: string, invitedBy: string): Promise<Invitation> {
    const doc: InvitationDoc = {
      _id: this.db.newId(),
      community_id: communityId,
      member_id: memberId,
      invited_by: invitedBy,
      created_at: new Date(),
    };
    try {
      await this.collection.insertOne(doc);
      return toInvitation(doc);
    } catch (error) {
      if (!(error instanceof DuplicateKeyError)) throw error;
      const existing = await this.find(communityId, memberId);
      if (!existing) throw error;
      return existing;
    }
  }

  async find(communityId: string, memberId: string): Promise<Invitation | null> {
    const doc = await this.collection.findOne({ community_id: communityId, member_id: memberId });
    return doc && toInvitation(doc);
  }

  async remove(communityId: string, memberId: string): Promise<boolean> {
    const doc = await this.collection.findOneAndDelete({
      community_id: communityId,
      member_id: memberId,
    });
    return doc !== null;
  }

  removeAllOfCommunity(communityId: string): Promise<number> {
    return this.collection.deleteMany({ community_id: communityId });
  }
}
