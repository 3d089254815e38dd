import { RedisEventBus, redisHistoryKeys } from '@communities/broker';
import { backendUrl, describeWithBackend, eventually } from '@communities/test-support';
import { Redis } from 'ioredis';
import { newId, threadEvent } from './support/events';
import { silentLogger } from './support/silent-logger';

/** What only Redis can show: the keys themselves, and losing one of the three. */
describeWithBackend('REDIS_URL')('RedisEventBus history keys', () => {
  const url = backendUrl('REDIS_URL') ?? '';
  let bus: RedisEventBus;
  let admin: Redis;

  beforeEach(async () => {
    bus = new RedisEventBus({ url, logger: silentLogger, history: { ttlSeconds: 60 } });
    admin = new Redis(url);
    await eventually(() => bus.ready());
  });
  afterEach(async () => {
    await bus.close();
    admin.disconnect();
  });

  it('sets the TTL on the counter, the epoch and the stream at every durable publish', async () => {
    const thread = newId();
    const keys = redisHistoryKeys(`thread:${thread}`);
    await bus.publish(threadEvent(thread));
    await admin.persist(keys[1]);
    await bus.publish(threadEvent(thread));
    for (const key of keys) {
      const ttl = await admin.pttl(key);
      expect(ttl).toBeGreaterThan(55_000);
      expect(ttl).toBeLessThanOrEqual(60_000);
    }
  });

  it('keeps each event in the stream under the id 0-<seq>', async () => {
    const thread = newId();
    await bus.publish(threadEvent(thread));
    await bus.publish(threadEvent(thread));
    const entries = await admin.xrange(redisHistoryKeys(`thread:${thread}`)[2], '-', '+');
    expect(entries.map(([id]) => id)).toEqual(['0-1', '0-2']);
  });

  it.each([
    ['the counter', 0],
    ['the epoch', 1],
  ])('starts a new epoch at seq 1 on an empty history when only %s was lost', async (_, lost) => {
    const thread = newId();
    const channel = `thread:${thread}`;
    await bus.publish(threadEvent(thread, 1));
    const before = await bus.publish(threadEvent(thread, 2));
    await admin.del(redisHistoryKeys(channel)[lost]!);
    await expect(bus.position(channel)).resolves.toEqual({ epoch: null, seq: 0 });
    const after = await bus.publish(threadEvent(thread, 3));
    expect(after?.seq).toBe(1);
    expect(after?.epoch).not.toBe(before?.epoch);
    const history = await bus.history(channel, 0);
    expect(history).toMatchObject({ epoch: after?.epoch, latestSeq: 1, complete: true });
    expect(history.events).toHaveLength(1);
  });
});
