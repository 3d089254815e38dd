import { type AccessClaims, type GrantClaims } from '@communities/contracts';

/**
 * How long a revocation is remembered: longer than any token it must refuse. Access tokens live at
 * most 24 h (the api-service's AUTH_ACCESS_TTL_SECONDS maximum); grants far less.
 */
export const REVOCATION_MEMORY_MS = 24 * 60 * 60 * 1000;
/** Per kind, so a flood of one kind (members leaving communities) cannot evict another. */
export const MAX_REVOCATIONS_PER_KIND = 100_000;

/**
 * Remembers `access_revoked` events so that tokens issued before them are refused: the gateway has
 * no database to ask whether a member is still active or still in a private community.
 *
 * - a `member` revocation carries the member's new token version: access tokens with a lower
 *   `tv` are refused (exact, no clock involved; the replacement token after a password change
 *   carries the new version and is accepted);
 * - a `membership` revocation refuses that member's membership-bound grants for that community
 *   issued before it;
 * - a `community` revocation refuses every grant for that community issued before it.
 *
 * Grant times are the event's `occurred_at` and the grant's `iat`, both from the api-service's
 * clock. `iat` has one-second resolution, so a grant issued in the same second as the revocation
 * is accepted (a member who rejoins at once would otherwise be refused for the grant's lifetime).
 */
export class RevocationList {
  private readonly members = new ExpiringMap();
  private readonly memberships = new ExpiringMap();
  private readonly communities = new ExpiringMap();

  constructor(
    private readonly memoryMs = REVOCATION_MEMORY_MS,
    private readonly maxPerKind = MAX_REVOCATIONS_PER_KIND,
    private readonly now: () => number = Date.now,
  ) {}

  revokeMember(memberId: string, tokenVersion: number): void {
    const now = this.now();
    this.members.expire(now);
    this.members.set(memberId, tokenVersion, now + this.memoryMs, this.maxPerKind);
  }

  revokeMembership(communityId: string, memberId: string, at: Date): void {
    this.remember(this.memberships, `${communityId}:${memberId}`, at);
  }

  revokeCommunity(communityId: string, at: Date): void {
    this.remember(this.communities, communityId, at);
  }

  isAccessRevoked(claims: AccessClaims): boolean {
    const current = this.members.get(claims.sub, this.now());
    return current !== undefined && claims.tv < current;
  }

  isGrantRevoked(claims: GrantClaims): boolean {
    if (this.issuedBefore(this.communities, claims.cid, claims.iat)) return true;
    return (
      claims.mb && this.issuedBefore(this.memberships, `${claims.cid}:${claims.sub}`, claims.iat)
    );
  }

  get size(): number {
    return this.members.size + this.memberships.size + this.communities.size;
  }

  private remember(map: ExpiringMap, key: string, at: Date): void {
    const now = this.now();
    map.expire(now);
    const revokedAtSeconds = Math.floor(at.getTime() / 1000);
    map.set(key, revokedAtSeconds, now + this.memoryMs, this.maxPerKind);
  }

  private issuedBefore(map: ExpiringMap, key: string, issuedAtSeconds: number): boolean {
    const revokedAtSeconds = map.get(key, this.now());
    return revokedAtSeconds !== undefined && issuedAtSeconds < revokedAtSeconds;
  }
}

/**
 * A Map whose insertion order is its expiry order (one lifetime for every entry; a re-set entry
 * moves to the end), so expiring stops at the first live entry and eviction takes the oldest.
 */
class ExpiringMap {
  private readonly entries = new Map<string, { value: number; expiresAt: number }>();

  get size(): number {
    return this.entries.size;
  }

  /** Keeps the latest of two revocations of the same key. */
  set(key: string, value: number, expiresAt: number, maxEntries: number): void {
    const previous = this.entries.get(key);
    this.entries.delete(key);
    if (this.entries.size >= maxEntries) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(key, { value: Math.max(value, previous?.value ?? value), expiresAt });
  }

  get(key: string, now: number): number | undefined {
    const entry = this.entries.get(key);
    return entry && entry.expiresAt > now ? entry.value : undefined;
  }

  expire(now: number): void {
    for (const [key, entry] of this.entries) {
      if (entry.expiresAt > now) return;
      this.entries.delete(key);
    }
  }
}
