import type { DomainEvent } from '@communities/contracts';
import {
  COMMUNITY,
  THREAD,
  connectAndJoin,
  harness,
  memberJoined,
  message,
  newMessage,
  settle,
} from '../test/support/fakes';
import type { ResyncInfo } from './types';

const CHANNEL = `thread:${THREAD}`;

/** A thread subscription recording what reaches its handlers. */
function threadHarness(options: Parameters<typeof harness>[0] = {}, afterSeq?: number) {
  const h = harness(options);
  const seen = {
    messages: [] as number[],
    events: [] as DomainEvent[],
    resyncs: [] as ResyncInfo[],
  };
  const subscription = h.client.subscribeThread(
    THREAD,
    {
      onMessage: (m) => seen.messages.push(m.seq),
      onEvent: (e) => seen.events.push(e),
      onResync: (info) => seen.resyncs.push(info),
    },
    { afterSeq },
  );
  return { ...h, seen, subscription };
}

describe('thread subscription: dedupe by seq', () => {
  it('delivers each seq once and drops those at or below the last one', async () => {
    const h = threadHarness();
    const socket = await connectAndJoin(h, { seq: 0, epoch: 'e1' });
    for (const seq of [1, 2, 2, 1, 3]) socket.receive(newMessage(message(seq), seq));
    expect(h.seen.messages).toEqual([1, 2, 3]);
    expect(h.subscription.delivered).toBe(3);
    expect(h.client.stats.duplicates).toBe(2);
    expect(h.client.lastSeq(CHANNEL)).toBe(3);
  });

  it('takes the join ack’s position as the start: events at or below it are dropped', async () => {
    const h = threadHarness();
    const socket = await connectAndJoin(h, { seq: 7, epoch: 'e1' });
    socket.receive(newMessage(message(7), 7));
    socket.receive(newMessage(message(8), 8));
    expect(h.seen.messages).toEqual([8]);
  });

  it('delivers ephemeral events (no seq) without touching the position', async () => {
    const h = threadHarness();
    const socket = await connectAndJoin(h, { seq: 2, epoch: 'e1' });
    const typing = {
      id: 't',
      type: 'typing',
      channel: CHANNEL,
      occurred_at: new Date(0).toISOString(),
      data: { thread_id: THREAD, user_id: 'u' },
    };
    socket.receive(typing);
    socket.receive(typing);
    expect(h.seen.events.map((e) => e.type)).toEqual(['typing', 'typing']);
    expect(h.client.lastSeq(CHANNEL)).toBe(2);
  });
});

