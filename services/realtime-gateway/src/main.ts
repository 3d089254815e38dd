import { createEventBus } from '@communities/broker';
import { pino } from 'pino';
import { collectDefaultMetrics } from 'prom-client';
import { tokenVerifierFor } from './auth/token-verifier';
import { loadConfig } from './config';
import { createGateway } from './gateway';

/**
 * Wiring: config → keys → logger → bus → gateway → listen. SIGTERM → stop(): the drain over
 * WS_DRAIN_WINDOW_MS; SIGINT (someone at a terminal) → stop() without the wait.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  // Fails fast without AUTH_JWT_KEYS: a separate gateway cannot verify anything without the
  // api-service's keys, and a random key of its own would refuse every client.
  const tokens = tokenVerifierFor(config);
  const logger = pino({ level: config.logLevel, base: { service: 'realtime-gateway' } });
  const bus = createEventBus({
    redisUrl: config.redisUrl,
    logger: logger.child({ module: 'broker' }),
    publishTimeoutMs: config.publishTimeoutMs,
    connectionName: 'realtime-gateway',
  });
  const gateway = createGateway({ config, logger, bus, tokens });
  collectDefaultMetrics({ register: gateway.metricsRegistry });
  const port = await gateway.start();
  logger.info(
    { port, host: config.host, broker: config.redisUrl ? 'redis' : 'in-process' },
    'listening',
  );

  const shutdown = (signal: NodeJS.Signals): void => {
    logger.info({ signal }, 'shutting down');
    gateway.stop(signal === 'SIGINT' ? { drainWindowMs: 0 } : {}).then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}

main().catch((error: unknown) => {
  // The logger may not exist yet (bad configuration): one JSON line on stderr, like pino's.
  process.stderr.write(
    `${JSON.stringify({ level: 60, msg: 'startup failed', err: String(error) })}\n`,
  );
  process.exit(1);
});
