/** What a batch did for one of its items. */
export type Settled<R> = { ok: true; value: R } | { ok: false; error: unknown };

/**
 * Group commit per key (a thread): while a batch for a key is being written, later items for it
 * wait and then go together as the next batch, so a busy key costs one round of writes per batch
 * instead of one per item, and never two rounds at once (on an engine without atomic updates two
 * concurrent read-modify-writes of one document would lose one). At rest an item goes alone and
 * at once: batching adds no delay, only sharing.
 */
export class KeyedBatches<I, R> {
  private readonly waiting = new Map<string, { item: I; settle: (result: Settled<R>) => void }[]>();

  /**
   * @param write writes one batch and returns one result per item, in order; a throw fails every
   *   item of the batch.
   */
  constructor(
    private readonly write: (key: string, items: I[]) => Promise<Settled<R>[]>,
    private readonly maxBatch = 100,
  ) {}

  submit(key: string, item: I): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      const settle = (result: Settled<R>) => {
        if (result.ok) resolve(result.value);
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- whatever the write threw, as if awaited directly
        else reject(result.error);
      };
      const queue = this.waiting.get(key);
      if (queue) {
        queue.push({ item, settle });
        return;
      }
      this.waiting.set(key, [{ item, settle }]);
      void this.drain(key);
    });
  }

  /** Writes the key's waiting items batch after batch until none are left. */
  private async drain(key: string): Promise<void> {
    for (;;) {
      const queue = this.waiting.get(key);
      if (!queue || queue.length === 0) {
        this.waiting.delete(key);
        return;
      }
      const batch = queue.splice(0, this.maxBatch);
      let results: Settled<R>[];
      try {
        results = await this.write(
          key,
          batch.map((entry) => entry.item),
        );
      } catch (error) {
        results = batch.map(() => ({ ok: false, error }));
      }
      batch.forEach((entry, i) => {
        entry.settle(results[i] ?? { ok: false, error: new Error('batch gave no result') });
      });
    }
  }
}
