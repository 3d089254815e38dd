import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import {
  ACCESS_CHANNEL,
  Channel,
  GLOBAL_CHANNEL,
  communityChannel,
  threadChannel,
} from '../channels';
import { IsoDateTime } from '../ids';
import { EVENT_DATA, type EventData, type EventType } from './payloads';

/**
 * Position of a durable event in its channel's history, assigned by the broker when it is
 * published: `seq` grows by exactly one per durable event on the channel (no gaps), and `epoch`
 * names the history it belongs to (a new epoch means the history was reset and older seqs are
 * gone). Ephemeral events (typing) have neither.
 */
export const Seq = z.number().int().positive();
export const Epoch = z.string().min(1).max(64);

function envelope<T extends EventType>(type: T) {
  return z.strictObject({
    id: z.string().min(1).describe('unique per event; consumers may dedupe on it'),
    type: z.literal(type),
    channel: Channel,
    occurred_at: IsoDateTime,
    data: EVENT_DATA[type],
    seq: Seq.optional().describe("position in the channel's history (durable events)"),
    epoch: Epoch.optional().describe("the channel history's epoch (durable events)"),
  });
}

/**
 * The domain-event catalogue: a discriminated union on `type`. Consumers switch on `type` and end
 * with `assertNever`, so an event nobody handles fails to compile.
 */
export const DomainEvent = z.discriminatedUnion('type', [
  envelope('member_joined'),
  envelope('member_left'),
  envelope('new_thread'),
  envelope('thread_updated'),
  envelope('thread_deleted'),
  envelope('new_message'),
  envelope('message_updated'),
  envelope('message_deleted'),
  envelope('typing'),
  envelope('stop_typing'),
  envelope('community_created'),
  envelope('community_updated'),
  envelope('community_deleted'),
  envelope('access_revoked'),
]);
export type DomainEvent = z.infer<typeof DomainEvent>;
export type DomainEventOf<T extends EventType> = Extract<DomainEvent, { type: T }>;

type TypeAndData = DomainEvent extends infer E
  ? E extends DomainEvent
    ? Pick<E, 'type' | 'data'>
    : never
  : never;

/** Events that are never stored: the gateway publishes them itself and drops them first under load. */
export const EPHEMERAL_EVENT_TYPES: ReadonlySet<EventType> = new Set(['typing', 'stop_typing']);

/** Which channel each event type travels on, derived from its data. */
export function channelFor<T extends EventType>(type: T, data: EventData<T>): Channel {
  const event = { type, data } as TypeAndData;
  switch (event.type) {
    case 'member_joined':
    case 'member_left':
    case 'thread_deleted':
      return communityChannel(event.data.community_id);
    case 'new_thread':
    case 'thread_updated':
      return communityChannel(event.data.thread.community_id);
    case 'community_updated':
      return communityChannel(event.data.community.id);
    case 'new_message':
    case 'message_updated':
      return threadChannel(event.data.message.thread_id);
    case 'message_deleted':
    case 'typing':
    case 'stop_typing':
      return threadChannel(event.data.thread_id);
    case 'community_created':
    case 'community_deleted':
      return GLOBAL_CHANNEL;
    case 'access_revoked':
      return ACCESS_CHANNEL;
    default:
      return assertNever(event);
  }
}

/** Builds a complete envelope: a fresh id, the type's channel, and the current time. */
export function createEvent<T extends EventType>(
  type: T,
  data: EventData<T>,
  now: Date = new Date(),
): DomainEventOf<T> {
  return {
    id: randomUUID(),
    type,
    channel: channelFor(type, data),
    occurred_at: now.toISOString(),
    data,
  } as DomainEventOf<T>;
}

export function assertNever(value: never): never {
  throw new Error(`unhandled variant: ${JSON.stringify(value)}`);
}
