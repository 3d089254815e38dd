import { MEMBER, THREAD, connectAndJoin, harness, settle } from '../test/support/fakes';
import { DEFAULT_BACKOFF, backoffCeiling, backoffDelay } from './backoff';

describe('RealtimeClient: connecting', () => {
  it('opens /ws/{memberId}, authenticates with the first frame and resolves on `connected`', async () => {
    const h = harness();
    let resolved = false;
    const connected = h.client.connect().then(() => (resolved = true));
    await settle();
    const socket = h.gateway.latest;
    expect(socket.url).toBe(`ws://gateway.test/ws/${MEMBER}`);
    expect(socket.sent).toEqual([]);

    socket.open();
    expect(socket.sent).toEqual([{ action: 'authenticate', token: 'token-1' }]);
    await settle();
    expect(resolved).toBe(false);

    socket.receive({ type: 'connected', user_id: MEMBER });
    await connected;
    expect(h.client.state).toBe('connected');
    expect(h.client.stats.connections).toBe(1);
  });

  it('asks for a grant, then joins without a position the first time', async () => {
    const h = harness();
    h.client.subscribeThread(THREAD, { onMessage: () => undefined });
    const socket = await connectAndJoin(h, { seq: 4, epoch: 'e1' });

    const [grants] = h.api.to('/api/realtime/grants');
    expect(grants?.body).toEqual({ channels: [`thread:${THREAD}`] });
    expect(grants?.authorization).toBe('Bearer token-2');
    expect(socket.actions('join_thread')).toEqual([
      expect.objectContaining({ thread_id: THREAD, grant: `grant-thread:${THREAD}` }),
    ]);
    expect(socket.actions('join_thread')[0]).not.toHaveProperty('last_seq');
    expect(h.client.lastSeq(`thread:${THREAD}`)).toBe(4);
    expect(h.client.epoch(`thread:${THREAD}`)).toBe('e1');
  });

  it('drops a socket that does not reach `connected` within connectTimeoutMs and tries again', async () => {
    const h = harness({ connectTimeoutMs: 5000 });
    void h.client.connect();
    await settle();
    h.gateway.latest.open();
    await h.clock.advance(4999);
    expect(h.gateway.sockets).toHaveLength(1);
    await h.clock.advance(1);
    expect(h.gateway.sockets[0]?.closedByClient).toEqual({ code: 1000, reason: 'connect timeout' });
    await h.clock.advance(DEFAULT_BACKOFF.baseMs);
    expect(h.gateway.sockets).toHaveLength(2);
  });
});

describe('RealtimeClient: reconnecting', () => {
  it('waits a full-jitter delay below min(cap, base · 2^n) before each new attempt', async () => {
    const h = harness({ random: () => 0.999 });
    const disconnects: (number | null)[] = [];
    h.client.on('disconnected', (d) => disconnects.push(d.reconnectInMs));
    void h.client.connect();
    await settle();
    for (let attempt = 0; attempt < 8; attempt += 1) {
      h.gateway.latest.serverClose(1006);
      const delay = disconnects[attempt]!;
      expect(delay).toBe(Math.floor(0.999 * Math.min(10_000, 250 * 2 ** attempt)));
      await h.clock.advance(delay - 1);
      expect(h.gateway.sockets).toHaveLength(attempt + 1);
      await h.clock.advance(1);
      expect(h.gateway.sockets).toHaveLength(attempt + 2);
    }
    expect(disconnects.slice(-2)).toEqual([9990, 9990]); // capped at 10 s
  });

  it('draws delays uniformly from [0, ceiling)', () => {
    const options = DEFAULT_BACKOFF;
    expect(backoffDelay(3, options, () => 0)).toBe(0);
    expect(backoffDelay(3, options, () => 0.25)).toBe(500);
    expect(backoffDelay(3, options, () => 0.9999999)).toBe(backoffCeiling(3, options) - 1);
    expect(backoffCeiling(200, options)).toBe(10_000);
  });

  it('starts again from the base delay after a connection that stayed up', async () => {
    const h = harness({ random: () => 0.999 });
    const delays: (number | null)[] = [];
    h.client.on('disconnected', (d) => delays.push(d.reconnectInMs));
    void h.client.connect();
    await settle();
    for (let i = 0; i < 3; i += 1) {
      h.gateway.latest.serverClose(1006);
      await h.clock.advance(delays[i]!);
    }
    await h.gateway.accept();
    await h.clock.advance(DEFAULT_BACKOFF.stableAfterMs);
    h.gateway.latest.serverClose(1001);
    expect(delays).toEqual([249, 499, 999, 249]);
  });

  it('keeps growing the delay when connections drop before they are stable', async () => {
    const h = harness({ random: () => 0.999 });
    const delays: (number | null)[] = [];
    h.client.on('disconnected', (d) => delays.push(d.reconnectInMs));
    void h.client.connect();
    await settle();
    h.gateway.latest.serverClose(1006);
    await h.clock.advance(delays[0]!);
    await h.gateway.accept();
    await h.clock.advance(DEFAULT_BACKOFF.stableAfterMs - 1);
    h.gateway.latest.serverClose(1013);
    expect(delays).toEqual([249, 499]);
  });

  it('reconnects at the `reconnect` frame’s after_ms, not before, when the gateway drains', async () => {
    const h = harness();
    await connectAndJoin(h);
    const draining = h.gateway.latest;
    draining.receive({ type: 'reconnect', after_ms: 3000 });
    await h.clock.advance(2999);
    expect(h.gateway.sockets).toHaveLength(1);
    await h.clock.advance(1);
    expect(draining.closedByClient?.code).toBe(1000);
    expect(h.gateway.sockets).toHaveLength(2);
  });

  it('still waits for after_ms when the gateway closes with 1012 before it', async () => {
    const h = harness();
    const delays: (number | null)[] = [];
    h.client.on('disconnected', (d) => delays.push(d.reconnectInMs));
    await connectAndJoin(h);
    h.gateway.latest.receive({ type: 'reconnect', after_ms: 3000 });
    await h.clock.advance(1000);
    h.gateway.latest.serverClose(1012, 'service restart');
    expect(delays).toEqual([2000]);
    await h.clock.advance(1999);
    expect(h.gateway.sockets).toHaveLength(1);
    await h.clock.advance(1);
    expect(h.gateway.sockets).toHaveLength(2);
  });
});

