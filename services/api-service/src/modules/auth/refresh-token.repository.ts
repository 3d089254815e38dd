import {
  DuplicateKeyError,
  idToHex,
  type DbId,
  type DocumentCollection,
  type DocumentDb,
  type IndexSpec,
} from '../../store/document-db';
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
  /** When its use won (see RefreshTokenUseDoc, which decides); written by that use alone. */
  used_at: Date | null;
}

/**
 * The use of a token, keyed by the token's `_id`: the insert of this document is what spends the
 * token, so of concurrent uses exactly one wins, on every engine (a unique insert is exact even
 * on FerretDB 1.x, where a conditional update is not). It outlives its token on purpose: a
 * revocation (which the losers of a race start) deleting it would let a use still under way
 * insert it again and win a second time. Nothing removes expired tokens or uses yet;
 * `expires_at` is there for the sweep that will.
 */
interface RefreshTokenUseDoc {
  _id: DbId;
  used_at: Date;
  expires_at: Date;
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
  private readonly uses: DocumentCollection<RefreshTokenUseDoc>;

  constructor(db: DocumentDb) {
    super(db, 'refresh_tokens', REFRESH_TOKEN_INDEXES, toToken);
    this.uses = db.collection<RefreshTokenUseDoc>('refresh_token_uses');
  }

  async insert(token: Omit<RefreshTokenDoc, '_id' | 'used_at'>): Promise<void> {
    await this.collection.insertOne({ _id: this.db.newId(), ...token, used_at: null });
  }

  async findByHash(tokenHash: string): Promise<RefreshToken | null> {
    const doc = await this.collection.findOne({ token_hash: tokenHash });
    return doc && toToken(doc);
  }

  /**
   * Spends the token: true for exactly one of any number of uses, concurrent or not; false for
   * every other one and for an unknown token. The winner then records `used_at` on the token, so
   * later lookups see it used; a use that finds `used_at` still null meanwhile loses here.
   */
  async markUsed(id: string, now = new Date()): Promise<boolean> {
    const _id = this.db.toId(id);
    const token = await this.collection.findOne({ _id });
    if (!token) return false;
    try {
      await this.uses.insertOne({ _id, used_at: now, expires_at: token.expires_at });
    } catch (error) {
      if (error instanceof DuplicateKeyError) return false;
      throw error;
    }
    await this.collection.findOneAndUpdate({ _id }, { $set: { used_at: now } });
    return true;
  }

  /** Deletes the family's tokens (their uses stay: see RefreshTokenUseDoc). */
  revokeFamily(familyId: string): Promise<number> {
    return this.collection.deleteMany({ family_id: familyId });
  }

  revokeAllOf(memberId: string): Promise<number> {
    return this.collection.deleteMany({ member_id: memberId });
  }
}
