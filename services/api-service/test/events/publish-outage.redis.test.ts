import { DomainEvent, type Message, threadChannel } from '@communities/contracts';
import {
  RedisServerProcess,
  backendUrl,
  eventually,
  hasRedisServerBinary,
} from '@communities/test-support';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import request from 'supertest';
import { loadApiConfig } from '../../src/config';
import { createApiService, type ApiService } from '../../src/service';
import {
  createMember,
  expectError,
  expectStatus,
  getJson,
  joinCommunity,
  metricValue,
  postMessage,
  seedThread,
} from '../support/fixtures';

// Kills and restarts a redis-server of its own; runs wherever the Redis suites run.
const describeOwnRedis =
  backendUrl('REDIS_URL') && hasRedisServerBinary() ? describe : describe.skip;

/** The value of one labelled counter on `/metrics` (0 while the series does not exist yet). */
async function counter(api: ApiService, name: string, type: string): Promise<number> {
  const res = await request(api.app).get('/metrics');
  expectStatus(res, 200);
  const line = res.text.split('\n').find((l) => l.startsWith(`${name}{type="${type}"} `));
  return line ? Number(line.split(' ')[1]) : 0;
}

/**
 * How long a publish to a Redis that just died may take to be refused: the command can sit out its
 * timeout on the dead socket and again after the bus notices. A deadline for a loaded machine,
 * not a speed requirement.
 */
const PUBLISH_FAILURE_DEADLINE = { timeoutMs: 15_000 };

describeOwnRedis('api-service writes while Redis is down', () => {
  jest.setTimeout(60_000);
  let server: RedisServerProcess;
  let api: ApiService;
  let subscriber: Redis | undefined;

  beforeEach(async () => {
    server = await RedisServerProcess.start();
    // The service exactly as main.ts wires it: REDIS_URL selects the Redis broker.
    // Rate limits stay at their defaults: their counters live in this Redis too.
    const config = loadApiConfig({
      REDIS_URL: server.url,
      EMBEDDED_IN_MEMORY: 'true',
      LOG_LEVEL: 'silent',
      PORT: '0',
      HOST: '127.0.0.1',
      // The lowest cost the service accepts: the tests sign members up.
      AUTH_PASSWORD_HASH_COST: '10',
    });
    api = await createApiService(config, pino({ level: 'silent' }), {
      outbox: { intervalMs: 50, retryBaseMs: 50, retryMaxMs: 200 },
    });
    await api.start();
    await eventually(() => api.bus.ready());
  });

  afterEach(async () => {
    subscriber?.disconnect();
    subscriber = undefined;
    await api.stop();
    await server.kill();
  });

  it('stores messages and answers 201 although their events cannot be published, keeping them in the outbox', async () => {
    const { owner, thread } = await seedThread(api.app);
    await eventually(
      async () => (await counter(api, 'events_published_total', 'new_thread')) === 1,
    );
    await server.kill();

    // Right after the crash: the bus may not have noticed yet, the write must not care.
    const first = await postMessage(api.app, thread.id, owner.id, { content: 'during outage' });
    expect(await getJson(api.app, `/api/messages/${first.id}`)).toEqual(first);
    await eventually(
      async () => (await counter(api, 'events_publish_failed_total', 'new_message')) === 1,
      PUBLISH_FAILURE_DEADLINE,
    );

    // Once the bus knows Redis is gone: the write still succeeds, its event waits behind the
    // first one in the outbox (it is not even tried: it must not overtake it).
    await eventually(() => !api.bus.ready());
    const second = await postMessage(api.app, thread.id, owner.id, { content: 'still down' });
    expect(await getJson(api.app, `/api/messages/${second.id}`)).toEqual(second);
    await eventually(async () => (await metricValue(api.app, 'events_outbox_pending')) === 2);
    expect(await counter(api, 'events_publish_failed_total', 'new_message')).toBe(1);
    expect(await counter(api, 'events_published_total', 'new_message')).toBe(0);

    const listed = (await getJson(api.app, `/api/messages/thread/${thread.id}`)) as {
      items: Message[];
    };
    expect(listed.items.map((m) => m.id)).toEqual([first.id, second.id]);
  });

  it('signs up, logs in and takes authenticated writes while Redis is down', async () => {
    const { community, thread } = await seedThread(api.app);
    await server.kill();
    await eventually(() => !api.bus.ready());

    // Sign-up, login and every write pass their rate limits on the in-process fallback.
    const newcomer = await createMember(api.app);
    expect(await joinCommunity(api.app, community.id, newcomer.id)).toMatchObject({
      changed: true,
    });
    const message = await postMessage(api.app, thread.id, newcomer.id, { content: 'hello' });
    expect(await getJson(api.app, `/api/messages/${message.id}`)).toEqual(message);

    // Authentication still holds: no token, no write.
    const anonymous = await request(api.app)
      .post(`/api/messages/thread/${thread.id}`)
      .send({ content: 'who am I' });
    expectError(anonymous, 401, 'UNAUTHENTICATED');
    const listed = (await getJson(api.app, `/api/messages/thread/${thread.id}`)) as {
      items: Message[];
    };
    expect(listed.items.map((m) => m.id)).toEqual([message.id]);
  });

  it('publishes the kept event from the outbox once Redis is back, then the next writes directly', async () => {
    const { owner, thread } = await seedThread(api.app);
    await server.kill();
    await postMessage(api.app, thread.id, owner.id, { content: 'kept event' });
    await eventually(
      async () => (await counter(api, 'events_publish_failed_total', 'new_message')) === 1,
      PUBLISH_FAILURE_DEADLINE,
    );

    await server.restart();
    await eventually(() => api.bus.ready(), { timeoutMs: 10_000 });
    expectStatus(await request(api.app).get('/readyz'), 200);
    await eventually(
      async () => (await counter(api, 'events_outbox_published_total', 'new_message')) === 1,
    );
    expect(await metricValue(api.app, 'events_outbox_pending')).toBe(0);

    const received: DomainEvent[] = [];
    subscriber = new Redis(server.url);
    subscriber.on('message', (_channel: string, payload: string) => {
      received.push(DomainEvent.parse(JSON.parse(payload)));
    });
    await subscriber.subscribe(threadChannel(thread.id));

    const after = await postMessage(api.app, thread.id, owner.id, { content: 'back again' });
    await eventually(() => received.length === 1);
    expect(received[0]).toMatchObject({ type: 'new_message', data: { message: after } });
    // Both went out, the second without the outbox.
    await eventually(
      async () => (await counter(api, 'events_published_total', 'new_message')) === 2,
    );
    expect(await counter(api, 'events_outbox_published_total', 'new_message')).toBe(1);
    expect(await counter(api, 'events_publish_failed_total', 'new_message')).toBe(1);
  });
});
