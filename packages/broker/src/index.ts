export {
  type BusLogger,
  type ChannelHistory,
  type ChannelPosition,
  type EventBus,
  type EventHistory,
  type EventPublisher,
  type EventSubscriber,
  type HistoryOptions,
  type MessageHandler,
  PublishError,
  type RevocationRegister,
  type Sequenced,
} from './event-bus';
export { ExpiringMaxMap } from './expiring-max-map';
export { REDIS_REVOCATION_PREFIX } from './revocation-register';
export { InProcessEventBus, InProcessHub, type InProcessHubOptions } from './in-process-event-bus';
export { RedisEventBus, type RedisEventBusOptions } from './redis-event-bus';
export { redisHistoryKeys } from './redis-history';
export { DEFAULT_HISTORY } from './sequencing';
export { createEventBus, type CreateEventBusOptions } from './create-event-bus';
