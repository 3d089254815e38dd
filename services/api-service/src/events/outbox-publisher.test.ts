import { setTimeout as sleep } from 'node:timers/promises';
import { createEvent, type DomainEvent } from '@communities/contracts';
import { eventually } from '@communities/test-support';
import { pino } from 'pino';
import { ApiMetrics } from '../http/metrics';
import { NedbDocumentDb } from '../store/embedded/nedb-document-db';
import { createRepositories, ensureIndexes, type Repositories } from '../store/repositories';
import { OutboxPublisher, type OutboxSettings } from './outbox-publisher';

/**
 * A broker under the test's control: up (takes each event), down (refuses at once), or holding
 * the next publishes unanswered until the test settles them (a stalled broker).
 */
class ScriptedBroker {
  up = true;
  holdNext = 0;
  readonly taken: DomainEvent[] = [];
  readonly held: { event: DomainEvent; refuse: () => void }[] = [];

  publish(event: DomainEvent): Promise<undefined> {
    if (this.holdNext > 0) {
      this.holdNext -= 1;
      return new Promise((_resolve, reject) => {
        this.held.push({ event, refuse: () => reject(new Error('publish timed out')) });
      });
    }
    if (!this.up) return Promise.reject(new Error('broker unreachable'));
    this.taken.push(event);
    return Promise.resolve(undefined);
  }
}

const FAST: Partial<OutboxSettings> = {
  intervalMs: 20,
  retryBaseMs: 10,
  retryMaxMs: 40,
  leaseTtlMs: 300,
  stopTimeoutMs: 500,
};

let db: NedbDocumentDb;
let repos: Repositories;
let broker: ScriptedBroker;
const started: OutboxPublisher[] = [];

beforeEach(async () => {
  db = await NedbDocumentDb.open();
  repos = createRepositories(db);
  await ensureIndexes(repos);
  broker = new ScriptedBroker();
});

afterEach(async () => {
  for (const publisher of started.splice(0)) await publisher.stop();
  jest.restoreAllMocks();
});

async function replica(settings: Partial<OutboxSettings> = FAST) {
  const metrics = new ApiMetrics({ defaultMetrics: false });
  const publisher = new OutboxPublisher(
    broker,
    repos.outbox,
    db,
    pino({ level: 'silent' }),
    metrics,
    settings,
  );
  await publisher.start();
  started.push(publisher);
  return { publisher, metrics };
}

let eventCount = 0;
function event(): DomainEvent {
  eventCount += 1;
  return createEvent('message_deleted', {
    message_id: eventCount.toString(16).padStart(24, '0'),
    thread_id: 'a'.repeat(24),
  });
}

async function counted(metric: { get(): Promise<{ values: { value: number }[] }> }) {
  const { values } = await metric.get();
  return values.reduce((sum, v) => sum + v.value, 0);
}

const ids = (events: DomainEvent[]) => events.map((e) => e.id);

