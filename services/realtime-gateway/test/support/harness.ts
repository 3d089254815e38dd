import { type EventBus, InProcessEventBus, InProcessHub, RedisEventBus } from '@communities/broker';
import {
  type Gateway,
  type GatewayConfig,
  createGateway,
  loadConfig,
} from '@communities/realtime-gateway';
import { eventually } from '@communities/test-support';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { TEST_KEY_SPEC } from './auth';

const logger = pino({ level: 'silent' });

/** Where the gateways' buses meet: one Redis server, or one in-process hub. */
export interface Backend {
  /** A bus of its own, as a separate process would have. */
  openBus(): EventBus;
  /** How many buses are subscribed to `channel` (PUBSUB NUMSUB on Redis). */
  numsub(channel: string): Promise<number>;
  close(): Promise<void>;
}

export function inProcessBackend(): Backend {
  const hub = new InProcessHub();
  return {
    openBus: () => new InProcessEventBus(logger, hub),
    numsub: (channel) => Promise.resolve(hub.numsub(channel)),
    close: () => Promise.resolve(),
  };
}

export function redisBackend(url: string, publishTimeoutMs = 1000): Backend {
  const probe = new Redis(url, { lazyConnect: true });
  return {
    openBus: () => new RedisEventBus({ url, logger, publishTimeoutMs, maxReconnectDelayMs: 200 }),
    numsub: async (channel) => {
      const reply = (await probe.pubsub('NUMSUB', channel)) as [string, number];
      return Number(reply[1]);
    },
    close: () => {
      probe.disconnect();
      return Promise.resolve();
    },
  };
}

export interface RunningGateway {
  gateway: Gateway;
  port: number;
  url(path: string): string;
}

/**
 * A gateway on 127.0.0.1, port 0, with its own bus, verifying with `TEST_KEY_SPEC`; ready once
 * the bus is. `env` is read like the process environment, then `overrides` replace fields.
 */
export async function startGateway(
  bus: EventBus,
  overrides: Partial<GatewayConfig> = {},
  env: Record<string, string> = {},
): Promise<RunningGateway> {
  const config = {
    ...loadConfig({
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'silent',
      AUTH_JWT_KEYS: TEST_KEY_SPEC,
      ...env,
    }),
    ...overrides,
  };
  const gateway = createGateway({ config, logger, bus });
  const port = await gateway.start();
  await eventually(() => gateway.ready());
  return { gateway, port, url: (path) => `http://127.0.0.1:${port}${path}` };
}