describe('thread subscription: resume after a reconnect', () => {
  it('rejoins with last_seq and epoch and delivers the replay without duplicates', async () => {
    const h = threadHarness();
    const first = await connectAndJoin(h, { seq: 0, epoch: 'e1' });
    for (const seq of [1, 2, 3]) first.receive(newMessage(message(seq), seq));
    first.serverClose(1006);
    await h.clock.advance(10_000);
    const second = await h.gateway.accept();
    await settle();

    expect(second.actions('join_thread')).toEqual([
      expect.objectContaining({ thread_id: THREAD, last_seq: 3, epoch: 'e1' }),
    ]);
    // A resumed join's ack carries the current position: it must not skip the replay.
    h.gateway.ackJoins({ seq: 6, epoch: 'e1' });
    for (const seq of [3, 4, 5, 6, 7]) second.receive(newMessage(message(seq), seq));
    expect(h.seen.messages).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it('leaves and rejoins from the last seq when a live event skips seqs, then fills the gap', async () => {
    const h = threadHarness();
    const gaps: unknown[] = [];
    h.client.on('gap', (gap) => gaps.push(gap));
    const socket = await connectAndJoin(h, { seq: 0, epoch: 'e1' });
    socket.receive(newMessage(message(1), 1));
    socket.receive(newMessage(message(3), 3)); // 2 is missing
    expect(gaps).toEqual([{ channel: CHANNEL, lastSeq: 1, received: 3 }]);
    socket.receive(newMessage(message(4), 4)); // dropped until the leave is acked
    const [leave] = socket.actions('leave_thread');
    expect(leave).toEqual(expect.objectContaining({ thread_id: THREAD }));
    socket.receive({ type: 'ack', action: 'leave_thread', channel: CHANNEL, ref: leave!.ref });
    await settle();

    expect(socket.actions('join_thread')[1]).toEqual(
      expect.objectContaining({ last_seq: 1, epoch: 'e1' }),
    );
    h.gateway.ackJoins({ seq: 4, epoch: 'e1' });
    for (const seq of [2, 3, 4]) socket.receive(newMessage(message(seq), seq));
    expect(h.seen.messages).toEqual([1, 2, 3, 4]);
    expect(h.client.stats.gapRejoins).toBe(1);
    expect(h.api.to(/^\/api\/messages/)).toEqual([]);
  });
  it('ignores the ack of a join it already left because of a gap in the replay', async () => {
    const h = threadHarness();
    const first = await connectAndJoin(h, { seq: 0, epoch: 'e1' });
    first.receive(newMessage(message(1), 1));
    first.serverClose(1006);
    await h.clock.advance(10_000);
    const socket = await h.gateway.accept();
    await settle();
    socket.receive(newMessage(message(3), 3)); // the replay skips 2
    h.gateway.ackJoins({ seq: 3, epoch: 'e1' }); // answers the join sent before the leave
    socket.receive(newMessage(message(4), 4)); // still before the leave's ack: dropped
    const [leave] = socket.actions('leave_thread');
    socket.receive({ type: 'ack', action: 'leave_thread', channel: CHANNEL, ref: leave!.ref });
    await settle();
    h.gateway.ackJoins({ seq: 4, epoch: 'e1' });
    for (const seq of [2, 3, 4]) socket.receive(newMessage(message(seq), seq));

    expect(socket.actions('join_thread').map((j) => j.last_seq)).toEqual([1, 1]);
    expect(h.seen.messages).toEqual([1, 2, 3, 4]);
    expect(h.api.to(/^\/api\/messages/)).toEqual([]);
  });

  it('falls back to a REST catch-up when the rejoin does not close the gap', async () => {
    const h = threadHarness({ resyncOverlap: 0 });
    const socket = await connectAndJoin(h, { seq: 0, epoch: 'e1' });
    socket.receive(newMessage(message(1), 1));
    socket.receive(newMessage(message(3), 3));
    const [leave] = socket.actions('leave_thread');
    socket.receive({ type: 'ack', action: 'leave_thread', channel: CHANNEL, ref: leave!.ref });
    await settle();
    h.gateway.ackJoins({ seq: 3, epoch: 'e1' });
    h.api.messages.push(...[1, 2, 3].map((seq) => message(seq)));
    socket.receive(newMessage(message(3), 3)); // the history no longer has 2 either
    await settle();

    expect(socket.actions('leave_thread')).toHaveLength(1);
    expect(h.seen.messages).toEqual([1, 2, 3]);
    expect(h.seen.resyncs).toEqual([{ channel: CHANNEL, reason: 'gap', recovered: 2 }]);
    expect(h.client.lastSeq(CHANNEL)).toBe(3);
  });
});

describe('thread subscription: resync over REST', () => {
  it('after resync_required, fetches after the last message seq and delivers exactly the missing ones once', async () => {
    const h = threadHarness({ resyncOverlap: 0 });
    h.api.pageSize = 2;
    const socket = await connectAndJoin(h, { seq: 0, epoch: 'e1' });
    for (const seq of [1, 2]) socket.receive(newMessage(message(seq), seq));
    h.api.messages.push(...[1, 2, 3, 4, 5, 6].map((seq) => message(seq)));

    socket.receive({
      type: 'resync_required',
      channel: CHANNEL,
      epoch: 'e2',
      seq: 40,
      reason: 'history_truncated',
    });
    // Live while the catch-up runs: held, then delivered after it (6 is also in the REST answer).
    socket.receive(newMessage(message(6), 41, 'e2'));
    socket.receive(newMessage(message(7), 42, 'e2'));
    await settle();

    const fetches = h.api.to(`/api/messages/thread/${THREAD}`);
    expect(fetches.map((r) => [r.query.get('after_seq'), r.query.get('cursor')])).toEqual([
      ['2', null],
      ['2', '2'],
    ]);
    expect(h.seen.messages).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(h.seen.resyncs).toEqual([
      { channel: CHANNEL, reason: 'history_truncated', recovered: 4 },
    ]);
    expect(h.client.lastSeq(CHANNEL)).toBe(42);
    expect(h.client.epoch(CHANNEL)).toBe('e2');
  });

  it('refetches an overlap below the highest seq, so a message published out of order is not lost', async () => {
    const h = threadHarness({ resyncOverlap: 32 });
    const socket = await connectAndJoin(h, { seq: 0, epoch: 'e1' });
    // Message 2 was inserted before 3 but its event was lost in the gap that follows.
    socket.receive(newMessage(message(1), 1));
    socket.receive(newMessage(message(3), 2));
    h.api.messages.push(...[1, 2, 3, 4].map((seq) => message(seq)));
    socket.receive({
      type: 'resync_required',
      channel: CHANNEL,
      epoch: 'e1',
      seq: 9,
      reason: 'history_truncated',
    });
    await settle();
    expect(h.api.to(`/api/messages/thread/${THREAD}`)[0]?.query.get('after_seq')).toBe('0');
    expect(h.seen.messages).toEqual([1, 3, 2, 4]);
  });

  it('starts the catch-up from afterSeq when no message was delivered yet', async () => {
    const h = threadHarness({ resyncOverlap: 0 }, 10);
    const socket = await connectAndJoin(h, { seq: 0, epoch: 'e1' });
    h.api.messages.push(...[10, 11].map((seq) => message(seq)));
    socket.receive({
      type: 'resync_required',
      channel: CHANNEL,
      epoch: 'e1',
      seq: 5,
      reason: 'history_truncated',
    });
    await settle();
    expect(h.seen.messages).toEqual([11]);
  });

  it('treats an epoch change on a live event as a resync, delivering the event after the catch-up', async () => {
    const h = threadHarness({ resyncOverlap: 0 });
    const resynced: ResyncInfo[] = [];
    h.client.on('resynced', (info) => resynced.push(info));
    const socket = await connectAndJoin(h, { seq: 0, epoch: 'e1' });
    socket.receive(newMessage(message(1), 1));
    h.api.messages.push(...[1, 2, 3].map((seq) => message(seq)));
    socket.receive(newMessage(message(4), 2, 'e2')); // history reset: e2 starts again at 1
    await settle();

    expect(h.api.to(`/api/messages/thread/${THREAD}`)[0]?.query.get('after_seq')).toBe('1');
    expect(h.seen.messages).toEqual([1, 2, 3, 4]);
    expect(resynced).toEqual([{ channel: CHANNEL, reason: 'epoch_changed', recovered: 2 }]);
    expect(h.client.epoch(CHANNEL)).toBe('e2');
    socket.receive(newMessage(message(5), 3, 'e2'));
    expect(h.seen.messages).toEqual([1, 2, 3, 4, 5]);
  });

  it('keeps held events in order when one of them starts another catch-up', async () => {
    const h = threadHarness({ resyncOverlap: 0 });
    const socket = await connectAndJoin(h, { seq: 0, epoch: 'e1' });
    socket.receive({
      type: 'resync_required',
      channel: CHANNEL,
      epoch: 'e1',
      seq: 5,
      reason: 'history_truncated',
    });
    // Held during the catch-up; the first one reveals a new epoch, which needs a second one.
    socket.receive(newMessage(message(1), 1, 'e2'));
    socket.receive(newMessage(message(2), 2, 'e2'));
    await settle();
    expect(h.seen.messages).toEqual([1, 2]);
    expect(h.seen.resyncs.map((r) => r.reason)).toEqual(['history_truncated', 'epoch_changed']);
    expect(socket.actions('leave_thread')).toEqual([]);
  });

  it('takes the next epoch as it comes after a resync_required for a channel without history', async () => {
    const h = threadHarness({ resyncOverlap: 0 });
    const socket = await connectAndJoin(h, { seq: 0, epoch: 'e1' });
    socket.receive(newMessage(message(1), 1));
    socket.receive({
      type: 'resync_required',
      channel: CHANNEL,
      epoch: '',
      seq: 0,
      reason: 'epoch_changed',
    });
    await settle();
    socket.receive(newMessage(message(2), 1, 'e9'));
    await settle();
    expect(h.seen.resyncs.map((r) => r.reason)).toEqual(['epoch_changed']);
    expect(h.seen.messages).toEqual([1, 2]);
    expect(h.client.epoch(CHANNEL)).toBe('e9');
  });

  it('retries a catch-up that failed transiently, with backoff, and reports the failure', async () => {
    const h = threadHarness({ resyncOverlap: 0 });
    const socket = await connectAndJoin(h, { seq: 0, epoch: 'e1' });
    h.api.messages.push(message(1));
    h.api.answerNext(/^\/api\/messages\//, 503);
    socket.receive({
      type: 'resync_required',
      channel: CHANNEL,
      epoch: 'e1',
      seq: 3,
      reason: 'history_truncated',
    });
    await settle();
    expect(h.seen.messages).toEqual([]);
    expect(h.errors.map((e) => e.code)).toEqual(['RESYNC_FAILED']);
    await h.clock.advance(250);
    expect(h.seen.messages).toEqual([1]);
  });
});

describe('community subscription', () => {
  it('calls onResync on resync_required and on an epoch change, then goes on', async () => {
    const h = harness();
    const events: number[] = [];
    const resyncs: string[] = [];
    h.client.subscribeCommunity(COMMUNITY, {
      onEvent: (e) => events.push(e.seq!),
      onResync: (info) => resyncs.push(info.reason),
    });
    const socket = await connectAndJoin(h, { seq: 0, epoch: 'e1' });
    socket.receive(memberJoined(1));
    socket.receive({
      type: 'resync_required',
      channel: `community:${COMMUNITY}`,
      epoch: 'e1',
      seq: 9,
      reason: 'history_truncated',
    });
    socket.receive(memberJoined(10));
    socket.receive(memberJoined(1, 'e2'));
    socket.receive(memberJoined(2, 'e2'));
    expect(resyncs).toEqual(['history_truncated', 'epoch_changed']);
    expect(events).toEqual([1, 10, 1, 2]);
    expect(h.api.to(/^\/api\/messages/)).toEqual([]);
  });
});
