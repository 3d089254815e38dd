import { KeyedBatches, type Settled } from './keyed-batches';

/** A writer whose batches finish only when the test says so. */
function controlledWriter() {
  const calls: { key: string; items: number[]; finish: (error?: Error) => void }[] = [];
  const write = (key: string, items: number[]) =>
    new Promise<Settled<string>[]>((resolve, reject) => {
      calls.push({
        key,
        items,
        finish: (error) =>
          error
            ? reject(error)
            : resolve(items.map((n) => ({ ok: true, value: `${key}:${n}` }) as const)),
      });
    });
  return { calls, write };
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

describe('KeyedBatches', () => {
  it('writes a lone item at once, and items that arrive meanwhile together as the next batch', async () => {
    const { calls, write } = controlledWriter();
    const batches = new KeyedBatches(write);
    const first = batches.submit('t', 1);
    expect(calls.map((c) => c.items)).toEqual([[1]]);
    const later = [2, 3, 4].map((n) => batches.submit('t', n));
    await flush();
    expect(calls).toHaveLength(1);
    calls[0]!.finish();
    expect(await first).toBe('t:1');
    await flush();
    expect(calls.map((c) => c.items)).toEqual([[1], [2, 3, 4]]);
    calls[1]!.finish();
    expect(await Promise.all(later)).toEqual(['t:2', 't:3', 't:4']);
  });

  it('keeps keys apart: one busy key does not hold another back', async () => {
    const { calls, write } = controlledWriter();
    const batches = new KeyedBatches(write);
    void batches.submit('a', 1);
    const b = batches.submit('b', 2);
    expect(calls.map((c) => [c.key, c.items])).toEqual([
      ['a', [1]],
      ['b', [2]],
    ]);
    calls[1]!.finish();
    expect(await b).toBe('b:2');
  });

  it('fails only the batch whose write threw, and goes on with the next', async () => {
    const { calls, write } = controlledWriter();
    const batches = new KeyedBatches(write);
    const failing = batches.submit('t', 1);
    const next = batches.submit('t', 2);
    calls[0]!.finish(new Error('store down'));
    await expect(failing).rejects.toThrow('store down');
    await flush();
    calls[1]!.finish();
    expect(await next).toBe('t:2');
  });

  it('settles each item with its own result, failures included', async () => {
    const batches = new KeyedBatches<number, number>((_key, items) =>
      Promise.resolve(
        items.map((n) =>
          n % 2 ? { ok: true, value: n * 10 } : { ok: false, error: new Error(`${n}`) },
        ),
      ),
    );
    const results = await Promise.allSettled([1, 2, 3].map((n) => batches.submit('t', n)));
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value : String(r.reason)))).toEqual([
      10,
      'Error: 2',
      30,
    ]);
  });

  it('splits a long queue into batches of at most maxBatch, in arrival order', async () => {
    const { calls, write } = controlledWriter();
    const batches = new KeyedBatches(write, 2);
    const all = [1, 2, 3, 4, 5].map((n) => batches.submit('t', n));
    for (let i = 0; i < 3; i++) {
      await flush();
      calls[i]!.finish();
    }
    expect(await Promise.all(all)).toHaveLength(5);
    expect(calls.map((c) => c.items)).toEqual([[1], [2, 3], [4, 5]]);
  });
});
