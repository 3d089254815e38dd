import { type EventBus, type HistoryOptions, type Sequenced } from '@communities/broker';
import { createEvent } from '@communities/contracts';
import { eventually } from '@communities/test-support';
import { accessToken, joinCommunity, joinThread } from './support/auth';
import { memberJoinedEvent, newId, newMessageEvent } from './support/events';
import { type Backend, type RunningGateway, startGateway } from './support/harness';
import { RacingBus } from './support/racing-bus';
import { type Frame, TestClient } from './support/test-client';

/**
 * Histories of 20 events: exact in-process; on Redis `MAXLEN ~ 20` keeps whole stream nodes of
 * 100 entries, so only a longer run (250 below) is certain to be trimmed on both.
 */
const HISTORY: Partial<HistoryOptions> = { maxEvents: 20 };

const range = (from: number, to: number): number[] =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i);

/**
 * Resume after a reconnect, against one gateway whose bus can race its history reads, and a
 * separate bus standing in for the api-service. Run once per backend (in-process hub, Redis).
 */
export function resumeScenarios(makeBackend: (history: Partial<HistoryOptions>) => Backend): void {
  let backend: Backend;
  let api: EventBus;
  let bus: RacingBus;
  let gateway: RunningGateway;
  const clients: TestClient[] = [];

  const connect = async (userId: string): Promise<TestClient> => {
    const client = await TestClient.connect(gateway.port, userId, await accessToken(userId));
    clients.push(client);
    return client;
  };
  /** Publishes `count` messages on the thread, one after another; resolves with their positions. */
  const post = async (thread: string, count: number): Promise<Sequenced[]> => {
    const positions: Sequenced[] = [];
    for (let i = 0; i < count; i += 1) {
      const position = await api.publish(newMessageEvent(thread, `m${i}`));
      if (!position) throw new Error('a durable event was published without a seq');
      positions.push(position);
    }
    return positions;
  };
  const seqsOn = (client: TestClient, channel: string): unknown[] =>
    client.eventsOn(channel).map((event) => event.seq);
  const arrived = (client: TestClient, channel: string, seq: number) =>
    client.waitFor((frame) => frame.channel === channel && frame.seq === seq);
  const indexOf = (client: TestClient, frame: Frame): number => client.frames.indexOf(frame);

  beforeEach(async () => {
    backend = makeBackend(HISTORY);
    api = backend.openBus();
    bus = new RacingBus(backend.openBus());
    gateway = await startGateway(bus);
    await eventually(() => api.ready());
  });

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
    await Promise.all([gateway.gateway.stop(), api.close()]);
    await backend.close();
  });

  it('acks a join with the channel position: 0 without history, then the latest seq and epoch', async () => {
    const [thread, aliceId, bobId] = [newId(), newId(), newId()];
    const channel = `thread:${thread}`;
    const alice = await connect(aliceId);
    const first = await alice.ack(await joinThread(aliceId, thread));
    expect(first).toMatchObject({ channel, seq: 0 });
    expect(first).not.toHaveProperty('epoch');

    const [, , third] = await post(thread, 3);
    const bob = await connect(bobId);
    const ack = await bob.ack(await joinThread(bobId, thread));
    expect(ack).toMatchObject({ channel, seq: 3, epoch: third?.epoch });
    await post(thread, 1);
    await arrived(bob, channel, 4);
    // Every event after the ack has a greater seq.
    expect(seqsOn(bob, channel)).toEqual([4]);
    expect(seqsOn(alice, channel)).toEqual([1, 2, 3, 4]);
  });

  it('replays deleted messages as their deletion and edited ones as they read now, to a newcomer', async () => {
    const [thread, newcomerId] = [newId(), newId()];
    const channel = `thread:${thread}`;
    const [kept, edited, deleted] = [
      newMessageEvent(thread, 'kept'),
      newMessageEvent(thread, 'original text'),
      newMessageEvent(thread, 'removed by a moderator'),
    ];
    for (const event of [kept, edited, deleted]) await api.publish(event);
    const message = (event: typeof kept) =>
      (event.type === 'new_message' ? event.data.message : undefined)!;
    const now = new Date().toISOString();
    const edit = createEvent('message_updated', {
      message: { ...message(edited), content: 'edited text', is_edited: true, edited_at: now },
    });
    await api.publish(edit);
    await api.publish(
      createEvent('message_deleted', { message_id: message(deleted).id, thread_id: thread }),
    );

    // Someone who joins afterwards, asking for everything from the start.
    const newcomer = await connect(newcomerId);
    await newcomer.ack({ ...(await joinThread(newcomerId, thread)), last_seq: 0 });
    const replayed = newcomer.eventsOn(channel);
    expect(replayed.map((event) => [event.seq, event.type])).toEqual([
      [1, 'new_message'],
      [2, 'new_message'],
      [3, 'message_deleted'],
      [4, 'message_updated'],
      [5, 'message_deleted'],
    ]);
    const text = JSON.stringify(replayed);
    expect(text).not.toContain('original text');
    expect(text).not.toContain('removed by a moderator');
    expect(replayed[1]).toMatchObject({
      id: edited.id,
      data: { message: { content: 'edited text' } },
    });
    expect(replayed[2]).toMatchObject({
      id: deleted.id,
      data: { message_id: message(deleted).id, thread_id: thread },
    });
    expect(replayed[0]).toMatchObject({ id: kept.id, data: { message: { content: 'kept' } } });
  });

  it('replays exactly the missed events in order before the ack, then continues live', async () => {
    const [thread, aliceId] = [newId(), newId()];
    const channel = `thread:${thread}`;
    const before = await connect(aliceId);
    await before.ack(await joinThread(aliceId, thread));
    const [, , seen] = await post(thread, 3);
    await arrived(before, channel, 3);
    await before.close();

    await post(thread, 4); // missed: 4..7
    const alice = await connect(aliceId);
    const ack = await alice.ack({
      ...(await joinThread(aliceId, thread)),
      last_seq: seen?.seq,
      epoch: seen?.epoch,
    });
    expect(ack).toMatchObject({ channel, seq: 7, epoch: seen?.epoch });
    expect(seqsOn(alice, channel)).toEqual([4, 5, 6, 7]);
    const lastReplayed = alice.eventsOn(channel).at(-1);
    expect(indexOf(alice, ack)).toBeGreaterThan(indexOf(alice, lastReplayed as Frame));

    await post(thread, 2);
    await arrived(alice, channel, 9);
    expect(seqsOn(alice, channel)).toEqual(range(4, 9));
  });

  it.each([
    ['reach the gateway while it reads the history (held)', true],
    ['reach the gateway after the replay was written (deduplicated live)', false],
  ])(
    'delivers events published during the history read exactly once, in order, when they %s',
    async (_when, reachDuringRead) => {
      const [thread, aliceId] = [newId(), newId()];
      const channel = `thread:${thread}`;
      await post(thread, 2); // the client has seen 1 and 2
      // In-process delivery is a later macrotask: waiting for one lets the events arrive now.
      const arrive = () =>
        reachDuringRead ? new Promise((resolve) => setImmediate(resolve)) : Promise.resolve();
      bus.race({
        // 3..5: in the history and live.
        before: async () => {
          await post(thread, 3);
          await arrive();
        },
        // 6..8: live only.
        after: async () => {
          await post(thread, 3);
          await arrive();
        },
      });
      const alice = await connect(aliceId);
      const ack = await alice.ack({ ...(await joinThread(aliceId, thread)), last_seq: 2 });
      await post(thread, 1);
      await arrived(alice, channel, 9);
      expect(seqsOn(alice, channel)).toEqual(range(3, 9));
      const ids = alice.eventsOn(channel).map((event) => event.id);
      expect(new Set(ids).size).toBe(ids.length);
      // The ack is the position the replay reached: every later event has a greater seq.
      const afterAck = alice.frames.slice(indexOf(alice, ack) + 1).filter((f) => 'seq' in f);
      expect(afterAck.every((event) => Number(event.seq) > Number(ack.seq))).toBe(true);
      expect(Number(ack.seq)).toBeGreaterThanOrEqual(5);
    },
  );

  it('answers resync_required when the epoch changed, then continues live after the latest seq', async () => {
    const [thread, aliceId] = [newId(), newId()];
    const channel = `thread:${thread}`;
    const [, latest] = await post(thread, 2);
    const alice = await connect(aliceId);
    const ack = await alice.ack({
      ...(await joinThread(aliceId, thread)),
      last_seq: 1,
      epoch: 'an-epoch-of-another-history',
    });
    const resync = await alice.waitFor((frame) => frame.type === 'resync_required');
    expect(resync).toEqual({
      type: 'resync_required',
      channel,
      epoch: latest?.epoch,
      seq: 2,
      reason: 'epoch_changed',
    });
    expect(ack).toMatchObject({ seq: 2, epoch: latest?.epoch });
    expect(alice.eventsOn(channel)).toEqual([]);
    await post(thread, 1);
    await arrived(alice, channel, 3);
    expect(seqsOn(alice, channel)).toEqual([3]);
  });

  it('answers resync_required when the missed events are older than the history keeps', async () => {
    const [thread, aliceId] = [newId(), newId()];
    const channel = `thread:${thread}`;
    const [first] = await post(thread, 250);
    const alice = await connect(aliceId);
    await alice.ack({
      ...(await joinThread(aliceId, thread)),
      last_seq: 2,
      epoch: first?.epoch,
    });
    expect(await alice.waitFor((frame) => frame.type === 'resync_required')).toEqual({
      type: 'resync_required',
      channel,
      epoch: first?.epoch,
      seq: 250,
      reason: 'history_truncated',
    });
    await post(thread, 1);
    await arrived(alice, channel, 251);
    expect(seqsOn(alice, channel)).toEqual([251]);
  });

  it('resumes a community channel the same way', async () => {
    const [community, aliceId] = [newId(), newId()];
    const channel = `community:${community}`;
    const events = [memberJoinedEvent(community), memberJoinedEvent(community)];
    const [first] = await Promise.all(events.map((event) => api.publish(event)));
    const alice = await connect(aliceId);
    const ack = await alice.ack({
      ...(await joinCommunity(aliceId, community)),
      last_seq: 0,
      epoch: first?.epoch,
    });
    expect(alice.eventsOn(channel).map((event) => event.id)).toEqual(events.map((e) => e.id));
    expect(ack).toMatchObject({ seq: 2, epoch: first?.epoch });
  });
}
