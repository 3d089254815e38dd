import type { Message } from '@communities/contracts';
import {
  expectEveryMessageOnceInOrder,
  expectWireAsPromised,
  printCounts,
  type DeliveryCounts,
} from './support/delivery';
import { FaultStack, describeFaults } from './support/fault-stack';
import { Rest } from './support/rest';
import { STREAM, StreamScene } from './support/stream-scene';

/** Two clients on each gateway; both gateways and the api-service lose Redis. */
const FIRST_GATEWAYS = [0, 0, 1, 1];
/** How long Redis stays down: the api-service keeps taking posts meanwhile. */
const REDIS_DOWN_MS = 1000;

describeFaults()('Redis restarted (empty) mid-stream', () => {
  let stack: FaultStack | undefined;
  let scene: StreamScene | undefined;
  let sent: Message[];
  let counts: DeliveryCounts[];
  let postedWhileDown = 0;
  const outbox = { published: 0, pending: 0, lost: 0 };

  beforeAll(async () => {
    stack = await FaultStack.start({ name: 'redis_restart', apis: 1, gateways: 2 });
    scene = await StreamScene.start(stack, FIRST_GATEWAYS);
    const publisher = scene.publisher;
    sent = await scene.streamWithFault(STREAM.count / 4, async () => {
      const before = publisher.sent.length;
      await stack!.restartRedis(REDIS_DOWN_MS);
      postedWhileDown = publisher.sent.length - before;
    });
    counts = printCounts('Redis restart', scene.clients, sent);
    const rest = new Rest(stack.apis[0]!.httpUrl);
    outbox.published = await rest.metric('events_outbox_published_total');
    outbox.pending = await rest.metric('events_outbox_pending');
    outbox.lost = await rest.metric('events_lost_total');
    process.stdout.write(
      `[faults] Redis restart: ${postedWhileDown} messages posted while Redis was down; ` +
        `outbox published=${outbox.published} pending=${outbox.pending} lost=${outbox.lost}\n`,
    );
  }, 120_000);

  afterAll(async () => {
    scene?.close();
    await stack?.stop();
  }, 30_000);

  it('keeps taking posts while Redis is down', () => {
    expect(postedWhileDown).toBeGreaterThan(0);
  });

  it('delivers every message to every client exactly once, in seq order, once Redis is back', () => {
    expectEveryMessageOnceInOrder(counts);
  });

  // Not gapless: the new epoch starts wherever each gateway resubscribed; the clients refetch
  // the rest over REST (the printed wire line says how much).
  it('put the events on each socket in order and once each, within every join and epoch', () => {
    expectWireAsPromised(counts);
  });

  it('publishes the events of those posts from the outbox once Redis is back, losing none', () => {
    expect(outbox).toEqual({ published: expect.any(Number), pending: 0, lost: 0 });
    expect(outbox.published).toBeGreaterThan(0);
    // Posts go one at a time, so at most one of them (the one under way when Redis went) may have
    // been published before Redis went down; every other event went through the outbox.
    expect(outbox.published).toBeGreaterThanOrEqual(postedWhileDown - 1);
  });

  it('has every client notice the new epoch and catch up over REST', () => {
    const reasons = scene!.clients.map((client) => client.resyncs.map((r) => r.reason));
    expect(reasons.map((seen) => seen.includes('epoch_changed'))).toEqual(
      FIRST_GATEWAYS.map(() => true),
    );
  });
});
