import { type DomainEvent, type RevocationEntry, revocationEntries } from '@communities/contracts';

/** Key prefix of the register on Redis. The hash tag puts every entry in the access channel's slot. */
export const REDIS_REVOCATION_PREFIX = 'revocation:{gateway:access}:';

/** The register entries a publish of `event` must write with it (none for other events). */
export function entriesToRecord(event: DomainEvent): RevocationEntry[] {
  return event.type === 'access_revoked' ? revocationEntries(event.data) : [];
}

/** The in-process register, shared by every bus on one hub like the Redis keys are. */
export class InProcessRevocations {
  private readonly entries = new Map<string, { value: number; expiresAt: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number,
  ) {}

  /** Keeps the larger value; every write renews the entry's lifetime. */
  record(entries: readonly RevocationEntry[]): void {
    if (entries.length === 0) return;
    const now = this.now();
    this.expire(now);
    for (const { key, value } of entries) {
      const previous = this.read(key, now);
      // Re-inserted at the end: insertion order stays expiry order (one lifetime for all).
      this.entries.delete(key);
      this.entries.set(key, {
        value: Math.max(value, previous ?? value),
        expiresAt: now + this.ttlMs,
      });
    }
  }

  readAll(keys: readonly string[]): (number | undefined)[] {
    const now = this.now();
    return keys.map((key) => this.read(key, now));
  }

  private read(key: string, now: number): number | undefined {
    const entry = this.entries.get(key);
    return entry && entry.expiresAt > now ? entry.value : undefined;
  }

  private expire(now: number): void {
    for (const [key, entry] of this.entries) {
      if (entry.expiresAt > now) return;
      this.entries.delete(key);
    }
  }
}
