import { Redis, type RedisOptions } from 'ioredis';
import { type BusLogger } from './event-bus';

export interface RedisConnectionOptions {
  url: string;
  logger: BusLogger;
  /** Reply deadline for every command on this connection; bounds `publish` when Redis stalls. */
  commandTimeoutMs: number;
  /** Cap of the exponential reconnect backoff. */
  maxReconnectDelayMs: number;
  connectionName: string;
  /** Stops reconnect attempts once the owner is closing. */
  isClosing: () => boolean;
}

/** 100 ms, 200 ms, 400 ms, ... capped, plus up to 100 ms of jitter so replicas do not stampede. */
export function reconnectDelay(attempt: number, maxDelayMs: number): number {
  const base = Math.min(100 * 2 ** Math.max(0, attempt - 1), maxDelayMs);
  return base + Math.floor(Math.random() * 100);
}

/**
 * One ioredis connection configured to fail fast instead of queueing: no offline queue, no retry
 * of in-flight commands after a reconnect (a re-sent PUBLISH would duplicate an event the caller
 * was already told had failed), and no automatic re-subscribe (the bus re-subscribes its own
 * desired channel set, so the set it holds is the only source of truth).
 */
export function openRedisConnection(options: RedisConnectionOptions): Redis {
  const { logger, connectionName } = options;
  const redisOptions: RedisOptions = {
    connectionName,
    enableOfflineQueue: false,
    autoResubscribe: false,
    autoResendUnfulfilledCommands: false,
    maxRetriesPerRequest: 0,
    commandTimeout: options.commandTimeoutMs,
    connectTimeout: Math.max(options.commandTimeoutMs, 1000),
    // Closing a connection whose server is gone: destroy the socket soon, not after 2 s.
    disconnectTimeout: 500,
    retryStrategy: (attempt) =>
      options.isClosing() ? null : reconnectDelay(attempt, options.maxReconnectDelayMs),
  };
  const connection = new Redis(options.url, redisOptions);
  const log = { connection: connectionName };
  // ioredis emits `error` on every failed reconnect attempt; the first one after a healthy period
  // is worth a warning, the repeats only a debug line.
  let healthy = true;
  connection.on('ready', () => {
    healthy = true;
    logger.info(log, 'redis connection ready');
  });
  connection.on('error', (error: Error) => {
    if (healthy) logger.warn({ ...log, err: error }, 'redis connection error');
    else logger.debug({ ...log, err: error }, 'redis connection error');
    healthy = false;
  });
  connection.on('reconnecting', (delayMs: number) => {
    logger.debug({ ...log, delayMs }, 'redis reconnecting');
  });
  return connection;
}

/** QUIT when the connection is healthy, otherwise just drop it; never waits on a dead server. */
export async function closeRedisConnection(connection: Redis): Promise<void> {
  if (connection.status === 'ready') {
    try {
      await connection.quit();
      return;
    } catch {
      // fall through: the server went away while quitting
    }
  }
  connection.disconnect(false);
}
