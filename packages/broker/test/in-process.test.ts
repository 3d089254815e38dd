import { InProcessEventBus, InProcessHub } from '@communities/broker';
import { eventBusContract } from './event-bus.contract';
import { silentLogger } from './support/silent-logger';

describe('InProcessEventBus', () => {
  describe('with publisher and subscriber in one bus', () => {
    eventBusContract(() => {
      const bus = new InProcessEventBus(silentLogger);
      return Promise.resolve({ publisher: bus, subscriber: bus, close: () => bus.close() });
    });
  });

  describe('with publisher and subscriber on one hub', () => {
    eventBusContract(() => {
      const hub = new InProcessHub();
      const publisher = new InProcessEventBus(silentLogger, hub);
      const subscriber = new InProcessEventBus(silentLogger, hub);
      return Promise.resolve({
        publisher,
        subscriber,
        close: async () => {
          await Promise.all([publisher.close(), subscriber.close()]);
        },
      });
    });
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
});
