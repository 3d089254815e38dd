import type { Message } from '@communities/contracts';
import {
  expectEveryMessageOnceInOrder,
  expectWireAsPromised,
  printCounts,
  type DeliveryCounts,
} from './support/delivery';
import { DRAIN_WINDOW_MS, FaultStack, describeFaults } from './support/fault-stack';
import { STREAM, StreamScene } from './support/stream-scene';

/**
 * Twelve clients on gateway a (the one stopped), four on gateway b. Twelve delays drawn uniformly
 * from the window all fall within a third of it with a probability of 12·(1/3)^11 − 11·(1/3)^12,
 * under 1 in 20 000: the spread assertion below is not left to luck.
 */
const FIRST_GATEWAYS = [...Array<number>(12).fill(0), ...Array<number>(4).fill(1)];
const DRAINED = FIRST_GATEWAYS.filter((first) => first === 0).length;

describeFaults()('a gateway stopped with SIGTERM during traffic', () => {
  let stack: FaultStack | undefined;
  let scene: StreamScene | undefined;
  let sent: Message[];
  let counts: DeliveryCounts[];
  let exit: { code: number | null; signal: NodeJS.Signals | null };

  beforeAll(async () => {
    stack = await FaultStack.start({ name: 'gateway_drain', apis: 1, gateways: 2 });
    scene = await StreamScene.start(stack, FIRST_GATEWAYS);
    const stopped = stack.gateways[0]!;
    sent = await scene.streamWithFault(STREAM.count / 3, () => {
      stopped.signal('SIGTERM');
      return Promise.resolve();
    });
    exit = await stopped.exited;
    counts = printCounts('gateway SIGTERM', scene.clients, sent);
    const delays = scene.clients.flatMap((client) => client.reconnects.map((r) => r.afterMs));
    process.stdout.write(
      `[faults] gateway SIGTERM reconnect delays (window ${DRAIN_WINDOW_MS} ms): ` +
        `${[...delays].sort((x, y) => x - y).join(', ')}\n`,
    );
  }, 120_000);

  afterAll(async () => {
    scene?.close();
    await stack?.stop();
  }, 30_000);

  it('delivers every message to every client exactly once, in seq order', () => {
    expectEveryMessageOnceInOrder(counts);
  });

  it('put every event after the resume point on the sockets: in order, once each, no seq skipped', () => {
    expectWireAsPromised(counts, { gapless: true });
  });

  it('tells each of its clients once to reconnect, after a delay within the drain window', () => {
    const reconnects = scene!.clients.map((client) => client.reconnects);
    expect(reconnects).toEqual(
      FIRST_GATEWAYS.map((first) =>
        first === 0 ? [{ gateway: 0, afterMs: expect.any(Number) }] : [],
      ),
    );
    for (const { afterMs } of reconnects.flat()) {
      expect(afterMs).toBeGreaterThanOrEqual(0);
      expect(afterMs).toBeLessThan(DRAIN_WINDOW_MS);
    }
  });

  it('spreads those reconnects over the window instead of sending everyone back at once', () => {
    const delays = scene!.clients.flatMap((client) => client.reconnects.map((r) => r.afterMs));
    expect(delays).toHaveLength(DRAINED);
    expect(new Set(delays).size).toBeGreaterThan(1);
    expect(Math.max(...delays) - Math.min(...delays)).toBeGreaterThanOrEqual(DRAIN_WINDOW_MS / 3);
  });

  it("moves its clients to the other gateway and leaves the other gateway's sockets alone", () => {
    expect(scene!.clients.map((client) => client.gateways)).toEqual(
      FIRST_GATEWAYS.map((first) => (first === 0 ? [0, 1] : [1])),
    );
  });

  it('resumes them from the history by seq, with no REST resync', () => {
    expect(scene!.clients.map((client) => client.resyncs)).toEqual(FIRST_GATEWAYS.map(() => []));
  });

  it('exits cleanly once drained', () => {
    expect(exit).toEqual({ code: 0, signal: null });
  });
});
