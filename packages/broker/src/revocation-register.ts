import { type DomainEvent, type RevocationEntry, revocationEntries } from '@communities/contracts';
import { ExpiringMaxMap } from './expiring-max-map';

/** Key prefix of the register on Redis. The hash tag puts every entry in the access channel's slot. */
export const REDIS_REVOCATION_PREFIX = 'revocation:{gateway:access}:';

/** The register entries a publish of `event` must write with it (none for other events). */
export function entriesToRecord(event: DomainEvent): RevocationEntry[] {
  return event.type === 'access_revoked' ? revocationEntries(event.data) : [];
}

/** The in-process register, shared by every bus on one hub like the Redis keys are. */
export class InProcessRevocations {
  private readonly entries: ExpiringMaxMap;

  constructor(ttlMs: number, now: () => number) {
    this.entries = new ExpiringMaxMap(ttlMs, now);
  }

  record(entries: readonly RevocationEntry[]): void {
    for (const { key, value } of entries) this.entries.raise(key, value);
  }

  readAll(keys: readonly string[]): (number | undefined)[] {
    return keys.map((key) => this.entries.get(key));
  }
}
