import {
  COMMUNITY,
  THREAD,
  connectAndJoin,
  harness,
  message,
  newMessage,
  settle,
} from '../test/support/fakes';
import { HttpError } from './rest-api';

const OTHER_THREAD = 'dddddddddddddddddddddddd';

describe('RealtimeClient.post', () => {
  it('retries a lost response with the same client_msg_id: one message, answered with it', async () => {
    const h = harness();
    h.api.failNext(/^\/api\/messages\/thread\//, 2, { lost: true });
    const posting = h.client.post(THREAD, 'hello', { clientMsgId: 'c-1' });
    await h.clock.advance(1000);
    const posted = await posting;

    const posts = h.api.to(`/api/messages/thread/${THREAD}`);
    expect(posts.map((r) => r.body)).toEqual(
      Array(3).fill({ content: 'hello', client_msg_id: 'c-1' }),
    );
    expect(h.api.messages).toHaveLength(1);
    expect(posted).toEqual(h.api.messages[0]);
  });

  it('generates a client_msg_id when none is given, the same on every attempt', async () => {
    const h = harness();
    h.api.failNext(/^\/api\/messages\/thread\//, 1);
    const posting = h.client.post(THREAD, 'hi');
    await h.clock.advance(1000);
    await posting;
    const [first, second] = h.api
      .to(`/api/messages/thread/${THREAD}`)
      .map((r) => r.body?.client_msg_id);
    expect(first).toMatch(/^[0-9a-f-]{36}$/);
    expect(second).toBe(first);
  });

  it('does not retry a refusal, and stops after `attempts` transient failures', async () => {
    const h = harness();
    await expect(h.client.post('not-a-route/x', 'hi')).rejects.toBeInstanceOf(HttpError);
    expect(h.api.requests).toHaveLength(1);

    h.api.failNext(/^\/api\/messages\/thread\//, 5);
    const posting = h.client.post(THREAD, 'hi', { attempts: 3 });
    const outcome = posting.catch((error: unknown) => error);
    await h.clock.advance(10_000);
    expect(await outcome).toBeInstanceOf(TypeError);
    expect(h.api.to(`/api/messages/thread/${THREAD}`)).toHaveLength(3);
  });

  it('asks for a token again and repeats the request once after a 401', async () => {
    const rejected: boolean[] = [];
    let issued = 0;
    const h = harness({
      getAccessToken: (request) => {
        rejected.push(request.rejected);
        return Promise.resolve(`token-${(issued += 1)}`);
      },
    });
    h.api.answerNext(/^\/api\/messages\/thread\//, 401);
    await h.client.post(THREAD, 'hi');
    expect(h.api.requests.map((r) => r.authorization)).toEqual([
      'Bearer token-1',
      'Bearer token-2',
    ]);
    expect(rejected).toEqual([false, true]);
    expect(h.api.messages).toHaveLength(1);

    h.api.answerNext(/^\/api\/messages\/thread\//, 401, 401);
    await expect(h.client.post(THREAD, 'hi')).rejects.toMatchObject({ status: 401 });
  });
});

describe('RealtimeClient subscriptions', () => {
  it('asks for the grants of all channels in one request and joins each', async () => {
    const h = harness();
    h.client.subscribeThread(THREAD, { onMessage: () => undefined });
    h.client.subscribeThread(OTHER_THREAD, { onMessage: () => undefined });
    h.client.subscribeCommunity(COMMUNITY, { onEvent: () => undefined });
    const socket = await connectAndJoin(h);
    expect(h.api.to('/api/realtime/grants').map((r) => r.body?.channels)).toEqual([
      [`thread:${THREAD}`, `thread:${OTHER_THREAD}`, `community:${COMMUNITY}`],
    ]);
    expect(socket.sent.map((f) => f.action)).toEqual([
      'authenticate',
      'join_thread',
      'join_thread',
      'join_community',
    ]);
  });

  it('asks for at most 50 grants a request and keeps at most 32 joins unanswered', async () => {
    const h = harness();
    const ids = Array.from({ length: 60 }, (_, i) => i.toString(16).padStart(24, 'e'));
    for (const id of ids) h.client.subscribeThread(id, { onMessage: () => undefined });
    const connected = h.client.connect();
    await settle();
    const socket = await h.gateway.accept();
    await connected;
    await settle();
    const batches = h.api
      .to('/api/realtime/grants')
      .map((r) => (r.body?.channels as string[]).length);
    expect(batches).toEqual([50, 10]);
    expect(socket.actions('join_thread')).toHaveLength(32);
    h.gateway.ackJoins();
    expect(socket.actions('join_thread')).toHaveLength(60);
    expect(new Set(socket.actions('join_thread').map((j) => j.thread_id)).size).toBe(60);
  });

  it('finds the refused channel of a refused grants request and fails only its subscription', async () => {
    const h = harness();
    const failures: string[] = [];
    const good = h.client.subscribeThread(THREAD, { onMessage: () => undefined });
    const bad = h.client.subscribeThread(OTHER_THREAD, {
      onMessage: () => undefined,
      onError: (error) => failures.push(`${error.code} ${error.channel}`),
    });
    // The batch is refused, then THREAD alone is granted and OTHER_THREAD alone refused.
    h.api.answerNext(/grants/, 404, 200, 404);
    await connectAndJoin(h);
    await expect(good.ready).resolves.toBeUndefined();
    await expect(bad.ready).rejects.toMatchObject({ code: 'SUBSCRIPTION_FAILED' });
    expect(failures).toEqual([`SUBSCRIPTION_FAILED thread:${OTHER_THREAD}`]);
    expect(h.client.lastSeq(`thread:${OTHER_THREAD}`)).toBeUndefined();
  });

  it('retries a join refused for a transient reason, and fails one refused as FORBIDDEN', async () => {
    const h = harness();
    const sub = h.client.subscribeThread(THREAD, { onMessage: () => undefined });
    const connected = h.client.connect();
    await settle();
    const socket = await h.gateway.accept();
    await connected;
    const [join] = socket.actions('join_thread');
    socket.receive({ type: 'error', code: 'RATE_LIMITED', message: 'later', ref: join!.ref });
    await h.clock.advance(250);
    const [, retry] = socket.actions('join_thread');
    expect(retry).toBeDefined();
    socket.receive({ type: 'error', code: 'FORBIDDEN', message: 'no', ref: retry!.ref });
    await expect(sub.ready).rejects.toMatchObject({ code: 'SUBSCRIPTION_FAILED' });
  });

  it('ends a subscription the gateway revoked', async () => {
    const h = harness();
    const reasons: string[] = [];
    h.client.subscribeThread(THREAD, {
      onMessage: () => undefined,
      onError: (error) => reasons.push(error.code),
    });
    const socket = await connectAndJoin(h, { seq: 0 });
    socket.receive({
      type: 'subscription_revoked',
      channel: `thread:${THREAD}`,
      reason: 'removed',
    });
    socket.serverClose(1006);
    await h.clock.advance(10_000);
    await h.gateway.accept();
    expect(reasons).toEqual(['SUBSCRIPTION_REVOKED']);
    expect(h.gateway.latest.actions('join_thread')).toEqual([]);
  });

  it('sends a leave on unsubscribe and delivers nothing more', async () => {
    const h = harness();
    const seen: number[] = [];
    const sub = h.client.subscribeThread(THREAD, { onMessage: (m) => seen.push(m.seq) });
    const socket = await connectAndJoin(h, { seq: 0 });
    socket.receive(newMessage(message(1), 1));
    sub.unsubscribe();
    socket.receive(newMessage(message(2), 2));
    expect(socket.actions('leave_thread')).toEqual([
      expect.objectContaining({ thread_id: THREAD }),
    ]);
    expect(seen).toEqual([1]);
  });

  it('keeps delivering when a handler throws, and reports it', async () => {
    const h = harness();
    const seen: number[] = [];
    h.client.subscribeThread(THREAD, {
      onMessage: (m) => {
        seen.push(m.seq);
        if (m.seq === 1) throw new Error('boom');
      },
    });
    const socket = await connectAndJoin(h, { seq: 0 });
    socket.receive(newMessage(message(1), 1));
    socket.receive(newMessage(message(2), 2));
    expect(seen).toEqual([1, 2]);
    expect(h.errors.map((e) => e.code)).toEqual(['HANDLER_FAILED']);
  });

  it('emits `event` for global notifications, which need no subscription', async () => {
    const h = harness();
    const types: string[] = [];
    h.client.on('event', (event) => types.push(event.type));
    const socket = await connectAndJoin(h);
    socket.receive({
      id: 'g1',
      type: 'community_deleted',
      channel: 'global:notifications',
      occurred_at: new Date(0).toISOString(),
      data: { community_id: COMMUNITY },
      seq: 1,
      epoch: 'e1',
    });
    expect(types).toEqual(['community_deleted']);
  });
});

describe('RealtimeClient.typing', () => {
  it('sends typing and stop_typing on a joined thread only, without a ref', async () => {
    const h = harness();
    h.client.subscribeThread(THREAD, { onMessage: () => undefined });
    expect(h.client.typing(THREAD)).toBe(false); // not connected yet
    const socket = await connectAndJoin(h);
    expect(h.client.typing(THREAD)).toBe(true);
    expect(h.client.typing(THREAD, false)).toBe(true);
    expect(h.client.typing(OTHER_THREAD)).toBe(false); // not subscribed
    expect(socket.sent.filter((f) => f.action.endsWith('typing'))).toEqual([
      { action: 'typing', thread_id: THREAD },
      { action: 'stop_typing', thread_id: THREAD },
    ]);
    // Their answers match no join: the subscription stays joined.
    socket.receive({ type: 'ack', action: 'typing' });
    socket.receive({ type: 'error', code: 'RATE_LIMITED', message: 'slow down' });
    expect(h.client.typing(THREAD)).toBe(true);
    expect(h.errors).toEqual([]);
  });
});
