import { type EventBus } from '@communities/broker';
import { createEvent } from '@communities/contracts';
import { eventually } from '@communities/test-support';
import { accessToken, joinThread } from './support/auth';
import { newId, newMessageEvent } from './support/events';
import {
  type Backend,
  type RunningGateway,
  inProcessBackend,
  startGateway,
} from './support/harness';
import { TestClient } from './support/test-client';

const MAX_BUFFERED_BYTES = 64 * 1024;
const CONTENT = 'x'.repeat(16 * 1024);

/** A socket that stops reading: what the gateway does as its unsent bytes grow. */
describe('a slow consumer', () => {
  let backend: Backend;
  let api: EventBus;
  let gateway: RunningGateway;
  const clients: TestClient[] = [];

  const dropped = async (reason: string): Promise<number> => {
    const metric = gateway.gateway.metricsRegistry.getSingleMetric('gateway_events_dropped_total');
    const values = (await metric?.get())?.values ?? [];
    return values.find((value) => value.labels.reason === reason)?.value ?? 0;
  };

  beforeEach(async () => {
    // Long enough a history that every event of the test can be replayed.
    backend = inProcessBackend({ maxEvents: 10_000 });
    api = backend.openBus();
    gateway = await startGateway(backend.openBus(), { maxBufferedBytes: MAX_BUFFERED_BYTES });
  });

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
    await Promise.all([gateway.gateway.stop(), api.close()]);
    await backend.close();
  });

  it('loses typing first, then is closed with 1013, then resumes without losing a message', async () => {
    const [thread, aliceId] = [newId(), newId()];
    const channel = `thread:${thread}`;
    const token = await accessToken(aliceId);
    const alice = await TestClient.connect(gateway.port, aliceId, token);
    clients.push(alice);
    await alice.ack(await joinThread(aliceId, thread));
    alice.socket.pause(); // reads nothing more: the kernel buffers fill, then the gateway's

    let published = 0;
    let typingDroppedWhileOpen = false;
    const typing = () => createEvent('typing', { thread_id: thread, user_id: newId() });
    // One typing event before each message, so one arrives while the socket is between half the
    // limit and the limit. The kernel's socket buffers absorb a few MB first.
    while (published < 5000 && (await dropped('slow_consumer')) === 0) {
      await api.publish(typing());
      await api.publish(newMessageEvent(thread, CONTENT));
      published += 1;
      await new Promise((resolve) => setImmediate(resolve));
      if ((await dropped('ephemeral_backpressure')) > 0 && (await dropped('slow_consumer')) === 0) {
        typingDroppedWhileOpen = true;
      }
    }
    expect(typingDroppedWhileOpen).toBe(true);
    expect(await dropped('slow_consumer')).toBe(1);

    alice.socket.resume();
    expect((await alice.waitForClose(10_000)).code).toBe(1013);
    const received = alice.eventsOn(channel).filter((event) => event.type === 'new_message');
    const seqs = received.map((event) => Number(event.seq));
    // What was written before the close arrived, in order, with no gap; the rest is replayed.
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));
    expect(seqs.length).toBeLessThan(published);

    const resumed = await TestClient.connect(gateway.port, aliceId, token);
    clients.push(resumed);
    const last = received.at(-1);
    await resumed.ack({
      ...(await joinThread(aliceId, thread)),
      last_seq: last?.seq ?? 0,
      ...(last && { epoch: last.epoch }),
    });
    await eventually(() => resumed.eventsOn(channel).length >= published - seqs.length);
    const replayed = resumed.eventsOn(channel).map((event) => Number(event.seq));
    expect([...seqs, ...replayed]).toEqual(Array.from({ length: published }, (_, i) => i + 1));
  }, 60_000);
});
