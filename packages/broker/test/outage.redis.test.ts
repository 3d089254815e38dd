import { RedisEventBus } from '@communities/broker';
import { backendUrl, eventually } from '@communities/test-support';
import { Redis } from 'ioredis';
import { newId, recorder, threadEvent } from './support/events';
import { RedisServerProcess, hasRedisServerBinary } from '@communities/test-support';
import { silentLogger } from './support/silent-logger';

// Needs its own redis-server to kill and restart; runs wherever the Redis suites run.
const describeOwnRedis =
  backendUrl('REDIS_URL') && hasRedisServerBinary() ? describe : describe.skip;

describeOwnRedis('RedisEventBus when Redis goes away', () => {
  let server: RedisServerProcess;
  const buses: RedisEventBus[] = [];
  const open = (url: string, publishTimeoutMs = 500): RedisEventBus => {
    const bus = new RedisEventBus({ url, logger: silentLogger, publishTimeoutMs });
    buses.push(bus);
    return bus;
  };

  beforeEach(async () => {
    server = await RedisServerProcess.start();
  });
  afterEach(async () => {
    await Promise.all(buses.splice(0).map((bus) => bus.close()));
    await server.kill();
  });

  it('rejects a publish instead of hanging while Redis is down', async () => {
    const bus = open(server.url);
    await eventually(() => bus.ready());
    await server.kill();
    await eventually(() => !bus.ready());
    const started = Date.now();
    await expect(bus.publish(threadEvent(newId()))).rejects.toThrow(/publish to thread:/);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('rejects a publish when Redis was never reachable', async () => {
    const port = server.port;
    await server.kill();
    const bus = open(`redis://127.0.0.1:${port}`);
    await expect(bus.publish(threadEvent(newId()))).rejects.toThrow(/publish to thread:/);
    expect(bus.ready()).toBe(false);
  });

  it('re-subscribes every channel after a restart and delivers again', async () => {
    const [publisher, subscriber] = [open(server.url), open(server.url)];
    const { received, handler } = recorder();
    const [kept, dropped] = [newId(), newId()];
    await eventually(() => publisher.ready() && subscriber.ready());
    await subscriber.subscribe(`thread:${kept}`, handler);
    await subscriber.subscribe(`thread:${dropped}`, handler);

    await server.kill();
    await eventually(() => !subscriber.ready());
    // Changes made during the outage are part of the desired state restored on reconnect.
    await subscriber.unsubscribe(`thread:${dropped}`);
    await server.restart();
    await eventually(() => publisher.ready() && subscriber.ready(), { timeoutMs: 10000 });

    const probe = new Redis(server.url);
    try {
      await eventually(async () => (await numsub(probe, `thread:${kept}`)) === 1);
      expect(await numsub(probe, `thread:${dropped}`)).toBe(0);
    } finally {
      probe.disconnect();
    }
    const event = threadEvent(kept);
    const position = await publisher.publish(event);
    await eventually(() => received.get(`thread:${kept}`)?.length === 1);
    expect(received.get(`thread:${kept}`)).toEqual([{ ...event, ...position }]);
  });

  it('numbers a channel from 1 in a new epoch once Redis restarts empty', async () => {
    const bus = open(server.url);
    const thread = newId();
    await eventually(() => bus.ready());
    await bus.publish(threadEvent(thread, 1));
    const before = await bus.publish(threadEvent(thread, 2));

    await server.kill();
    await server.restart();
    await eventually(() => bus.ready(), { timeoutMs: 10000 });
    // The script is not cached on the new server: the bus must load it again by itself.
    const after = await bus.publish(threadEvent(thread, 3));
    expect(before?.seq).toBe(2);
    expect(after?.seq).toBe(1);
    expect(after?.epoch).not.toBe(before?.epoch);
    await expect(bus.history(`thread:${thread}`, 0)).resolves.toMatchObject({
      epoch: after?.epoch,
      latestSeq: 1,
      complete: true,
    });
  });
});

async function numsub(redis: Redis, channel: string): Promise<number> {
  const reply = (await redis.pubsub('NUMSUB', channel)) as [string, number];
  return Number(reply[1]);
}
