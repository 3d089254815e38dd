import { type DomainEvent, createEvent } from '@communities/contracts';
import { pino } from 'pino';
import { type LocalConnection } from '../connections/local-connection';
import { GatewayMetrics } from '../metrics';
import { CatchUpTracker } from './catch-up';
import { createFanout } from './fanout';
import { type TextFrame } from '../protocol/text-frame';
import { OriginTracker } from './origin-tracker';

const THREAD = '0123456789abcdef01234567';
const CHANNEL = `thread:${THREAD}`;

interface FakeConnection extends LocalConnection {
  frames: (TextFrame | string)[];
  closedWith?: number;
  bufferedAmount: number;
}

function fake(id: string, bufferedAmount = 0): FakeConnection {
  const connection: FakeConnection = {
    id,
    userId: `user-${id}`,
    isOpen: true,
    bufferedAmount,
    frames: [],
    send: (frame) => connection.frames.push(frame),
    close: (code) => {
      connection.closedWith = code;
    },
  };
  return connection;
}

function setup(members: FakeConnection[], maxBufferedBytes = 1000) {
  const metrics = new GatewayMetrics({
    openConnections: () => 0,
    activeChannels: () => 0,
    members: () => 0,
  });
  const origins = new OriginTracker();
  const catchUps = new CatchUpTracker(maxBufferedBytes);
  const deliver = createFanout({
    membersOf: (channel) => (channel === CHANNEL ? new Set(members) : undefined),
    catchingUp: (channel) => catchUps.of(channel),
    origins,
    metrics,
    logger: pino({ level: 'silent' }),
    maxBufferedBytes,
    now: () => Date.parse('2030-01-01T00:00:00.050Z'),
  });
  const counter = async (name: string, labels: Record<string, string>): Promise<number> => {
    const metric = await metrics.registry.getSingleMetric(name)?.get();
    const value = metric?.values.find((v) =>
      Object.entries(labels).every(([k, l]) => String(v.labels[k]) === l),
    );
    return value?.value ?? 0;
  };
  return { deliver, origins, catchUps, counter };
}

const messageDeleted = (): DomainEvent =>
  createEvent(
    'message_deleted',
    { thread_id: THREAD, message_id: THREAD },
    new Date('2030-01-01T00:00:00Z'),
  );

/** As the broker delivers a durable event: numbered in its channel's history (same text each call). */
const SEQUENCED_BASE = messageDeleted();
const sequenced = (seq: number): string => JSON.stringify({ ...SEQUENCED_BASE, seq, epoch: 'e1' });

