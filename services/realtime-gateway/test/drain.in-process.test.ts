import { type EventBus } from '@communities/broker';
import { eventually } from '@communities/test-support';
import { accessToken, joinThread } from './support/auth';
import { newId, newMessageEvent } from './support/events';
import {
  type Backend,
  type RunningGateway,
  inProcessBackend,
  startGateway,
} from './support/harness';
import { TestClient } from './support/test-client';

const WINDOW_MS = 1000;
const CLIENTS = 20;
const TIMER_SLACK_MS = 25;

/** When a client got its `reconnect` frame and its close, on this process's clock. */
interface Timeline {
  client: TestClient;
  reconnectAt?: number;
  afterMs?: number;
  closedAt?: number;
  code?: number;
}

function track(client: TestClient): Timeline {
  const timeline: Timeline = { client };
  client.socket.on('message', (data: Buffer) => {
    const frame = JSON.parse(data.toString('utf8')) as { type?: string; after_ms?: number };
    if (frame.type !== 'reconnect') return;
    timeline.reconnectAt = Date.now();
    timeline.afterMs = frame.after_ms;
  });
  client.socket.once('close', (code: number) => {
    timeline.closedAt = Date.now();
    timeline.code = code;
  });
  return timeline;
}

describe('draining the gateway on stop()', () => {
  let backend: Backend;
  let api: EventBus;
  let gateway: RunningGateway;
  const clients: TestClient[] = [];
  const connect = async (userId = newId()): Promise<TestClient> => {
    const client = await TestClient.connect(gateway.port, userId, await accessToken(userId));
    clients.push(client);
    return client;
  };

  beforeEach(async () => {
    backend = inProcessBackend();
    api = backend.openBus();
    gateway = await startGateway(backend.openBus(), {}, { WS_DRAIN_WINDOW_MS: String(WINDOW_MS) });
  });

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
    await Promise.all([gateway.gateway.stop(), api.close()]);
    await backend.close();
  });

  it('sends reconnect frames spread over the window and closes each socket with 1012 at its delay', async () => {
    const timelines = await Promise.all(
      Array.from({ length: CLIENTS }, async () => track(await connect())),
    );
    const startedAt = Date.now();
    await gateway.gateway.stop();
    const stoppedAt = Date.now();
    await eventually(() => timelines.every((t) => t.code !== undefined));

    const delays = timelines.map((t) => t.afterMs ?? -1);
    for (const delay of delays) {
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThan(WINDOW_MS);
    }
    // Uniform over the window: 20 delays all within a quarter of it has odds of about 1e-11.
    expect(Math.max(...delays) - Math.min(...delays)).toBeGreaterThan(WINDOW_MS / 4);
    for (const t of timelines) {
      expect(t.code).toBe(1012);
      const closedAfter = (t.closedAt ?? 0) - (t.reconnectAt ?? 0);
      // Closed at its own delay. Timers count from the event loop's cached clock, which can lag
      // a busy tick by some milliseconds, so they may fire that much early; a busy machine, later.
      expect(closedAfter).toBeGreaterThanOrEqual((t.afterMs ?? 0) - TIMER_SLACK_MS);
      expect(t.closedAt).toBeLessThan(startedAt + WINDOW_MS + 500);
    }
    expect(stoppedAt - startedAt).toBeGreaterThanOrEqual(Math.max(...delays) - TIMER_SLACK_MS);
    expect(gateway.gateway.connectionCount).toBe(0);
  });

  it('fails readiness and refuses new sockets at once, and keeps delivering until each close', async () => {
    await gateway.gateway.stop();
    // Every delay half the window: the socket is certainly still open below.
    gateway = await startGateway(backend.openBus(), {}, {}, { random: () => 0.5 });
    const [thread, aliceId] = [newId(), newId()];
    const alice = await connect(aliceId);
    await alice.ack(await joinThread(aliceId, thread));
    expect((await fetch(gateway.url('/readyz'))).status).toBe(200);

    const stopping = gateway.gateway.stop({ drainWindowMs: 60_000 });
    expect(gateway.gateway.ready()).toBe(false);
    const readyz = await fetch(gateway.url('/readyz'));
    expect(readyz.status).toBe(503);
    expect(await readyz.json()).toMatchObject({ error: { code: 'SERVICE_UNAVAILABLE' } });
    const userId = newId();
    const refusal = await TestClient.refusal(gateway.port, userId, {
      headers: { authorization: `Bearer ${await accessToken(userId)}` },
    });
    expect(refusal.status).toBe(503);

    const reconnect = await alice.waitFor((frame) => frame.type === 'reconnect');
    expect(reconnect.after_ms).toBe(30_000);
    const event = newMessageEvent(thread);
    await api.publish(event);
    await alice.waitFor((frame) => frame.id === event.id);
    // The client reconnects on its own before its delay: the drain is then over.
    await alice.close();
    await stopping;
  });
});
