export {
  type BusLogger,
  type EventBus,
  type EventPublisher,
  type EventSubscriber,
  type MessageHandler,
  PublishError,
} from './event-bus';
export { InProcessEventBus, InProcessHub } from './in-process-event-bus';
export { RedisEventBus, type RedisEventBusOptions } from './redis-event-bus';
export { createEventBus, type CreateEventBusOptions } from './create-event-bus';
