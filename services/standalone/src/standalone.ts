import {
  createApiService,
  createLogger,
  loadApiConfig,
  tokenServiceFor,
  type ApiService,
} from '@communities/api-service';
import { createEventBus, type EventBus } from '@communities/broker';
import {
  createGateway,
  loadConfig as loadGatewayConfig,
  type Gateway,
} from '@communities/realtime-gateway';
import { Router } from 'express';
import type { Logger } from 'pino';
import { builtWebApp, webAppRoutes } from './web-app';

export interface Standalone {
  api: ApiService;
  gateway: Gateway;
  bus: EventBus;
  logger: Logger;
  /** Listens on PORT (5001 by default; 0 picks a free port); resolves with the bound port. */
  start(): Promise<number>;
  /** Closes sockets (1001), then stops HTTP and the store, then the broker. */
  stop(): Promise<void>;
}

/**
 * The api-service and the realtime-gateway in one process on one port, composed through their
 * public factories: `/api`, `/docs`, `/redoc`, `/openapi.json`, `/asyncapi.json`, `/metrics`,
 * probes and `ws://…/ws/{user_id}`, and the web app at `/` once built (services/web). The store
 * follows MONGO_URL (else embedded, in DATA_DIR) and the broker REDIS_URL (else in-process), so
 * with both set this is a single-node production deployment, and with neither it needs nothing
 * installed.
 */
export async function createStandalone(
  env: Record<string, string | undefined> = process.env,
): Promise<Standalone> {
  // One process: without AUTH_JWT_KEYS a random key serves (sessions end at restart).
  const apiConfig = loadApiConfig(env, { sharedKeysInProduction: false });
  // One port for both; the gateway reads its own settings (WS_*) from the same environment.
  const gatewayConfig = loadGatewayConfig({ ...env, PORT: String(apiConfig.PORT) });
  const logger = createLogger(apiConfig.LOG_LEVEL, 'standalone');
  const bus = createEventBus({
    redisUrl: apiConfig.REDIS_URL,
    logger: logger.child({ module: 'broker' }),
    connectionName: 'standalone',
    publishTimeoutMs: gatewayConfig.publishTimeoutMs,
  });

  // The gateway mounts on the api's HTTP server, so it is made after the api; these two hooks
  // reach it through `late` once it exists.
  const late: { gateway?: Gateway } = {};
  const extraRoutes = Router();
  extraRoutes.get('/asyncapi.json', (req, res, next) => {
    if (!late.gateway?.handleHttp(req, res)) next();
  });
  const webApp = webAppRoutes(logger, builtWebApp());
  if (webApp) extraRoutes.use(webApp);

  // One signer and verifier for both halves: with no AUTH_JWT_KEYS the per-process random key
  // is then the same key on both sides.
  const tokens = tokenServiceFor(apiConfig, logger);

  // Read by `/metrics` at scrape time; the gateway's registry is appended once it exists.
  const metricsRegistries: Gateway['metricsRegistry'][] = [];

  // Readiness of the process serving both halves: ready while its store answers (the api's own
  // check) and it is not stopping. Not the gateway's `ready()`: that one also fails while the
  // broker is unreachable, and readiness fails for the whole process, REST included, which keeps
  // taking writes then (their events wait in the outbox; sockets resume once the broker is back).
  // A broker outage shows on `broker_connected`; the drain still fails readiness at once.
  let stopping = false;
  const api = await createApiService(apiConfig, logger, {
    bus,
    ready: () => !stopping,
    extraRouter: extraRoutes,
    metricsRegistries,
    tokens,
  });
  const ws = createGateway({
    config: gatewayConfig,
    logger,
    bus,
    server: api.server,
    ownsBus: false,
    tokens,
  });
  late.gateway = ws;
  metricsRegistries.push(ws.metricsRegistry);

  return {
    api,
    gateway: ws,
    bus,
    logger,
    async start() {
      const port = await api.start();
      await ws.start();
      logger.info(
        { port, store: api.db.kind, broker: apiConfig.REDIS_URL ? 'redis' : 'in-process' },
        'standalone ready: REST, docs and WebSocket on one port',
      );
      return port;
    },
    async stop() {
      stopping = true;
      await ws.stop();
      await api.stop();
      await bus.close();
    },
  };
}