describe('OutboxPublisher', () => {
  it('publishes straight to the broker while it takes events, storing nothing', async () => {
    const { publisher, metrics } = await replica();
    const events = [event(), event(), event()];
    for (const e of events) publisher.publish(e);

    await eventually(() => broker.taken.length === 3);
    expect(ids(broker.taken)).toEqual(ids(events));
    expect(await repos.outbox.countOf(publisher.owner)).toBe(0);
    expect(await counted(metrics.eventsPublished)).toBe(3);
    expect(await counted(metrics.eventsPublishFailed)).toBe(0);
  });

  it('keeps refused events and publishes them in order once the broker is back', async () => {
    const { publisher, metrics } = await replica();
    broker.up = false;
    const early = [event(), event()];
    for (const e of early) publisher.publish(e);
    await eventually(async () => (await repos.outbox.countOf(publisher.owner)) === 2);
    expect(await counted(metrics.outboxPending)).toBe(2);

    // Behind the stored ones, whatever the broker would say.
    const queued = event();
    publisher.publish(queued);
    await eventually(async () => (await repos.outbox.countOf(publisher.owner)) === 3);
    broker.up = true;

    await eventually(() => broker.taken.length === 3);
    expect(ids(broker.taken)).toEqual(ids([...early, queued]));
    await eventually(async () => (await counted(metrics.outboxPending)) === 0);
    expect(await repos.outbox.countOf(publisher.owner)).toBe(0);
    expect(await counted(metrics.outboxPublished)).toBe(3);
    expect(await counted(metrics.eventsPublishFailed)).toBe(2);

    // Drained: straight to the broker again.
    const later = event();
    publisher.publish(later);
    await eventually(() => broker.taken.length === 4);
    expect(broker.taken[3]!.id).toBe(later.id);
    expect(await counted(metrics.outboxPublished)).toBe(3);
    expect(await counted(metrics.eventsPublished)).toBe(4);
  });

  it('sends a new event behind the stored ones even when the broker would take it', async () => {
    const { publisher } = await replica();
    const [stored, next] = [event(), event()];
    broker.up = false;
    publisher.publish(stored);
    await eventually(async () => (await repos.outbox.countOf(publisher.owner)) === 1);
    // The relay's next attempt stalls; meanwhile the broker is back for everyone else.
    broker.holdNext = 1;
    broker.up = true;
    await eventually(() => broker.held.length === 1);

    publisher.publish(next);
    await eventually(async () => (await repos.outbox.countOf(publisher.owner)) === 2);
    expect(broker.taken).toEqual([]);

    broker.held[0]!.refuse();
    await eventually(() => broker.taken.length === 2);
    expect(ids(broker.taken)).toEqual(ids([stored, next]));
  });

  it('lets no event overtake an earlier one whose publish has not failed yet', async () => {
    const { publisher } = await replica();
    const [slow, fast] = [event(), event()];
    broker.holdNext = 1;
    publisher.publish(slow);
    broker.up = false;
    publisher.publish(fast);
    await eventually(async () => (await repos.outbox.countOf(publisher.owner)) === 1);

    // The broker is back, but `slow` may still land: `fast` has to wait for its outcome.
    broker.up = true;
    await sleep(10 * FAST.intervalMs!);
    expect(broker.taken).toEqual([]);

    broker.held[0]!.refuse();
    await eventually(() => broker.taken.length === 2);
    expect(ids(broker.taken)).toEqual(ids([slow, fast]));
  });

  it('counts an event as lost when the store refuses it as well, and goes on', async () => {
    const { publisher, metrics } = await replica();
    broker.up = false;
    jest.spyOn(repos.outbox, 'add').mockRejectedValueOnce(new Error('store unreachable'));
    publisher.publish(event());
    await eventually(async () => (await counted(metrics.eventsLost)) === 1);

    broker.up = true;
    const next = event();
    publisher.publish(next);
    await eventually(() => broker.taken.length === 1);
    expect(broker.taken[0]!.id).toBe(next.id);
    expect(await counted(metrics.outboxPending)).toBe(0);
  });

  it("publishes a stopped replica's entries through another replica's relay", async () => {
    const { publisher: stopping } = await replica();
    const { publisher: survivor, metrics } = await replica();
    broker.up = false;
    const events = [event(), event(), event()];
    for (const e of events) stopping.publish(e);
    await eventually(async () => (await repos.outbox.countOf(stopping.owner)) === 3);
    await stopping.stop();

    broker.up = true;
    await eventually(() => broker.taken.length === 3);
    expect(ids(broker.taken)).toEqual(ids(events));
    expect(await counted(metrics.outboxPublished)).toBe(3);
    // Its lease is given up once its outbox is empty; the survivor keeps its own.
    await eventually(async () => (await repos.outbox.allLeases()).length === 1);
    expect((await repos.outbox.allLeases())[0]!.owner).toBe(survivor.owner);
  });

  it('takes over the entries of a replica that died, once its lease is stale', async () => {
    const dead = 'd'.repeat(24);
    const events = [event(), event()];
    await repos.outbox.holdLease(dead);
    for (const [i, e] of events.entries()) await repos.outbox.add(dead, i + 1, e);
    const ttl = 1000;
    await replica({ ...FAST, leaseTtlMs: ttl });

    // Its lease was renewed just now: it may be alive, its entries are its own.
    await sleep(ttl / 4);
    expect(broker.taken).toEqual([]);

    await eventually(() => broker.taken.length === 2, { timeoutMs: 3 * ttl });
    expect(ids(broker.taken)).toEqual(ids(events));
  });

  it('takes over entries whose owner has no lease at all at once', async () => {
    const orphan = 'e'.repeat(24);
    const e = event();
    await repos.outbox.add(orphan, 1, e);
    await replica({ ...FAST, leaseTtlMs: 60_000 });

    await eventually(() => broker.taken.length === 1);
    expect(broker.taken[0]!.id).toBe(e.id);
    expect(await repos.outbox.countOf(orphan)).toBe(0);
  });
});
