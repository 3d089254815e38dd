import type { DomainEvent } from '@communities/contracts';

/**
 * What services see of the broker: publish after a successful write, fire-and-forget. It never
 * throws and never delays the response; delivery failures are the implementation's to log and
 * count (a broker outage must not fail or undo a write that already happened).
 */
export interface EventPublisher {
  publish(event: DomainEvent): void;
}

/** Keeps what was published, in order (tests; and a place to look when wiring is in doubt). */
export class RecordingPublisher implements EventPublisher {
  readonly events: DomainEvent[] = [];
  publish(event: DomainEvent): void {
    this.events.push(event);
  }
}
