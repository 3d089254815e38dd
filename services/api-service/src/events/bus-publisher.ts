import type { EventPublisher as BrokerPublisher } from '@communities/broker';
import type { DomainEvent } from '@communities/contracts';
import type { Logger } from 'pino';
import type { ApiMetrics } from '../http/metrics';
import type { EventPublisher } from './event-publisher';

/**
 * Hands each event to the broker without making the request wait for it. A broker that is down
 * or slow never fails the write that already succeeded: the failure is logged and counted in
 * `events_publish_failed_total`. (Delivery across such an outage is the outbox's job, not this.)
 */
export class BusPublisher implements EventPublisher {
  constructor(
    private readonly broker: BrokerPublisher,
    private readonly logger: Logger,
    private readonly metrics: ApiMetrics,
  ) {}

  publish(event: DomainEvent): void {
    this.broker.publish(event).then(
      () => this.metrics.eventsPublished.inc({ type: event.type }),
      (error: unknown) => {
        this.metrics.eventsPublishFailed.inc({ type: event.type });
        this.logger.warn(
          { err: error, event_id: event.id, type: event.type, channel: event.channel },
          'event not published',
        );
      },
    );
  }
}
