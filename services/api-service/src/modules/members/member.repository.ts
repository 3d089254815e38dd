import { AppError, webUrlOrNull, type Member, type Page } from '@communities/contracts';
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
  /** `$scrypt$...` or the older `scrypt$...` (see PasswordHasher); absent before authentication. */
  password_hash?: string;
  /** Bumped by a password change and a deactivation: access tokens carry it (`tv`). */
  token_version?: number;
}

/** What authentication needs to know about a member; never leaves the api-service. */
export interface MemberCredentials {
  id: string;
  is_active: boolean;
  token_version: number;
  password_hash: string | undefined;
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
    avatar_url: webUrlOrNull(doc.avatar_url),
    bio: doc.bio,
    joined_at: doc.joined_at.toISOString(),
    is_active: doc.is_active,
  };
}

function toCredentials(doc: MemberDoc): MemberCredentials {
  return {
    id: idToHex(doc._id),
    is_active: doc.is_active,
    token_version: doc.token_version ?? 0,
    password_hash: doc.password_hash,
  };
}

export class MemberRepository extends DocumentRepository<MemberDoc, MemberProfile> {
  constructor(db: DocumentDb) {
    super(db, 'members', MEMBER_INDEXES, toProfile);
  }

  async create(input: NewMember, passwordHash: string, now = new Date()): Promise<MemberProfile> {
    const doc: MemberDoc = {
      _id: this.db.newId(),
      ...input,
      username_key: input.username.toLowerCase(),
      email: input.email.toLowerCase(),
      joined_at: now,
      is_active: true,
      password_hash: passwordHash,
      token_version: 0,
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

  /** Deactivates and bumps the token version, so every access token of the member stops working. */
  async deactivate(id: string): Promise<MemberProfile | null> {
    const doc = await this.collection.findOneAndUpdate(
      { _id: this.db.toId(id) },
      { $set: { is_active: false }, $inc: { token_version: 1 } },
    );
    return doc && toProfile(doc);
  }

  async credentialsById(id: string): Promise<MemberCredentials | null> {
    const doc = await this.collection.findOne({ _id: this.db.toId(id) });
    return doc && toCredentials(doc);
  }

  /**
   * By username or email, case-insensitively (emails are stored lower-cased) and without the
   * spaces around it: every spelling the login limit counts as one account (`loginKey`) names it.
   */
  async credentialsByLogin(login: string): Promise<MemberCredentials | null> {
    const key = login.trim().toLowerCase();
    const doc = await this.collection.findOne(
      key.includes('@') ? { email: key } : { username_key: key },
    );
    return doc && toCredentials(doc);
  }

  /** Stores a new password hash and bumps the token version (older access tokens end). */
  async setPassword(id: string, passwordHash: string): Promise<boolean> {
    const doc = await this.collection.findOneAndUpdate(
      { _id: this.db.toId(id) },
      { $set: { password_hash: passwordHash }, $inc: { token_version: 1 } },
    );
    return doc !== null;
  }

  /**
   * Replaces the hash of the same password (a rehash at login) and, unlike `setPassword`, keeps
   * the token version. Only while the stored hash is still `current`: a password change that
   * came in between wins. False when it did.
   */
  async replacePasswordHash(id: string, current: string, next: string): Promise<boolean> {
    const doc = await this.collection.findOneAndUpdate(
      { _id: this.db.toId(id), password_hash: current },
      { $set: { password_hash: next } },
    );
    return doc !== null;
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
