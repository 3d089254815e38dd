import { randomBytes } from 'node:crypto';
import { type DomainEvent, createEvent } from '@communities/contracts';

export const newId = (): string => randomBytes(12).toString('hex');

/** A small valid durable event on `thread:{threadId}`; `n` makes each one recognisable. */
export function threadEvent(threadId: string, n = 0): DomainEvent {
  return createEvent('message_deleted', { thread_id: threadId, message_id: newId() }, new Date(n));
}

/** An ephemeral event on `thread:{threadId}`. */
export function typingEvent(threadId: string): DomainEvent {
  return createEvent('typing', { thread_id: threadId, user_id: newId() });
}

/** Collects payloads per channel, in arrival order. */
export function recorder(): {
  received: Map<string, DomainEvent[]>;
  handler: (p: string, c: string) => void;
} {
  const received = new Map<string, DomainEvent[]>();
  const handler = (payload: string, channel: string): void => {
    const list = received.get(channel) ?? [];
    list.push(JSON.parse(payload) as DomainEvent);
    received.set(channel, list);
  };
  return { received, handler };
}
