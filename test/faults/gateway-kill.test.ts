import type { Message } from '@communities/contracts';
import {
  expectEveryMessageOnceInOrder,
  expectWireAsPromised,
  printCounts,
  type DeliveryCounts,
} from './support/delivery';
import { FaultStack, describeFaults } from './support/fault-stack';
import { STREAM, StreamScene } from './support/stream-scene';

/** Clients c1-c3 start on gateway a (the one killed), c4-c6 on gateway b. */
const FIRST_GATEWAYS = [0, 0, 0, 1, 1, 1];

describeFaults()('a gateway killed with SIGKILL mid-stream', () => {
  let stack: FaultStack | undefined;
  let scene: StreamScene | undefined;
  let sent: Message[];
  let counts: DeliveryCounts[];

  beforeAll(async () => {
    stack = await FaultStack.start({ name: 'gateway_kill', apis: 1, gateways: 2 });
    scene = await StreamScene.start(stack, FIRST_GATEWAYS);
    const killed = stack.gateways[0]!;
    sent = await scene.streamWithFault(STREAM.count / 3, () => killed.kill());
    counts = printCounts('gateway SIGKILL', scene.clients, sent);
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

  it("moves the killed gateway's clients to the other gateway and leaves the others' sockets alone", () => {
    expect(scene!.clients.map((client) => client.gateways)).toEqual(
      FIRST_GATEWAYS.map((first) => (first === 0 ? [0, 1] : [1])),
    );
  });

  it('resumes them from the history by seq, with no REST resync', () => {
    expect(scene!.clients.map((client) => client.resyncs)).toEqual(FIRST_GATEWAYS.map(() => []));
  });
});
