import { type BusLogger, type EventBus, type HistoryOptions } from './event-bus';
import { InProcessEventBus, InProcessHub } from './in-process-event-bus';
import { RedisEventBus } from './redis-event-bus';

export interface CreateEventBusOptions {
  /** Unset or empty: the embedded in-process bus (single process, no Redis needed). */
  redisUrl?: string | undefined;
  logger: BusLogger;
  publishTimeoutMs?: number;
  connectionName?: string;
  /** Bounds of each channel's history, on either bus. Default 1000 events, 86400 s. */
  history?: Partial<HistoryOptions>;
}

/** The one place that chooses the broker from configuration. */
export function createEventBus(options: CreateEventBusOptions): EventBus {
  if (!options.redisUrl) {
    return new InProcessEventBus(options.logger, new InProcessHub({ history: options.history }));
  }
  return new RedisEventBus({
    url: options.redisUrl,
    logger: options.logger,
    ...(options.publishTimeoutMs !== undefined && { publishTimeoutMs: options.publishTimeoutMs }),
    ...(options.connectionName !== undefined && { connectionName: options.connectionName }),
    ...(options.history !== undefined && { history: options.history }),
  });
}
