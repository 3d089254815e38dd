import { InProcessEventBus } from '@communities/broker';
import { eventually } from '@communities/test-support';
import { pino } from 'pino';
import { WebSocket } from 'ws';
import { type RunningGateway, startGateway } from './support/harness';
import { TestClient } from './support/test-client';

/** Resolves with the HTTP status a WebSocket upgrade on `path` was refused with. */
function refusedUpgrade(port: number, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`ws://127.0.0.1:${port}${path}`);
    socket.on('error', () => undefined);
    socket.once('unexpected-response', (req, res) => {
      resolve(res.statusCode ?? 0);
      req.destroy();
    });
    socket.once('open', () => reject(new Error(`upgrade on ${path} was accepted`)));
  });
}

describe('realtime-gateway HTTP endpoints', () => {
  let gateway: RunningGateway;
  const clients: TestClient[] = [];

  beforeEach(async () => {
    gateway = await startGateway(new InProcessEventBus(pino({ level: 'silent' })), {
      heartbeatMs: 100,
    });
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
    await gateway.gateway.stop();
  });

  it('answers /healthz and /readyz while running', async () => {
    expect(await (await fetch(gateway.url('/healthz'))).json()).toEqual({ status: 'ok' });
    expect((await fetch(gateway.url('/readyz'))).status).toBe(200);
  });

  it('answers unknown routes with the house error body', async () => {
    const response = await fetch(gateway.url('/nope'));
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ error: { code: 'ROUTE_NOT_FOUND' } });
  });

  it('exposes connection and channel gauges on /metrics', async () => {
    const client = await TestClient.connect(gateway.port, 'alice');
    clients.push(client);
    const text = await (await fetch(gateway.url('/metrics'))).text();
    expect(text).toMatch(/^gateway_open_connections 1$/m);
    expect(text).toMatch(/^gateway_channel_subscriptions 1$/m);
    expect(text).toContain('gateway_delivery_latency_seconds_bucket');
  });

  it('serves an AsyncAPI 3.0 document', async () => {
    const document = (await (await fetch(gateway.url('/asyncapi.json'))).json()) as Record<
      string,
      unknown
    >;
    expect(document.asyncapi).toBe('3.0.0');
  });

  it('upgrades only /ws/{user_id}', async () => {
    expect(await refusedUpgrade(gateway.port, '/socket')).toBe(404);
    expect(await refusedUpgrade(gateway.port, '/ws/')).toBe(404);
    expect(await refusedUpgrade(gateway.port, '/ws/a%00b')).toBe(400);
  });

  it('terminates a peer that stops answering pings', async () => {
    const client = await TestClient.connect(gateway.port, 'sleepy');
    expect(gateway.gateway.connectionCount).toBe(1);
    client.socket.pause(); // no more reads, so no pongs
    await eventually(() => gateway.gateway.connectionCount === 0);
    client.socket.terminate();
  });

  it('reports not ready and refuses new sockets once stopping', async () => {
    await gateway.gateway.stop();
    expect(gateway.gateway.ready()).toBe(false);
  });
});
