import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:http';
import { ephemeralSigningKeys, TokenService } from '@communities/auth';
import { createEventBus, type EventBus } from '@communities/broker';
import { Redis } from 'ioredis';
import type { Express, Router } from 'express';
import type { Registry } from 'prom-client';
import type { Logger } from 'pino';
import { createApp } from './app';
import { PasswordHasher } from './auth/password-hasher';
import { mongoDbName, type ApiConfig } from './config';
import { OutboxPublisher, type OutboxSettings } from './events/outbox-publisher';
import { ApiMetrics } from './http/metrics';
import { createRateLimiter, rateLimitSettings } from './http/rate-limit';
import { openDocumentDb, type DocumentDb } from './store';
import { createRepositories, ensureIndexes } from './store/repositories';

export interface ApiService {
  app: Express;
  server: Server;
  db: DocumentDb;
  bus: EventBus;
  /** Publishes the domain events; its outbox relay runs between `start` and `stop`. */
  events: OutboxPublisher;
  /** Starts the outbox relay, then listens on HOST:PORT (PORT 0 picks a free port); resolves with the bound port. */
  start(): Promise<number>;
  /**
   * Stops accepting, lets in-flight requests finish (bounded), stops the outbox relay, then
   * closes broker and store.
   */
  stop(): Promise<void>;
}

export interface ApiServiceOptions {
  /** An already-open engine or bus (the standalone entry shares its own); else from config. */
  db?: DocumentDb;
  bus?: EventBus;
  /** Further readiness (the standalone adds its drain); false means not ready. */
  ready?: () => boolean;
  extraRouter?: Router;
  /** Further registries served on `/metrics`. */
  metricsRegistries?: Registry[];
  /** The token signer; the standalone shares one with its gateway. Else built from config. */
  tokens?: TokenService;
  /** Outbox relay timing (tests shorten it). */
  outbox?: Partial<OutboxSettings>;
}

/**
 * The api-service's token signer. Without AUTH_JWT_KEYS (allowed outside production) the key is
 * random per process: tokens end with the process, and a separate gateway cannot verify them.
 */
export function tokenServiceFor(config: ApiConfig, logger: Logger): TokenService {
  if (!config.AUTH_JWT_KEYS) {
    logger.warn('AUTH_JWT_KEYS is not set: signing with a random per-process key');
  }
  return new TokenService({
    keys: config.AUTH_JWT_KEYS ?? ephemeralSigningKeys(),
    issuer: config.AUTH_JWT_ISSUER,
    accessTtlSeconds: config.AUTH_ACCESS_TTL_SECONDS,
    grantTtlSeconds: config.AUTH_GRANT_TTL_SECONDS,
  });
}

/**
 * Wires config → store → broker → app. The store is chosen by MONGO_URL (else embedded), the
 * broker by REDIS_URL (else in-process); the startup log says which.
 */
export async function createApiService(
  config: ApiConfig,
  logger: Logger,
  options: ApiServiceOptions = {},
): Promise<ApiService> {
  const db =
    options.db ??
    (await openDocumentDb(
      config.MONGO_URL
        ? { kind: 'mongodb', url: config.MONGO_URL, dbName: mongoDbName(config) }
        : { kind: 'embedded', dataDir: config.EMBEDDED_IN_MEMORY ? undefined : config.DATA_DIR },
      logger.child({ module: 'store' }),
    ));
  const repos = createRepositories(db);
  await ensureIndexes(repos);
  const bus =
    options.bus ??
    createEventBus({
      redisUrl: config.REDIS_URL,
      logger: logger.child({ module: 'broker' }),
      connectionName: 'api-service',
    });
  logger.info(
    { store: db.kind, broker: config.REDIS_URL ? 'redis' : 'in-process' },
    'backends selected',
  );

  // Rate-limit counters: shared through Redis when there is one (every replica sees the same
  // counts). No offline queue, no retries, a timeout: during an outage or a stall a check fails
  // fast to the in-process fallback.
  const limiterRedis = config.REDIS_URL
    ? new Redis(config.REDIS_URL, {
        enableOfflineQueue: false,
        // A stalled Redis must not hold requests: fail the command and use the fallback.
        maxRetriesPerRequest: 0,
        commandTimeout: 500,
        connectionName: 'api-rate-limit',
      })
    : undefined;
  limiterRedis?.on('error', (error) =>
    logger.debug({ err: error }, 'rate-limit redis connection error'),
  );
  const limiter = createRateLimiter(rateLimitSettings(config), { redis: limiterRedis, logger });

  const metrics = new ApiMetrics({ brokerReady: () => bus.ready() });
  const events = new OutboxPublisher(
    bus,
    repos.outbox,
    db,
    logger.child({ module: 'events' }),
    metrics,
    options.outbox,
  );
  const app = createApp({
    logger,
    repos,
    auth: {
      tokens: options.tokens ?? tokenServiceFor(config, logger),
      hasher: new PasswordHasher(config.AUTH_PASSWORD_HASH_COST),
      refreshTtlSeconds: config.AUTH_REFRESH_TTL_SECONDS,
    },
    limiter,
    corsOrigins: config.CORS_ORIGINS,
    events,
    metrics,
    // Ready while writes can be stored: the broker is left out on purpose. During a broker outage
    // writes still succeed and their events wait in the outbox; failing readiness then would take
    // every replica out of the Service at once, turning a broker blip into a REST outage. The
    // broker's state is the `broker_connected` gauge (and the gateways' readiness).
    ready: async () => {
      await db.ping();
      if (options.ready && !options.ready()) throw new Error('not ready');
    },
    extraRouter: options.extraRouter,
    metricsRegistries: options.metricsRegistries,
    bodyLimitBytes: config.BODY_LIMIT_BYTES,
    trustProxy: config.TRUST_PROXY,
  });
  const server = createServer(app);

  return {
    app,
    server,
    db,
    bus,
    events,
    start: async () => {
      await events.start();
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(config.PORT, config.HOST, () => {
          const { port } = server.address() as AddressInfo;
          logger.info({ port, host: config.HOST }, 'api-service listening');
          resolve(port);
        });
      });
    },
    stop: async () => {
      await closeServer(server, config.SHUTDOWN_GRACE_MS);
      // After the last request, before the bus and the store close: it needs both.
      await events.stop();
      await limiter.close();
      limiterRedis?.disconnect();
      if (!options.bus) await bus.close();
      if (!options.db) await db.close();
      logger.info('api-service stopped');
    },
  };
}

/** Stops accepting connections, then force-closes whatever is still open after `graceMs`. */
export async function closeServer(server: Server, graceMs: number): Promise<void> {
  if (!server.listening) return;
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  const timer = setTimeout(() => server.closeAllConnections(), graceMs);
  timer.unref();
  await closed;
  clearTimeout(timer);
}
