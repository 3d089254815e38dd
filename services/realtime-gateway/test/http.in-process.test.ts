import { InProcessEventBus } from '@communities/broker';
import { eventually } from '@communities/test-support';
import { pino } from 'pino';
import { accessToken } from './support/auth';
import { newId } from './support/events';
import { type RunningGateway, startGateway } from './support/harness';
import { TestClient } from './support/test-client';

const refusedUpgrade = async (port: number, path: string): Promise<number> =>
  (await TestClient.refusalOfPath(port, path)).status;

const connect = async (port: number): Promise<TestClient> => {
  const userId = newId();
  return TestClient.connect(port, userId, await accessToken(userId));
};

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
    const client = await connect(gateway.port);
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

  it('upgrades only /ws/{user_id}, refusing other paths with the house error body', async () => {
    expect(await refusedUpgrade(gateway.port, '/socket')).toBe(404);
    expect(await refusedUpgrade(gateway.port, '/ws/')).toBe(404);
    expect(await refusedUpgrade(gateway.port, '/ws/a%00b')).toBe(400);
    const refusal = await TestClient.refusalOfPath(gateway.port, '/socket');
    expect(refusal.body).toMatchObject({ error: { code: 'ROUTE_NOT_FOUND' } });
    clients.push(await connect(gateway.port));
  });

  it('terminates a peer that stops answering pings', async () => {
    const client = await connect(gateway.port);
    expect(gateway.gateway.connectionCount).toBe(1);
    client.socket.pause(); // no more reads, so no pongs
    await eventually(() => gateway.gateway.connectionCount === 0);
    client.socket.terminate();
  });

  it('reports not ready once stopping', async () => {
    await gateway.gateway.stop();
    expect(gateway.gateway.ready()).toBe(false);
  });

  it('counts unauthenticated sockets as open connections but not as channel members', async () => {
    const waiting = await TestClient.open(gateway.port, newId());
    clients.push(waiting);
    expect(gateway.gateway.connectionCount).toBe(1);
    const text = await (await fetch(gateway.url('/metrics'))).text();
    expect(text).toMatch(/^gateway_open_connections 1$/m);
    expect(text).toMatch(/^gateway_channel_subscriptions 0$/m);
  });
});
