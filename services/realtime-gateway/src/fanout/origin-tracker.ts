/**
 * Remembers which local connection published each typing event, so the fanout can skip that one
 * socket when the event comes back from the broker. The event id is the key: no field has to be
 * added to the event, and other gateways (which never see this map) deliver to everyone.
 *
 * Entries are taken on delivery; one whose event never comes back (broker down after the publish)
 * expires after `ttlMs`, and at most `maxEntries` are kept, oldest evicted first.
 */
export class OriginTracker {
  private readonly origins = new Map<string, { connectionId: string; at: number }>();

  constructor(
    private readonly ttlMs = 10_000,
    private readonly maxEntries = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  remember(eventId: string, connectionId: string): void {
    this.expire();
    if (this.origins.size >= this.maxEntries) {
      const oldest = this.origins.keys().next();
      if (!oldest.done) this.origins.delete(oldest.value);
    }
    this.origins.set(eventId, { connectionId, at: this.now() });
  }

  /** The publishing connection's id, once: the entry is removed. */
  take(eventId: string): string | undefined {
    const entry = this.origins.get(eventId);
    if (!entry) return undefined;
    this.origins.delete(eventId);
    return entry.connectionId;
  }

  forget(eventId: string): void {
    this.origins.delete(eventId);
  }

  get size(): number {
    return this.origins.size;
  }

  /** Map iteration follows insertion order, which is also time order: stop at the first fresh one. */
  private expire(): void {
    const cutoff = this.now() - this.ttlMs;
    for (const [eventId, entry] of this.origins) {
      if (entry.at > cutoff) return;
      this.origins.delete(eventId);
    }
  }
}
