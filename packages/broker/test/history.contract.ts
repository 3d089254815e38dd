import { DomainEvent } from '@communities/contracts';
import { type Sequenced } from '@communities/broker';
import { eventually } from '@communities/test-support';
import { type BusPair, type MakePair } from './event-bus.contract';
import { newId, threadEvent, typingEvent } from './support/events';

const seqOf = (payload: string): number => (JSON.parse(payload) as { seq: number }).seq;
const range = (from: number, to: number): number[] =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** Sequencing and history: part of the EventBus contract, run against every implementation. */
export function historyContract(makePair: MakePair): void {
  let pair: BusPair;
  beforeEach(async () => {
    pair = await makePair();
  });
  afterEach(async () => {
    await pair.close();
  });

  /** Publishes `count` durable events on `channel` one after another. */
  async function publishSeries(channel: string, count: number): Promise<Sequenced[]> {
    const thread = channel.slice('thread:'.length);
    const positions: Sequenced[] = [];
    for (let n = 0; n < count; n += 1)
      positions.push((await pair.publisher.publish(threadEvent(thread, n)))!);
    return positions;
  }

  it('numbers events 1, 2, 3... without a gap under concurrent publishes from both buses', async () => {
    const thread = newId();
    const live: string[] = [];
    await pair.subscriber.subscribe(`thread:${thread}`, (payload) => live.push(payload));
    const publishes = range(1, 80).map((n) =>
      (n % 2 ? pair.publisher : pair.subscriber).publish(threadEvent(thread, n)),
    );
    const positions = (await Promise.all(publishes)) as Sequenced[];
    expect(positions.map((p) => p.seq).sort((x, y) => x - y)).toEqual(range(1, 80));
    expect(new Set(positions.map((p) => p.epoch)).size).toBe(1);
    await eventually(() => live.length === 80);
    expect(live.map(seqOf)).toEqual(range(1, 80));
  });

  it('numbers each channel on its own', async () => {
    const [a, b] = [newId(), newId()];
    const publishes = range(1, 10).map((n) => pair.publisher.publish(threadEvent(n % 2 ? a : b)));
    const positions = (await Promise.all(publishes)) as Sequenced[];
    expect(positions.filter((_, i) => i % 2 === 0).map((p) => p.seq)).toEqual(range(1, 5));
    expect(positions.filter((_, i) => i % 2 === 1).map((p) => p.seq)).toEqual(range(1, 5));
    expect(await pair.publisher.position(`thread:${a}`)).toMatchObject({ seq: 5 });
  });

  it('reports no position for a channel without history', async () => {
    await expect(pair.subscriber.position(`thread:${newId()}`)).resolves.toEqual({
      epoch: null,
      seq: 0,
    });
    await expect(pair.subscriber.history(`thread:${newId()}`, 0)).resolves.toEqual({
      epoch: null,
      latestSeq: 0,
      events: [],
      complete: true,
    });
  });

  it('keeps one epoch while the history lasts and reports the latest position to any bus', async () => {
    const channel = `thread:${newId()}`;
    const positions = await publishSeries(channel, 3);
    const epoch = positions[0]!.epoch;
    expect(positions).toEqual(range(1, 3).map((seq) => ({ seq, epoch })));
    await expect(pair.subscriber.position(channel)).resolves.toEqual({ epoch, seq: 3 });
  });

  it('starts a new epoch at seq 1 once the history is lost', async () => {
    const channel = `thread:${newId()}`;
    const [old] = await publishSeries(channel, 3);
    await pair.loseHistory(channel);
    await expect(pair.publisher.position(channel)).resolves.toEqual({ epoch: null, seq: 0 });
    const [fresh] = await publishSeries(channel, 1);
    expect(fresh!.seq).toBe(1);
    expect(fresh!.epoch).not.toBe(old!.epoch);
    const history = await pair.subscriber.history(channel, 0);
    expect(history).toMatchObject({ epoch: fresh!.epoch, latestSeq: 1, complete: true });
    expect(history.events.map(seqOf)).toEqual([1]);
  });

  it('returns the events after a seq in order, with the latest position', async () => {
    const channel = `thread:${newId()}`;
    const [first] = await publishSeries(channel, 10);
    const after4 = await pair.subscriber.history(channel, 4);
    expect(after4).toMatchObject({ epoch: first!.epoch, latestSeq: 10, complete: true });
    expect(after4.events.map(seqOf)).toEqual(range(5, 10));
    expect((await pair.subscriber.history(channel, 0)).events.map(seqOf)).toEqual(range(1, 10));
    await expect(pair.subscriber.history(channel, 10)).resolves.toMatchObject({
      latestSeq: 10,
      events: [],
      complete: true,
    });
  });

  it('reports the history incomplete once the events after a seq were trimmed', async () => {
    const channel = `thread:${newId()}`;
    const small = await makePair({ history: { maxEvents: 10 } });
    try {
      const thread = channel.slice('thread:'.length);
      await Promise.all(range(1, 250).map((n) => small.publisher.publish(threadEvent(thread, n))));
      const all = await small.subscriber.history(channel, 0);
      expect(all).toMatchObject({ latestSeq: 250, complete: false });
      // What is kept is a gapless suffix of at least maxEvents (Redis trims whole stream nodes).
      const kept = all.events.map(seqOf);
      const oldest = kept[0]!;
      expect(oldest).toBeGreaterThan(1);
      expect(kept).toEqual(range(oldest, 250));
      expect(kept.length).toBeGreaterThanOrEqual(10);
      await expect(small.subscriber.history(channel, oldest - 1)).resolves.toMatchObject({
        complete: true,
      });
      await expect(small.subscriber.history(channel, oldest - 2)).resolves.toMatchObject({
        complete: false,
      });
    } finally {
      await small.close();
    }
  });

  it('keeps ephemeral events out of the numbering and the history', async () => {
    const thread = newId();
    const channel = `thread:${thread}`;
    const first = await pair.publisher.publish(threadEvent(thread, 1));
    await expect(pair.publisher.publish(typingEvent(thread))).resolves.toBeUndefined();
    const second = await pair.publisher.publish(threadEvent(thread, 2));
    expect([first?.seq, second?.seq]).toEqual([1, 2]);
    const history = await pair.subscriber.history(channel, 0);
    expect(history.events.map((p) => (JSON.parse(p) as DomainEvent).type)).toEqual([
      'message_deleted',
      'message_deleted',
    ]);
  });

  it('serves from history the same bytes that were delivered live', async () => {
    const channel = `thread:${newId()}`;
    const live: string[] = [];
    await pair.subscriber.subscribe(channel, (payload) => live.push(payload));
    await publishSeries(channel, 5);
    await eventually(() => live.length === 5);
    expect((await pair.subscriber.history(channel, 0)).events).toEqual(live);
  });

  it('delivers payloads that parse as a DomainEvent carrying their seq and epoch', async () => {
    const thread = newId();
    const live: string[] = [];
    await pair.subscriber.subscribe(`thread:${thread}`, (payload) => live.push(payload));
    const event = threadEvent(thread);
    const position = await pair.publisher.publish(event);
    await eventually(() => live.length === 1);
    expect(DomainEvent.parse(JSON.parse(live[0]!))).toEqual({ ...event, ...position });
  });

  it('replaces a seq and epoch the published event already carried', async () => {
    const thread = newId();
    const live: string[] = [];
    await pair.subscriber.subscribe(`thread:${thread}`, (payload) => live.push(payload));
    const event = threadEvent(thread);
    const position = await pair.publisher.publish({ ...event, seq: 99, epoch: 'stale' });
    await eventually(() => live.length === 1);
    expect(position?.seq).toBe(1);
    expect(live[0]).toBe(JSON.stringify({ ...event, ...position }));
  });

  it('rejects an afterSeq that is not an integer >= 0', async () => {
    const channel = `thread:${newId()}`;
    await expect(pair.subscriber.history(channel, -1)).rejects.toThrow(RangeError);
    await expect(pair.subscriber.history(channel, 1.5)).rejects.toThrow(RangeError);
  });
}
