import { type EventBus } from '@communities/broker';
import { backendUrl, eventually } from '@communities/test-support';
import { type Backend, type RunningGateway, redisBackend, startGateway } from './support/harness';
import { newId, newMessageEvent } from './support/events';
import { RedisServerProcess, hasRedisServerBinary } from '@communities/test-support';
import { TestClient } from './support/test-client';
import { accessToken, joinThread } from './support/auth';

// Kills and restarts a redis-server of its own; runs wherever the Redis suites run.
const describeOwnRedis =
  backendUrl('REDIS_URL') && hasRedisServerBinary() ? describe : describe.skip;

const status = async (gateway: RunningGateway, path: string): Promise<number> =>
  (await fetch(gateway.url(path))).status;

describeOwnRedis('realtime-gateway when Redis restarts', () => {
  let server: RedisServerProcess;
  let backend: Backend;
  let api: EventBus;
  let gateway: RunningGateway;
  let alice: TestClient;
  const aliceId = newId();

  beforeEach(async () => {
    server = await RedisServerProcess.start();
    backend = redisBackend(server.url, 300);
    api = backend.openBus();
    gateway = await startGateway(backend.openBus());
    alice = await TestClient.connect(gateway.port, aliceId, await accessToken(aliceId));
  });

  afterEach(async () => {
    await alice.close();
    await Promise.all([gateway.gateway.stop(), api.close()]);
    await backend.close();
    await server.kill();
  });

  it('reports not ready while Redis is down and ready again after it returns', async () => {
    expect(await status(gateway, '/readyz')).toBe(200);
    await server.kill();
    await eventually(async () => (await status(gateway, '/readyz')) === 503);
    expect(await status(gateway, '/healthz')).toBe(200);
    await server.restart();
    await eventually(async () => (await status(gateway, '/readyz')) === 200, { timeoutMs: 10000 });
  });

  it('resumes delivery to already-joined clients without them doing anything', async () => {
    const thread = newId();
    await alice.ack(await joinThread(aliceId, thread));
    await server.kill();
    await eventually(() => !gateway.gateway.ready());
    await server.restart();

    // The restarted server starts with no subscriptions: the gateway's bus must restore them.
    await eventually(async () => (await backend.numsub(`thread:${thread}`)) === 1, {
      timeoutMs: 10000,
    });
    await eventually(() => api.ready());
    const event = newMessageEvent(thread);
    // Durable events arrive numbered: the payload as published, plus seq and epoch.
    const sequenced = await api.publish(event);
    expect(await alice.waitFor((frame) => frame.id === event.id)).toEqual({
      ...event,
      ...sequenced,
    });
    expect(alice.isOpen).toBe(true);
  });

  it('answers typing with SERVICE_UNAVAILABLE while Redis is down', async () => {
    const thread = newId();
    await alice.ack(await joinThread(aliceId, thread));
    await server.kill();
    await eventually(() => !gateway.gateway.ready());
    const answer = await alice.request({ action: 'typing', thread_id: thread });
    expect(answer).toMatchObject({ type: 'error', code: 'SERVICE_UNAVAILABLE' });
    expect(alice.isOpen).toBe(true);
  });
});
