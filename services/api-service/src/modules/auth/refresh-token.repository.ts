import { idToHex, type DbId, type DocumentDb, type IndexSpec } from '../../store/document-db';
import { DocumentRepository } from '../../store/document-repository';

/**
 * Refresh tokens, stored only as SHA-256 hashes (the token itself is 256 random bits, so a plain
 * hash is enough and a stolen database holds no usable token). Each login starts a family; each
 * refresh marks the used token `used_at` and issues the next one in the same family. Presenting
 * a used token again means it was stolen or replayed: the whole family is revoked.
 */
export interface RefreshTokenDoc {
  _id: DbId;
  token_hash: string;
  member_id: string;
  family_id: string;
  created_at: Date;
  expires_at: Date;
  used_at: Date | null;
}

export interface RefreshToken {
  id: string;
  member_id: string;
  family_id: string;
  expires_at: Date;
  used_at: Date | null;
}

export const REFRESH_TOKEN_INDEXES: IndexSpec[] = [
  { name: 'token_hash_unique', key: { token_hash: 1 }, unique: true },
  { name: 'member_id', key: { member_id: 1 } },
  { name: 'family_id', key: { family_id: 1 } },
];

const toToken = (doc: RefreshTokenDoc): RefreshToken => ({
  id: idToHex(doc._id),
  member_id: doc.member_id,
  family_id: doc.family_id,
  expires_at: doc.expires_at,
  used_at: doc.used_at,
});

export class RefreshTokenRepository extends DocumentRepository<RefreshTokenDoc, RefreshToken> {
  constructor(db: DocumentDb) {
    super(db, 'refresh_tokens', REFRESH_TOKEN_INDEXES, toToken);
  }

  async insert(token: Omit<RefreshTokenDoc, '_id' | 'used_at'>): Promise<void> {
    await this.collection.insertOne({ _id: this.db.newId(), ...token, used_at: null });
  }

  async findByHash(tokenHash: string): Promise<RefreshToken | null> {
    const doc = await this.collection.findOne({ token_hash: tokenHash });
    return doc && toToken(doc);
  }

  /** Marks the token used; false when it already was (the filter decides concurrent refreshes). */
  async markUsed(id: string, now = new Date()): Promise<boolean> {
    const doc = await this.collection.findOneAndUpdate(
      { _id: this.db.toId(id), used_at: null },
      { $set: { used_at: now } },
    );
    return doc !== null;
  }

  revokeFamily(familyId: string): Promise<number> {
    return this.collection.deleteMany({ family_id: familyId });
  }

  revokeAllOf(memberId: string): Promise<number> {
    return this.collection.deleteMany({ member_id: memberId });
  }
}
