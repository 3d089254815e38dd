import { DEFAULT_HISTORY, InProcessEventBus, InProcessHub } from '@communities/broker';
import { type MakePair, eventBusContract } from './event-bus.contract';
import { newId, threadEvent } from './support/events';
import { silentLogger } from './support/silent-logger';

/** Buses on one hub whose clock the pair can move forward, so histories expire on demand. */
function inProcessPair(shareOneBus: boolean): MakePair {
  return (options = {}) => {
    let skippedMs = 0;
    const ttlSeconds = options.history?.ttlSeconds ?? DEFAULT_HISTORY.ttlSeconds;
    const hub = new InProcessHub({ history: options.history, now: () => Date.now() + skippedMs });
    const publisher = new InProcessEventBus(silentLogger, hub);
    const subscriber = shareOneBus ? publisher : new InProcessEventBus(silentLogger, hub);
    return Promise.resolve({
      publisher,
      subscriber,
      // Past the TTL every channel's history on the hub has expired, this one included.
      loseHistory: () => {
        skippedMs += ttlSeconds * 1000;
        return Promise.resolve();
      },
      close: async () => {
        await Promise.all([publisher.close(), subscriber.close()]);
      },
    });
  };
}

describe('InProcessEventBus', () => {
  describe('with publisher and subscriber in one bus', () => {
    eventBusContract(inProcessPair(true));
  });

  describe('with publisher and subscriber on one hub', () => {
    eventBusContract(inProcessPair(false));
  });

  it('counts subscribed buses per channel on the hub', async () => {
    const hub = new InProcessHub();
    const [a, b] = [
      new InProcessEventBus(silentLogger, hub),
      new InProcessEventBus(silentLogger, hub),
    ];
    await a.subscribe('thread:1', () => undefined);
    await a.subscribe('thread:1', () => undefined);
    await b.subscribe('thread:1', () => undefined);
    expect(hub.numsub('thread:1')).toBe(2);
    await a.unsubscribe('thread:1');
    await b.close();
    expect(hub.numsub('thread:1')).toBe(0);
  });

  it("forgets a channel's history only after ttlSeconds without an event on it", async () => {
    let now = 0;
    const bus = new InProcessEventBus(
      silentLogger,
      new InProcessHub({ history: { ttlSeconds: 10 }, now: () => now }),
    );
    const thread = newId();
    const first = await bus.publish(threadEvent(thread));
    now = 9_999;
    // Each event restarts the TTL, as EXPIRE does on Redis.
    await expect(bus.publish(threadEvent(thread))).resolves.toEqual({ ...first, seq: 2 });
    now = 19_998;
    await expect(bus.position(`thread:${thread}`)).resolves.toEqual({ ...first, seq: 2 });
    now = 19_999;
    await expect(bus.position(`thread:${thread}`)).resolves.toEqual({ epoch: null, seq: 0 });
  });

  it('refuses history bounds that are not positive integers', () => {
    expect(() => new InProcessHub({ history: { maxEvents: 0 } })).toThrow(/history.maxEvents/);
    expect(() => new InProcessHub({ history: { ttlSeconds: 1.5 } })).toThrow(/history.ttlSeconds/);
  });
});
