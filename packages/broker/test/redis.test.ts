import { RedisEventBus } from '@communities/broker';
import { backendUrl, describeWithBackend, eventually } from '@communities/test-support';
import { eventBusContract } from './event-bus.contract';
import { silentLogger } from './support/silent-logger';

async function openBus(url: string): Promise<RedisEventBus> {
  const bus = new RedisEventBus({ url, logger: silentLogger, connectionName: 'broker-test' });
  await eventually(() => bus.ready());
  return bus;
}

describeWithBackend('REDIS_URL')('RedisEventBus', () => {
  const url = backendUrl('REDIS_URL') ?? '';

  describe('with publisher and subscriber in one process', () => {
    eventBusContract(async () => {
      const bus = await openBus(url);
      return { publisher: bus, subscriber: bus, close: () => bus.close() };
    });
  });

  describe('with publisher and subscriber in different processes', () => {
    eventBusContract(async () => {
      const [publisher, subscriber] = await Promise.all([openBus(url), openBus(url)]);
      return {
        publisher,
        subscriber,
        close: async () => {
          await Promise.all([publisher.close(), subscriber.close()]);
        },
      };
    });
  });
});
