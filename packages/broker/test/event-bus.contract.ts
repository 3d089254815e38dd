import { type HistoryOptions, type EventBus } from '@communities/broker';
import { eventually } from '@communities/test-support';
import { historyContract } from './history.contract';
import { revocationRegisterContract } from './revocation-register.contract';
import { newId, recorder, threadEvent, typingEvent } from './support/events';

/** A publisher and a subscriber; the same instance in one process, two processes' worth on Redis. */
export interface BusPair {
  publisher: EventBus;
  subscriber: EventBus;
  /** Loses the channel's whole history, as a Redis restart without persistence does. */
  loseHistory(channel: string): Promise<void>;
  close(): Promise<void>;
}

export type MakePair = (options?: { history?: Partial<HistoryOptions> }) => Promise<BusPair>;

/**
 * The behaviour every EventBus implementation promises. "Nothing arrives" is checked by publishing
 * a later marker on a subscribed channel: once the marker is in, the earlier event would be too.
 */
export function eventBusContract(makePair: MakePair): void {
  let pair: BusPair;
  beforeEach(async () => {
    pair = await makePair();
  });
  afterEach(async () => {
    await pair.close();
  });

  it('delivers an event to the subscribers of its channel only', async () => {
    const [a, b, marker] = [newId(), newId(), newId()];
    const { received, handler } = recorder();
    await pair.subscriber.subscribe(`thread:${a}`, handler);
    await pair.subscriber.subscribe(`thread:${marker}`, handler);
    const event = threadEvent(a);
    await pair.publisher.publish(threadEvent(b));
    const position = await pair.publisher.publish(event);
    await pair.publisher.publish(threadEvent(marker));
    await eventually(() => received.has(`thread:${marker}`));
    expect(received.get(`thread:${a}`)).toEqual([{ ...event, ...position }]);
    expect(received.has(`thread:${b}`)).toBe(false);
  });

  it('carries a durable event as its JSON text with its seq and epoch appended', async () => {
    const thread = newId();
    const payloads: string[] = [];
    await pair.subscriber.subscribe(`thread:${thread}`, (payload) => payloads.push(payload));
    const event = threadEvent(thread);
    const position = await pair.publisher.publish(event);
    await eventually(() => payloads.length === 1);
    expect(position).toEqual({ seq: 1, epoch: expect.any(String) });
    expect(payloads[0]).toBe(JSON.stringify({ ...event, ...position }));
  });

  it('carries an ephemeral event as its JSON text, unchanged', async () => {
    const thread = newId();
    const payloads: string[] = [];
    await pair.subscriber.subscribe(`thread:${thread}`, (payload) => payloads.push(payload));
    const event = typingEvent(thread);
    await expect(pair.publisher.publish(event)).resolves.toBeUndefined();
    await eventually(() => payloads.length === 1);
    expect(payloads[0]).toBe(JSON.stringify(event));
  });

  it('stops delivery after unsubscribe', async () => {
    const [thread, marker] = [newId(), newId()];
    const { received, handler } = recorder();
    await pair.subscriber.subscribe(`thread:${thread}`, handler);
    await pair.subscriber.subscribe(`thread:${marker}`, handler);
    await pair.publisher.publish(threadEvent(thread, 1));
    await eventually(() => received.get(`thread:${thread}`)?.length === 1);
    await pair.subscriber.unsubscribe(`thread:${thread}`);
    await pair.publisher.publish(threadEvent(thread, 2));
    await pair.publisher.publish(threadEvent(marker));
    await eventually(() => received.has(`thread:${marker}`));
    expect(received.get(`thread:${thread}`)).toHaveLength(1);
  });

  it('delivers once when a channel is subscribed twice', async () => {
    const thread = newId();
    const { received, handler } = recorder();
    await pair.subscriber.subscribe(`thread:${thread}`, handler);
    await pair.subscriber.subscribe(`thread:${thread}`, handler);
    await pair.publisher.publish(threadEvent(thread, 1));
    await pair.publisher.publish(threadEvent(thread, 2));
    await eventually(() => received.get(`thread:${thread}`)?.length === 2);
    expect(received.get(`thread:${thread}`)?.map((e) => e.occurred_at)).toEqual([
      new Date(1).toISOString(),
      new Date(2).toISOString(),
    ]);
  });

  it('treats unsubscribing an unknown channel as a no-op', async () => {
    await expect(pair.subscriber.unsubscribe(`thread:${newId()}`)).resolves.toBeUndefined();
  });

  it('preserves publish order per channel', async () => {
    const thread = newId();
    const { received, handler } = recorder();
    await pair.subscriber.subscribe(`thread:${thread}`, handler);
    const events = Array.from({ length: 50 }, (_, n) => threadEvent(thread, n));
    await Promise.all(events.map((event) => pair.publisher.publish(event)));
    await eventually(() => received.get(`thread:${thread}`)?.length === events.length);
    expect(received.get(`thread:${thread}`)?.map((e) => e.id)).toEqual(events.map((e) => e.id));
  });

  it('resolves a publish that nobody is subscribed to', async () => {
    await expect(pair.publisher.publish(threadEvent(newId()))).resolves.toMatchObject({ seq: 1 });
  });

  it('never delivers synchronously inside publish', async () => {
    const thread = newId();
    const payloads: string[] = [];
    await pair.subscriber.subscribe(`thread:${thread}`, (payload) => payloads.push(payload));
    const publishing = pair.publisher.publish(threadEvent(thread));
    expect(payloads).toHaveLength(0);
    await publishing;
    await eventually(() => payloads.length === 1);
  });

  it('keeps delivering to other handlers when one handler throws', async () => {
    const [bad, good] = [newId(), newId()];
    const payloads: string[] = [];
    await pair.subscriber.subscribe(`thread:${bad}`, () => {
      throw new Error('handler bug');
    });
    await pair.subscriber.subscribe(`thread:${good}`, (payload) => payloads.push(payload));
    await pair.publisher.publish(threadEvent(bad));
    await pair.publisher.publish(threadEvent(good));
    await eventually(() => payloads.length === 1);
  });

  it('is ready while open and rejects publishing and reading history once closed', async () => {
    const channel = `thread:${newId()}`;
    await eventually(() => pair.publisher.ready());
    await pair.publisher.close();
    expect(pair.publisher.ready()).toBe(false);
    await expect(pair.publisher.publish(threadEvent(newId()))).rejects.toThrow(/closed/);
    await expect(pair.publisher.position(channel)).rejects.toThrow(/closed/);
    await expect(pair.publisher.history(channel, 0)).rejects.toThrow(/closed/);
  });

  describe('history', () => {
    historyContract(makePair);
  });

  describe('revocation register', () => {
    revocationRegisterContract(makePair);
  });
}
