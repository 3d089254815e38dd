import {
  type AccessClaims,
  type GrantClaims,
  type RevocationEntry,
  REVOCATION_TTL_SECONDS,
  grantRevocationKeys,
  isAccessTokenRevoked,
  revocationKeys,
} from '@communities/contracts';

/** Per gateway, so a flood of revocations cannot grow the mirror without bound. */
export const MAX_LOCAL_REVOCATIONS = 200_000;

/**
 * This gateway's mirror of the revocation register: the entries of every `access_revoked` event
 * it received, read synchronously. The register on the broker is the authority (it also holds what
 * this gateway missed or what came before it started); the mirror closes the one window the
 * register cannot: an event that arrives on the subscriber connection before the answer to a
 * register read sent just before it. So a check reads the register, then the mirror, and the
 * caller registers the socket or subscription without yielding to I/O in between; an event after
 * that finds the subscription and ends it.
 */
export class RevocationList {
  private readonly entries = new Map<string, { value: number; expiresAt: number }>();

  constructor(
    private readonly memoryMs = REVOCATION_TTL_SECONDS * 1000,
    private readonly maxEntries = MAX_LOCAL_REVOCATIONS,
    private readonly now: () => number = Date.now,
  ) {}

  /** Keeps the larger of two values of one key. */
  record(entries: readonly RevocationEntry[]): void {
    const now = this.now();
    this.expire(now);
    for (const { key, value } of entries) {
      const previous = this.value(key, now);
      this.entries.delete(key);
      if (this.entries.size >= this.maxEntries) {
        const oldest = this.entries.keys().next();
        if (!oldest.done) this.entries.delete(oldest.value);
      }
      this.entries.set(key, {
        value: Math.max(value, previous ?? value),
        expiresAt: now + this.memoryMs,
      });
    }
  }

  isAccessRevoked(claims: AccessClaims, registered?: number): boolean {
    const local = this.value(revocationKeys.member(claims.sub), this.now());
    return isAccessTokenRevoked(claims, local) || isAccessTokenRevoked(claims, registered);
  }

  isGrantRevoked(claims: GrantClaims): boolean {
    const now = this.now();
    return grantRevocationKeys(claims).some((key) => this.value(key, now) !== undefined);
  }

  get size(): number {
    return this.entries.size;
  }

  private value(key: string, now: number): number | undefined {
    const entry = this.entries.get(key);
    return entry && entry.expiresAt > now ? entry.value : undefined;
  }

  /** Insertion order is expiry order (one lifetime for every entry; a re-set entry moves last). */
  private expire(now: number): void {
    for (const [key, entry] of this.entries) {
      if (entry.expiresAt > now) return;
      this.entries.delete(key);
    }
  }
}
