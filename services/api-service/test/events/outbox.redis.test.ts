import { RedisEventBus, type EventBus } from '@communities/broker';
import { DomainEvent, threadChannel } from '@communities/contracts';
import {
  RedisServerProcess,
  backendUrl,
  eventually,
  hasRedisServerBinary,
} from '@communities/test-support';
import { pino } from 'pino';
import request from 'supertest';
import { loadApiConfig } from '../../src/config';
import { createApiService, type ApiService } from '../../src/service';
import { openStore, storeKinds, type StoreHarness } from '../support/api-harness';
import {
  authHeader,
  expectStatus,
  metricValue,
  postMessage,
  seedThread,
} from '../support/fixtures';

// Kills and restarts a redis-server of its own; runs wherever the Redis suites run.
const describeOwnRedis =
  backendUrl('REDIS_URL') && hasRedisServerBinary() ? describe : describe.skip;

const silent = pino({ level: 'silent' });

/**
 * Holds publishes while closed. Redis pub/sub keeps nothing for a subscriber that is not there
 * yet, so the test holds the relay back until its subscriber listens on the restarted server.
 */
class Gate {
  private opened: Promise<void> = Promise.resolve();
  private release: () => void = () => undefined;
  close(): void {
    this.opened = new Promise((resolve) => (this.release = resolve));
  }
  open(): void {
    this.release();
  }
  /** `bus` whose publishes wait for the gate; everything else goes straight through. */
  wrap(bus: EventBus): EventBus {
    return new Proxy(bus, {
      get: (target, property) => {
        if (property === 'publish') {
          return (event: DomainEvent) => this.opened.then(() => target.publish(event));
        }
        const value: unknown = Reflect.get(target, property);
        return typeof value === 'function' ? (value as () => unknown).bind(target) : value;
      },
    });
  }
}

/** What identifies an event of the thread here: its type and its message. */
function summary(event: DomainEvent): string {
  if (event.type === 'new_message' || event.type === 'message_updated') {
    return `${event.type} ${event.data.message.id}`;
  }
  if (event.type === 'message_deleted') return `${event.type} ${event.data.message_id}`;
  return event.type;
}

describeOwnRedis.each(storeKinds())('event outbox across a Redis outage (%s store)', (kind) => {
  let server: RedisServerProcess;
  let store: StoreHarness;
  let bus: RedisEventBus;
  let api: ApiService;
  let subscriber: RedisEventBus | undefined;
  const gate = new Gate();

  beforeEach(async () => {
    server = await RedisServerProcess.start();
    store = await openStore(kind);
    bus = new RedisEventBus({ url: server.url, logger: silent, connectionName: 'outbox-test' });
    const config = loadApiConfig({
      REDIS_URL: server.url,
      EMBEDDED_IN_MEMORY: 'true',
      LOG_LEVEL: 'silent',
      PORT: '0',
      HOST: '127.0.0.1',
      AUTH_PASSWORD_HASH_COST: '10',
    });
    api = await createApiService(config, silent, {
      db: store.db,
      bus: gate.wrap(bus),
      outbox: { intervalMs: 50, retryBaseMs: 50, retryMaxMs: 200 },
    });
    await api.start();
    await eventually(() => bus.ready());
  });

  afterEach(async () => {
    gate.open();
    await subscriber?.close();
    subscriber = undefined;
    await api.stop();
    await bus.close();
    await store.close();
    await server.kill();
  });

  it('publishes the events of writes made while Redis was down once it is back, in write order, exactly once', async () => {
    const { owner, thread } = await seedThread(api.app);
    await server.kill();
    await eventually(() => !bus.ready());

    const expected: string[] = [];
    const posted = [];
    for (let i = 0; i < 6; i++) {
      const message = await postMessage(api.app, thread.id, owner.id, { content: `down ${i}` });
      posted.push(message);
      expected.push(`new_message ${message.id}`);
    }
    const edit = await request(api.app)
      .put(`/api/messages/${posted[1]!.id}`)
      .set(authHeader(owner))
      .send({ content: 'edited while down' });
    expectStatus(edit, 200);
    expected.push(`message_updated ${posted[1]!.id}`);
    const removal = await request(api.app)
      .delete(`/api/messages/${posted[2]!.id}`)
      .set(authHeader(owner));
    expectStatus(removal, 204);
    expected.push(`message_deleted ${posted[2]!.id}`);
    // Each refused publish waits out the publish timeout before its entry is written: a deadline
    // for a loaded machine, not a speed requirement.
    await eventually(async () => (await metricValue(api.app, 'events_outbox_pending')) === 8, {
      timeoutMs: 20_000,
    });

    gate.close();
    await server.restart();
    await eventually(() => bus.ready(), { timeoutMs: 10_000 });
    // Redis is back, the outbox is not empty yet: this write's event goes behind the others.
    const after = await postMessage(api.app, thread.id, owner.id, { content: 'back' });
    expected.push(`new_message ${after.id}`);

    const received: DomainEvent[] = [];
    subscriber = new RedisEventBus({
      url: server.url,
      logger: silent,
      connectionName: 'outbox-sub',
    });
    await subscriber.subscribe(threadChannel(thread.id), (payload) => {
      received.push(DomainEvent.parse(JSON.parse(payload)));
    });
    gate.open();

    await eventually(() => received.length >= expected.length, { timeoutMs: 10_000 });
    await eventually(async () => (await metricValue(api.app, 'events_outbox_pending')) === 0);
    // Anything published twice would have arrived by now.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const summaries = received.map(summary);
    const duplicated = summaries.length - new Set(summaries).size;
    const missing = expected.filter((e) => !summaries.includes(e)).length;
    process.stdout.write(
      `outbox (${kind}): written=${expected.length} received=${received.length} ` +
        `missing=${missing} duplicated=${duplicated}\n`,
    );
    expect(summaries).toEqual(expected);
    expect(await metricValue(api.app, 'events_outbox_published_total')).toBe(expected.length);
    expect(await store.repos.outbox.countOf(api.events.owner)).toBe(0);
  }, 60_000);
});
