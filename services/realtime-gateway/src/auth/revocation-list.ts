import { ExpiringMaxMap } from '@communities/broker';
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
  private readonly entries: ExpiringMaxMap;

  constructor(
    memoryMs = REVOCATION_TTL_SECONDS * 1000,
    maxEntries = MAX_LOCAL_REVOCATIONS,
    private readonly now: () => number = Date.now,
  ) {
    this.entries = new ExpiringMaxMap(memoryMs, now, maxEntries);
  }

  /** Keeps the larger of two values of one key. */
  record(entries: readonly RevocationEntry[]): void {
    for (const { key, value } of entries) this.entries.raise(key, value);
  }

  isAccessRevoked(claims: AccessClaims, registered?: number): boolean {
    const local = this.entries.get(revocationKeys.member(claims.sub));
    return isAccessTokenRevoked(claims, local) || isAccessTokenRevoked(claims, registered);
  }

  isGrantRevoked(claims: GrantClaims): boolean {
    const now = this.now();
    return grantRevocationKeys(claims).some((key) => this.entries.get(key, now) !== undefined);
  }

  get size(): number {
    return this.entries.size;
  }
}
