import { createStandalone, type Standalone } from '@communities/standalone';
import {
  RedisServerProcess,
  backendUrl,
  eventually,
  hasRedisServerBinary,
} from '@communities/test-support';
import request from 'supertest';
import { NO_RATE_LIMITS_ENV, RestClient, TEST_AUTH_ENV } from './support/rest-client';

/**
 * The standalone serves REST and WebSocket from one process, so one readiness answers for both:
 * ready while its store answers and it is not stopping. A broker outage does not fail it (REST
 * keeps taking writes, their events wait in the outbox) and shows on `broker_connected` instead.
 */
const BASE_ENV = { PORT: '0', LOG_LEVEL: 'silent', EMBEDDED_IN_MEMORY: 'true', ...TEST_AUTH_ENV };

/** The value of an unlabelled gauge on `/metrics`. */
async function gauge(rest: RestClient, name: string): Promise<number | undefined> {
  const text = (await (await fetch(`${rest.baseUrl}/metrics`)).text()).split('\n');
  const line = text.find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
}

describe('GET /readyz of the standalone', () => {
  it('answers 503 from the moment it starts stopping', async () => {
    const standalone = await createStandalone(BASE_ENV);
    const rest = RestClient.forPort(await standalone.start());
    await rest.expect(200, 'GET', '/readyz');
    expect(await gauge(rest, 'broker_connected')).toBe(1);

    const stopped = standalone.stop();
    // On the app itself: the drain may close the listener before a request over it would arrive.
    const res = await request(standalone.api.app).get('/readyz');
    expect(res.status).toBe(503);
    expect(res.body).toMatchObject({ error: { code: 'SERVICE_UNAVAILABLE' } });
    await stopped;
  });
});

// Kills and restarts a redis-server of its own; runs wherever the Redis suites run.
const describeOwnRedis =
  backendUrl('REDIS_URL') && hasRedisServerBinary() ? describe : describe.skip;

describeOwnRedis('GET /readyz of the standalone while Redis is down', () => {
  let redis: RedisServerProcess;
  let standalone: Standalone;
  let rest: RestClient;

  beforeEach(async () => {
    redis = await RedisServerProcess.start();
    standalone = await createStandalone({
      ...BASE_ENV,
      ...NO_RATE_LIMITS_ENV,
      REDIS_URL: redis.url,
    });
    rest = RestClient.forPort(await standalone.start());
    await eventually(() => standalone.bus.ready());
  });

  afterEach(async () => {
    await standalone.stop();
    await redis.kill();
  });

  it('stays 200 and keeps taking writes, reporting the outage as broker_connected 0', async () => {
    const { owner, thread } = await rest.seedThread();
    await redis.kill();
    await eventually(() => !standalone.bus.ready());

    await rest.expect(200, 'GET', '/readyz');
    expect(await gauge(rest, 'broker_connected')).toBe(0);
    // The gateway half cannot deliver meanwhile; its own readiness (separate gateways) says so.
    expect(standalone.gateway.ready()).toBe(false);
    await rest.postMessage(thread.id, owner.id, 'during the outage');

    await redis.restart();
    await eventually(async () => (await gauge(rest, 'broker_connected')) === 1, {
      timeoutMs: 10_000,
    });
    await rest.expect(200, 'GET', '/readyz');
  });
});
