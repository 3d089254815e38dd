import { AppError, type Member, type Page } from '@communities/contracts';
import type { DbId, DocumentDb, IndexSpec } from '../../store/document-db';
import { DuplicateKeyError, idToHex } from '../../store/document-db';
import { DocumentRepository } from '../../store/document-repository';
import type { PageRequest, SortKey } from '../../store/keyset';

export interface MemberDoc {
  _id: DbId;
  username: string;
  /** Lower-cased username: the unique key, so "Ada" and "ada" cannot both exist. */
  username_key: string;
  email: string;
  full_name: string | null;
  avatar_url: string | null;
  bio: string | null;
  joined_at: Date;
  is_active: boolean;
}

/** A member as stored; `communities` is added by the service from the memberships. */
export type MemberProfile = Omit<Member, 'communities'>;

export interface NewMember {
  username: string;
  email: string;
  full_name: string | null;
  avatar_url: string | null;
  bio: string | null;
}
export type MemberPatch = Partial<NewMember>;

export const MEMBER_INDEXES: IndexSpec[] = [
  { name: 'username_unique', key: { username_key: 1 }, unique: true },
  { name: 'email_unique', key: { email: 1 }, unique: true },
];

const BY_ID: SortKey[] = [{ field: '_id', direction: 1, type: 'id' }];

function toProfile(doc: MemberDoc): MemberProfile {
  return {
    id: idToHex(doc._id),
    username: doc.username,
    email: doc.email,
    full_name: doc.full_name,
    avatar_url: doc.avatar_url,
    bio: doc.bio,
    joined_at: doc.joined_at.toISOString(),
    is_active: doc.is_active,
  };
}

export class MemberRepository extends DocumentRepository<MemberDoc, MemberProfile> {
  constructor(db: DocumentDb) {
    super(db, 'members', MEMBER_INDEXES, toProfile);
  }

  async create(input: NewMember, now = new Date()): Promise<MemberProfile> {
    const doc: MemberDoc = {
      _id: this.db.newId(),
      ...input,
      username_key: input.username.toLowerCase(),
      email: input.email.toLowerCase(),
      joined_at: now,
      is_active: true,
    };
    await this.unique(doc, () => this.collection.insertOne(doc));
    return toProfile(doc);
  }

  async getByUsername(username: string): Promise<MemberProfile | null> {
    const doc = await this.collection.findOne({ username_key: username.toLowerCase() });
    return doc && toProfile(doc);
  }

  list(page: PageRequest): Promise<Page<MemberProfile>> {
    return this.page({}, BY_ID, page);
  }

  async update(id: string, patch: MemberPatch): Promise<MemberProfile | null> {
    const set: Record<string, unknown> = { ...patch };
    if (patch.username !== undefined) set.username_key = patch.username.toLowerCase();
    if (patch.email !== undefined) set.email = patch.email.toLowerCase();
    const doc = await this.unique({ _id: this.db.toId(id), ...(set as Partial<MemberDoc>) }, () =>
      this.collection.findOneAndUpdate({ _id: this.db.toId(id) }, { $set: set }),
    );
    return doc && toProfile(doc);
  }

  async deactivate(id: string): Promise<MemberProfile | null> {
    const doc = await this.collection.findOneAndUpdate(
      { _id: this.db.toId(id) },
      { $set: { is_active: false } },
    );
    return doc && toProfile(doc);
  }

  /**
   * Runs a write guarded by the unique indexes. Engines do not reliably name the index that
   * failed, so on a collision we look up which field another member already holds.
   */
  private async unique<T>(doc: Partial<MemberDoc>, write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (error) {
      if (!(error instanceof DuplicateKeyError)) throw error;
      const others = { _id: { $ne: doc._id } };
      if (doc.username_key !== undefined) {
        const taken = await this.collection.findOne({ ...others, username_key: doc.username_key });
        if (taken) throw new AppError('USERNAME_TAKEN', 'username is already taken');
      }
      throw new AppError('EMAIL_TAKEN', 'email is already registered');
    }
  }
}