describe('fanout', () => {
  it('writes the same buffer to every socket in the channel', () => {
    const [a, b] = [fake('a'), fake('b')];
    const { deliver } = setup([a, b]);
    const payload = JSON.stringify(messageDeleted());
    deliver(payload, CHANNEL);
    expect(a.frames).toHaveLength(1);
    expect(a.frames[0]).toBe(b.frames[0]);
    expect(a.frames[0]?.toString()).toBe(payload);
  });

  it('drops and counts a payload that is not a valid event', async () => {
    const a = fake('a');
    const { deliver, counter } = setup([a]);
    deliver('not json', CHANNEL);
    deliver(JSON.stringify({ ...messageDeleted(), type: 'mystery' }), CHANNEL);
    deliver(JSON.stringify(messageDeleted()), 'thread:ffffffffffffffffffffffff');
    expect(a.frames).toHaveLength(0);
    expect(await counter('gateway_events_dropped_total', { reason: 'invalid_json' })).toBe(1);
    expect(await counter('gateway_events_dropped_total', { reason: 'invalid_event' })).toBe(1);
    expect(await counter('gateway_events_dropped_total', { reason: 'channel_mismatch' })).toBe(1);
  });

  it('does not echo a typing event to the connection that sent it', () => {
    const [sender, other] = [fake('sender'), fake('other')];
    const { deliver, origins } = setup([sender, other]);
    const typing = createEvent('typing', { thread_id: THREAD, user_id: 'user-sender' });
    origins.remember(typing.id, sender.id);
    deliver(JSON.stringify(typing), CHANNEL);
    expect(sender.frames).toHaveLength(0);
    expect(other.frames).toHaveLength(1);
    expect(origins.size).toBe(0);
  });

  it('closes a socket whose send buffer is past the limit with 1013', async () => {
    const [slow, fast] = [fake('slow', 5000), fake('fast')];
    const { deliver, counter } = setup([slow, fast]);
    deliver(JSON.stringify(messageDeleted()), CHANNEL);
    expect(slow.closedWith).toBe(1013);
    expect(slow.frames).toHaveLength(0);
    expect(fast.frames).toHaveLength(1);
    expect(await counter('gateway_events_dropped_total', { reason: 'slow_consumer' })).toBe(1);
  });

  it('sheds typing events first when a socket falls behind', () => {
    const lagging = fake('lagging', 600);
    const { deliver } = setup([lagging]);
    deliver(JSON.stringify(createEvent('typing', { thread_id: THREAD, user_id: 'u' })), CHANNEL);
    deliver(JSON.stringify(messageDeleted()), CHANNEL);
    expect(lagging.frames).toHaveLength(1);
    expect(lagging.closedWith).toBeUndefined();
  });

  it('sheds typing first as a socket falls behind, then closes it with 1013 past the limit', async () => {
    const socket = fake('falling-behind');
    const { deliver, counter } = setup([socket], 1000);
    const typing = () => JSON.stringify(createEvent('typing', { thread_id: THREAD, user_id: 'u' }));
    const received = () => socket.frames.map((f) => (JSON.parse(f.toString()) as DomainEvent).type);

    deliver(typing(), CHANNEL);
    socket.bufferedAmount = 501;
    deliver(typing(), CHANNEL);
    deliver(sequenced(1), CHANNEL);
    expect(received()).toEqual(['typing', 'message_deleted']);
    expect(socket.closedWith).toBeUndefined();

    socket.bufferedAmount = 1001;
    deliver(sequenced(2), CHANNEL);
    expect(received()).toEqual(['typing', 'message_deleted']);
    expect(socket.closedWith).toBe(1013);
    expect(
      await counter('gateway_events_dropped_total', { reason: 'ephemeral_backpressure' }),
    ).toBe(1);
    expect(await counter('gateway_events_dropped_total', { reason: 'slow_consumer' })).toBe(1);
  });

  it('holds the events of a socket that is catching up while the others get them at once', () => {
    const [joining, live] = [fake('joining'), fake('live')];
    const { deliver, catchUps } = setup([joining, live]);
    const catchUp = catchUps.begin(joining, CHANNEL);
    deliver(sequenced(5), CHANNEL);
    expect(live.frames.map(String)).toEqual([sequenced(5)]);
    expect(joining.frames).toEqual([]);

    const replay = [4, 5].map((seq) => ({
      frame: sequenced(seq),
      seq,
      epoch: 'e1',
      ephemeral: false,
    }));
    catchUp.release({ seq: 3, epoch: 'e1' }, replay);
    deliver(sequenced(6), CHANNEL);
    expect(joining.frames.map(String)).toEqual([4, 5, 6].map(sequenced));
    expect(live.frames.map(String)).toEqual([5, 6].map(sequenced));
  });

  it('drops and counts a live event that the socket already got in its replay', async () => {
    const joining = fake('joining');
    const { deliver, catchUps, counter } = setup([joining]);
    const replay = [4, 5].map((seq) => ({
      frame: sequenced(seq),
      seq,
      epoch: 'e1',
      ephemeral: false,
    }));
    catchUps.begin(joining, CHANNEL).release({ seq: 3, epoch: 'e1' }, replay);
    // 5 was published before the history read but reaches this gateway live after it.
    deliver(sequenced(5), CHANNEL);
    deliver(sequenced(6), CHANNEL);
    expect(joining.frames.map(String)).toEqual([4, 5, 6].map(sequenced));
    expect(await counter('gateway_events_dropped_total', { reason: 'duplicate' })).toBe(1);
    expect(catchUps.size).toBe(0);
  });

  it('records delivered events and the publish-to-write latency', async () => {
    const { deliver, counter } = setup([fake('a'), fake('b')]);
    deliver(JSON.stringify(messageDeleted()), CHANNEL);
    expect(await counter('gateway_events_delivered_total', { type: 'message_deleted' })).toBe(2);
    expect(await counter('gateway_delivery_latency_seconds', { le: '0.05' })).toBe(1);
    expect(await counter('gateway_delivery_latency_seconds', { le: '0.025' })).toBe(0);
  });
});

describe('OriginTracker', () => {
  it('forgets origins after the ttl and beyond its capacity', () => {
    let now = 0;
    const tracker = new OriginTracker(100, 2, () => now);
    tracker.remember('e1', 'c1');
    tracker.remember('e2', 'c2');
    tracker.remember('e3', 'c3');
    expect(tracker.take('e1')).toBeUndefined();
    now = 200;
    tracker.remember('e4', 'c4');
    expect(tracker.take('e2')).toBeUndefined();
    expect(tracker.take('e4')).toBe('c4');
  });
});
