import { type EventBus, InProcessEventBus, InProcessHub } from '@communities/broker';
import { pino } from 'pino';
import { accessToken, grant, joinCommunity, joinThread } from './support/auth';
import { memberJoinedEvent, newId, newMessageEvent } from './support/events';
import { type RunningGateway, startGateway } from './support/harness';
import { TestClient } from './support/test-client';

const logger = pino({ level: 'silent' });

/**
 * Joins need a grant for exactly this member and channel. Every refusal is checked against a
 * member who joined the same channel with a good grant: that one receives the event, the refused
 * one does not (it has received a later marker event instead).
 */
describe('realtime-gateway joins and grants', () => {
  let hub: InProcessHub;
  let api: EventBus;
  let gateway: RunningGateway;
  const clients: TestClient[] = [];
  const connect = async (userId = newId()): Promise<TestClient> => {
    const client = await TestClient.connect(gateway.port, userId, await accessToken(userId));
    clients.push(client);
    return client;
  };

  beforeEach(async () => {
    hub = new InProcessHub();
    api = new InProcessEventBus(logger, hub);
    gateway = await startGateway(new InProcessEventBus(logger, hub));
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
    await Promise.all([gateway.gateway.stop(), api.close()]);
  });

  /** Publishes one event on the thread, then a marker on `markerThread` that `refused` joined. */
  async function expectOnlyControlReceives(
    thread: string,
    control: TestClient,
    refused: TestClient,
    refusedId: string,
  ): Promise<void> {
    const markerThread = newId();
    await refused.ack(await joinThread(refusedId, markerThread));
    const event = newMessageEvent(thread);
    const marker = newMessageEvent(markerThread);
    await api.publish(event);
    await api.publish(marker);
    await control.waitFor((frame) => frame.id === event.id);
    await refused.waitFor((frame) => frame.id === marker.id);
    expect(refused.eventIds()).toEqual([marker.id]);
  }

  const REFUSALS: [string, (memberId: string, thread: string) => Promise<string | undefined>][] = [
    ['no grant', () => Promise.resolve(undefined)],
    ['a grant for another channel', (id) => grant(id, `thread:${newId()}`)],
    ['a grant for another member', (_id, thread) => grant(newId(), `thread:${thread}`)],
    [
      'an expired grant',
      (id, thread) =>
        grant(id, `thread:${thread}`, {
          issuedAt: Date.now() - 10 * 60 * 1000,
          grantTtlSeconds: 60,
        }),
    ],
    [
      'a grant signed with another key',
      (id, thread) => grant(id, `thread:${thread}`, { keySpec: `test-key:${'z'.repeat(40)}` }),
    ],
    ['an access token instead of a grant', (id) => accessToken(id)],
  ];

  it.each(REFUSALS)(
    'refuses join_thread with %s (FORBIDDEN) and delivers nothing',
    async (_name, make) => {
      const [thread, controlId, refusedId] = [newId(), newId(), newId()];
      const [control, refused] = [await connect(controlId), await connect(refusedId)];
      await control.ack(await joinThread(controlId, thread));
      const token = await make(refusedId, thread);
      const answer = await refused.request({
        action: 'join_thread',
        thread_id: thread,
        ...(token !== undefined && { grant: token }),
      });
      expect(answer).toMatchObject({ type: 'error', code: 'FORBIDDEN' });
      expect(refused.isOpen).toBe(true);
      await expectOnlyControlReceives(thread, control, refused, refusedId);
    },
  );

  it('tells a client without a grant where to get one', async () => {
    const client = await connect();
    const answer = await client.request({ action: 'join_community', community_id: newId() });
    expect(answer).toMatchObject({ type: 'error', code: 'FORBIDDEN' });
    expect(answer.message).toMatch(/POST \/api\/realtime\/grants/);
  });

  it('joins a community with a grant for it and delivers its events', async () => {
    const [community, memberId] = [newId(), newId()];
    const member = await connect(memberId);
    const ack = await member.ack(await joinCommunity(memberId, community));
    expect(ack).toMatchObject({ action: 'join_community', channel: `community:${community}` });
    const event = memberJoinedEvent(community);
    await api.publish(event);
    await member.waitFor((frame) => frame.id === event.id);
  });

  it('refuses a community grant used for another community', async () => {
    const [community, other, memberId] = [newId(), newId(), newId()];
    const member = await connect(memberId);
    const join = await joinCommunity(memberId, community);
    expect(await member.request({ ...join, community_id: other })).toMatchObject({
      code: 'FORBIDDEN',
    });
    await member.ack(join);
  });

  it('leaves without a grant, idempotently', async () => {
    const [thread, memberId] = [newId(), newId()];
    const member = await connect(memberId);
    await member.ack({ action: 'leave_thread', thread_id: thread });
    await member.ack(await joinThread(memberId, thread));
    await member.ack({ action: 'leave_thread', thread_id: thread });
    await member.ack({ action: 'leave_thread', thread_id: thread });
  });

  it('refuses typing in a thread the socket has not joined', async () => {
    const [thread, typistId, readerId] = [newId(), newId(), newId()];
    const [typist, reader] = [await connect(typistId), await connect(readerId)];
    await reader.ack(await joinThread(readerId, thread));
    for (const action of ['typing', 'stop_typing']) {
      expect(await typist.request({ action, thread_id: thread })).toMatchObject({
        type: 'error',
        code: 'FORBIDDEN',
      });
    }
    // Positive control: once joined, the same typist's indicator reaches the reader.
    await typist.ack(await joinThread(typistId, thread));
    await typist.ack({ action: 'typing', thread_id: thread });
    await typist.ack({ action: 'stop_typing', thread_id: thread });
    const seen = await reader.waitFor((frame) => frame.type === 'stop_typing');
    expect(seen).toMatchObject({ data: { user_id: typistId } });
    expect(reader.events().map((event) => event.type)).toEqual(['typing', 'stop_typing']);
  });
});
