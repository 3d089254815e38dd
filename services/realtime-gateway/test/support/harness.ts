import {
  type EventBus,
  type HistoryOptions,
  InProcessEventBus,
  InProcessHub,
  RedisEventBus,
} from '@communities/broker';
import {
  type Gateway,
  type GatewayConfig,
  type GatewayDeps,
  createGateway,
  loadConfig,
} from '@communities/realtime-gateway';
import { eventually } from '@communities/test-support';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { TEST_KEY_SPEC } from './auth';

const logger = pino({ level: 'silent' });

/**
 * Histories in tests: the broker's default length, but gone a minute after their last event, so
 * the shared Redis server does not keep them for a day.
 */
const TEST_HISTORY: Partial<HistoryOptions> = { ttlSeconds: 60 };

/** Where the gateways' buses meet: one Redis server, or one in-process hub. */
export interface Backend {
  /** A bus of its own, as a separate process would have. */
  openBus(): EventBus;
  /** How many buses are subscribed to `channel` (PUBSUB NUMSUB on Redis). */
  numsub(channel: string): Promise<number>;
  close(): Promise<void>;
}

/**
 * `history` bounds every channel's history on the hub (the in-process history lives in the hub,
 * shared by its buses, as the Redis keys are).
 */
export function inProcessBackend(history: Partial<HistoryOptions> = {}): Backend {
  const hub = new InProcessHub({ history: { ...TEST_HISTORY, ...history } });
  return {
    openBus: () => new InProcessEventBus(logger, hub),
    numsub: (channel) => Promise.resolve(hub.numsub(channel)),
    close: () => Promise.resolve(),
  };
}

/** `history`: the bounds each bus applies when it appends (Redis keeps `MAXLEN ~`: ~100 more). */
export function redisBackend(
  url: string,
  publishTimeoutMs = 1000,
  history: Partial<HistoryOptions> = {},
): Backend {
  const probe = new Redis(url, { lazyConnect: true });
  return {
    openBus: () =>
      new RedisEventBus({
        url,
        logger,
        publishTimeoutMs,
        maxReconnectDelayMs: 200,
        history: { ...TEST_HISTORY, ...history },
      }),
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
 * A gateway on 127.0.0.1, port 0, with its own bus, verifying with `TEST_KEY_SPEC`, draining over
 * 200 ms; ready once the bus is. `env` is read like the process environment, then `overrides`
 * replace fields.
 */
export async function startGateway(
  bus: EventBus,
  overrides: Partial<GatewayConfig> = {},
  env: Record<string, string> = {},
  extra: Pick<GatewayDeps, 'random'> = {},
): Promise<RunningGateway> {
  const config = {
    ...loadConfig({
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'silent',
      AUTH_JWT_KEYS: TEST_KEY_SPEC,
      WS_DRAIN_WINDOW_MS: '200',
      ...env,
    }),
    ...overrides,
  };
  const gateway = createGateway({ config, logger, bus, ...extra });
  const port = await gateway.start();
  await eventually(() => gateway.ready());
  return { gateway, port, url: (path) => `http://127.0.0.1:${port}${path}` };
}
