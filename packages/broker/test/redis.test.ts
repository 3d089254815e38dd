import { type HistoryOptions, RedisEventBus, redisHistoryKeys } from '@communities/broker';
import { backendUrl, describeWithBackend, eventually } from '@communities/test-support';
import { Redis } from 'ioredis';
import { type MakePair, eventBusContract } from './event-bus.contract';
import { silentLogger } from './support/silent-logger';

async function openBus(url: string, history?: Partial<HistoryOptions>): Promise<RedisEventBus> {
  const bus = new RedisEventBus({
    url,
    logger: silentLogger,
    connectionName: 'broker-test',
    ...(history && { history }),
  });
  await eventually(() => bus.ready());
  return bus;
}

/** Deletes the channel's keys: what a Redis restart without persistence leaves behind. */
async function deleteHistory(url: string, channel: string): Promise<void> {
  const admin = new Redis(url);
  try {
    await admin.del(...redisHistoryKeys(channel));
  } finally {
    admin.disconnect();
  }
}

function redisPair(url: string, twoProcesses: boolean): MakePair {
  return async (options = {}) => {
    const publisher = await openBus(url, options.history);
    const subscriber = twoProcesses ? await openBus(url, options.history) : publisher;
    return {
      publisher,
      subscriber,
      loseHistory: (channel) => deleteHistory(url, channel),
      close: async () => {
        await Promise.all([publisher.close(), subscriber.close()]);
      },
    };
  };
}

describeWithBackend('REDIS_URL')('RedisEventBus', () => {
  const url = backendUrl('REDIS_URL') ?? '';

  describe('with publisher and subscriber in one process', () => {
    eventBusContract(redisPair(url, false));
  });

  describe('with publisher and subscriber in different processes', () => {
    eventBusContract(redisPair(url, true));
  });
});
