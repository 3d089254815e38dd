/**
 * A map of keys to numbers that only grow (a write keeps the larger of the old and new value) and
 * expire `ttlMs` after their last write; past `maxEntries` the oldest written goes first. Insertion
 * order is expiry order (one lifetime for every entry; a re-written entry moves last), so expiring
 * stops at the first live entry. What the revocation register is made of, in-process.
 */
export class ExpiringMaxMap {
  private readonly entries = new Map<string, { value: number; expiresAt: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
    private readonly maxEntries = Number.POSITIVE_INFINITY,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  raise(key: string, value: number): void {
    const now = this.now();
    this.expire(now);
    const previous = this.get(key, now);
    this.entries.delete(key);
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(key, {
      value: Math.max(value, previous ?? value),
      expiresAt: now + this.ttlMs,
    });
  }

  get(key: string, now = this.now()): number | undefined {
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