describe('RealtimeClient: refusals', () => {
  it('asks for a token again after a 4401 and carries on if the new one is accepted', async () => {
    const h = harness();
    await connectAndJoin(h);
    h.gateway.latest.serverClose(4401, 'session revoked');
    await h.clock.advance(DEFAULT_BACKOFF.baseMs);
    h.gateway.latest.open();
    expect(h.gateway.latest.sent[0]).toEqual({ action: 'authenticate', token: 'token-2' });
    await h.gateway.accept();
    expect(h.client.state).toBe('connected');
    // Authenticated again: a later 4401 (a revoked session) gets its own fresh-token attempt.
    h.gateway.latest.serverClose(4401, 'session revoked');
    await h.clock.advance(DEFAULT_BACKOFF.capMs);
    expect(h.gateway.sockets).toHaveLength(3);
    expect(h.client.state).toBe('reconnecting');
    expect(h.errors).toEqual([]);
  });

  it('tells getAccessToken that the token was rejected, once, after a 4401', async () => {
    const requests: boolean[] = [];
    const h = harness({
      getAccessToken: ({ rejected }) => {
        requests.push(rejected);
        return Promise.resolve(rejected ? 'new-token' : 'cached-token');
      },
    });
    await connectAndJoin(h);
    h.gateway.latest.serverClose(4401, 'unknown key');
    await h.clock.advance(DEFAULT_BACKOFF.baseMs);
    h.gateway.latest.open();
    expect(h.gateway.latest.sent[0]).toEqual({ action: 'authenticate', token: 'new-token' });
    // The new token was obtained: a drop that follows is no reason to replace it.
    h.gateway.latest.serverClose(1006, 'gone');
    await h.clock.advance(DEFAULT_BACKOFF.capMs);
    expect(h.gateway.sockets).toHaveLength(3);
    expect(requests).toEqual([false, true, false]); // one per socket
  });

  it('stops with UNAUTHENTICATED when the fresh token is refused too', async () => {
    const h = harness();
    const closed: unknown[] = [];
    h.client.on('closed', (c) => closed.push(c.error));
    const subscriptionErrors: unknown[] = [];
    h.client.subscribeThread(THREAD, {
      onMessage: () => undefined,
      onError: (error) => subscriptionErrors.push(error.code),
    });
    await connectAndJoin(h);
    h.gateway.latest.serverClose(4401);
    await h.clock.advance(DEFAULT_BACKOFF.baseMs);
    h.gateway.latest.open();
    h.gateway.latest.serverClose(4401);
    await h.clock.advance(60_000);

    expect(h.gateway.sockets).toHaveLength(2);
    expect(h.tokens).toEqual(['token-1', 'token-2', 'token-3']); // 1: socket, 2: grant, 3: socket
    expect(h.client.state).toBe('closed');
    expect(h.errors.map((e) => e.code)).toEqual(['UNAUTHENTICATED']);
    expect(closed).toEqual([h.errors[0]]);
    expect(subscriptionErrors).toEqual(['UNAUTHENTICATED']);
  });

  it('stops at once with FORBIDDEN on 4403, and a pending connect() rejects', async () => {
    const h = harness();
    const connected = h.client.connect();
    await settle();
    h.gateway.latest.open();
    h.gateway.latest.serverClose(4403, 'not this member');
    await expect(connected).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await h.clock.advance(60_000);
    expect(h.gateway.sockets).toHaveLength(1);
    expect(h.client.state).toBe('closed');
  });

  it('waits as long as the backoff cap after a 4429 (too many sockets of the member), then tries again', async () => {
    const h = harness({ random: () => 0.999 });
    const delays: (number | null)[] = [];
    h.client.on('disconnected', (d) => delays.push(d.reconnectInMs));
    void h.client.connect().catch(() => undefined);
    await settle();
    h.gateway.latest.open();
    h.gateway.latest.serverClose(4429, 'too many connections');
    await settle();
    expect(delays).toEqual([9990]);
    expect(h.client.state).toBe('reconnecting');
    await h.clock.advance(9990);
    expect(h.gateway.sockets).toHaveLength(2);
  });

  it('close() closes the socket with 1000 and never reconnects', async () => {
    const h = harness();
    await connectAndJoin(h);
    h.client.close();
    expect(h.gateway.latest.closedByClient?.code).toBe(1000);
    h.gateway.latest.serverClose(1000);
    await h.clock.advance(60_000);
    expect(h.gateway.sockets).toHaveLength(1);
    expect(h.client.state).toBe('closed');
  });
});
