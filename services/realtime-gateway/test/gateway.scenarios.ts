import { type EventBus } from '@communities/broker';
import { eventually } from '@communities/test-support';
import { accessToken, joinCommunity, joinThread } from './support/auth';
import { type Backend, type RunningGateway, startGateway } from './support/harness';
import { communityDeletedEvent, memberJoinedEvent, newId, newMessageEvent } from './support/events';
import { TestClient } from './support/test-client';

/**
 * Two gateways sharing one backend, and a separate bus standing in for the api-service. Run once
 * per backend (in-process hub, Redis). "Nothing arrives" is checked after a later marker event
 * has arrived on the same socket, never by sleeping.
 */
export function gatewayScenarios(makeBackend: () => Backend): void {
  let backend: Backend;
  let api: EventBus;
  let a: RunningGateway;
  let b: RunningGateway;
  const clients: TestClient[] = [];
  /** An authenticated member (token in the Authorization header). */
  const connect = async (gateway: RunningGateway, userId = newId()): Promise<TestClient> => {
    const client = await TestClient.connect(gateway.port, userId, await accessToken(userId));
    clients.push(client);
    return client;
  };

  beforeEach(async () => {
    backend = makeBackend();
    api = backend.openBus();
    [a, b] = await Promise.all([
      startGateway(backend.openBus(), { maxFrameBytes: 1024 }),
      startGateway(backend.openBus()),
    ]);
    await eventually(() => api.ready());
  });

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
    await Promise.all([a.gateway.stop(), b.gateway.stop(), api.close()]);
    await backend.close();
  });

  it('delivers an event the api publishes on a thread to a client that joined it', async () => {
    const [thread, aliceId] = [newId(), newId()];
    const alice = await connect(a, aliceId);
    const ack = await alice.ack(await joinThread(aliceId, thread));
    // A channel without history yet: position 0, no epoch.
    expect(ack).toEqual({
      type: 'ack',
      action: 'join_thread',
      channel: `thread:${thread}`,
      seq: 0,
      ref: 'r1',
    });
    const event = newMessageEvent(thread);
    // Durable events arrive numbered: the payload as published, plus seq and epoch.
    const sequenced = await api.publish(event);
    expect(sequenced).toEqual({ seq: 1, epoch: expect.any(String) });
    expect(await alice.waitFor((frame) => frame.id === event.id)).toEqual({
      ...event,
      ...sequenced,
    });
  });

  it('delivers community events to clients that joined the community', async () => {
    const [community, bobId] = [newId(), newId()];
    const bob = await connect(b, bobId);
    await bob.ack(await joinCommunity(bobId, community));
    const event = memberJoinedEvent(community);
    // Durable events arrive numbered: the payload as published, plus seq and epoch.
    const sequenced = await api.publish(event);
    expect(await bob.waitFor((frame) => frame.id === event.id)).toEqual({
      ...event,
      ...sequenced,
    });
  });

  it('delivers global notifications to every client without a join', async () => {
    const [alice, bob] = [await connect(a), await connect(b)];
    const event = communityDeletedEvent();
    await api.publish(event);
    await alice.waitFor((frame) => frame.id === event.id);
    await bob.waitFor((frame) => frame.id === event.id);
  });

  it('shows typing on another gateway and in the same gateway, but not to the sender', async () => {
    const [thread, aliceId, carolId, bobId] = [newId(), newId(), newId(), newId()];
    const [alice, carol, bob] = [
      await connect(a, aliceId),
      await connect(a, carolId),
      await connect(b, bobId),
    ];
    for (const [client, id] of [
      [alice, aliceId],
      [carol, carolId],
      [bob, bobId],
    ] as const)
      await client.ack(await joinThread(id, thread));

    // The frame's user_id is ignored: the connection's user is authoritative.
    await alice.ack({ action: 'typing', thread_id: thread, user_id: newId() });
    const seen = await bob.waitFor((frame) => frame.type === 'typing');
    expect(seen).toMatchObject({
      channel: `thread:${thread}`,
      data: { thread_id: thread, user_id: aliceId },
    });
    await carol.waitFor((frame) => frame.type === 'typing');
    await alice.ack({ action: 'stop_typing', thread_id: thread });
    await bob.waitFor((frame) => frame.type === 'stop_typing');

    const marker = newMessageEvent(thread, 'marker');
    await api.publish(marker);
    await alice.waitFor((frame) => frame.id === marker.id);
    expect(alice.events().map((event) => event.type)).toEqual(['new_message']);
  });

  it('stops delivering a thread after leave_thread', async () => {
    const [thread, other, aliceId] = [newId(), newId(), newId()];
    const alice = await connect(a, aliceId);
    await alice.ack(await joinThread(aliceId, thread));
    await alice.ack(await joinThread(aliceId, other));
    const before = newMessageEvent(thread);
    await api.publish(before);
    await alice.waitFor((frame) => frame.id === before.id);

    await alice.ack({ action: 'leave_thread', thread_id: thread });
    const after = newMessageEvent(thread);
    const marker = newMessageEvent(other);
    await api.publish(after);
    await api.publish(marker);
    await alice.waitFor((frame) => frame.id === marker.id);
    expect(alice.eventIds()).toEqual([before.id, marker.id]);
  });

  it('drops the broker subscription when the last local socket leaves or disconnects', async () => {
    const thread = newId();
    const channel = `thread:${thread}`;
    const [a1Id, a2Id, b1Id] = [newId(), newId(), newId()];
    const [a1, a2, b1] = [await connect(a, a1Id), await connect(a, a2Id), await connect(b, b1Id)];
    await a1.ack(await joinThread(a1Id, thread));
    await a2.ack(await joinThread(a2Id, thread));
    expect(await backend.numsub(channel)).toBe(1);
    await b1.ack(await joinThread(b1Id, thread));
    expect(await backend.numsub(channel)).toBe(2);

    await a1.ack({ action: 'leave_thread', thread_id: thread });
    expect(await backend.numsub(channel)).toBe(2);
    await a2.close();
    await eventually(async () => (await backend.numsub(channel)) === 1);
    await b1.ack({ action: 'leave_thread', thread_id: thread });
    await eventually(async () => (await backend.numsub(channel)) === 0);
  });

  it('answers malformed frames with error frames and keeps the socket open', async () => {
    const aliceId = newId();
    const alice = await connect(a, aliceId);
    alice.send('{"action": "join_thread",');
    expect(await alice.waitFor((f) => f.type === 'error')).toMatchObject({ code: 'INVALID_JSON' });
    expect(await alice.request({ action: 'fly' })).toMatchObject({
      type: 'error',
      code: 'UNKNOWN_ACTION',
      ref: 'r1',
    });
    expect(await alice.request({ action: 'join_thread', thread_id: 'not-an-id' })).toMatchObject({
      type: 'error',
      code: 'VALIDATION_FAILED',
      ref: 'r2',
    });
    expect(await alice.request({ action: 'join_community' })).toMatchObject({
      code: 'VALIDATION_FAILED',
    });
    alice.send(Buffer.from('{"action":"join_thread"}'), true);
    await alice.waitFor((f) => f.code === 'UNSUPPORTED_MEDIA_TYPE');
    await alice.ack(await joinThread(aliceId, newId()));
    expect(alice.isOpen).toBe(true);
  });

  it('closes the socket with 1009 when a frame exceeds the size limit', async () => {
    const alice = await connect(a);
    alice.send(
      JSON.stringify({ action: 'join_thread', thread_id: newId(), ref: 'x'.repeat(2000) }),
    );
    expect((await alice.closed).code).toBe(1009);
    await eventually(() => a.gateway.connectionCount === 0);
    const metrics = await (await fetch(a.url('/metrics'))).text();
    expect(metrics).toContain('gateway_invalid_frames_total{reason="too_big"} 1');
  });

  it('closes every socket with 1012 after a reconnect frame when the gateway stops', async () => {
    const aliceId = newId();
    const [alice, carol] = [await connect(a, aliceId), await connect(a)];
    await alice.ack(await joinThread(aliceId, newId()));
    await a.gateway.stop();
    for (const client of [alice, carol]) {
      expect((await client.closed).code).toBe(1012);
      expect(client.frames.at(-1)).toMatchObject({ type: 'reconnect' });
    }
  });
}
