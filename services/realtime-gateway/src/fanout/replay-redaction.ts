import { type DomainEvent, type Message } from '@communities/contracts';

/**
 * A replay hands out nothing that REST no longer shows. The history is the raw event log, so a
 * message edited or deleted since it was posted is still there as it was; replayed as it stands:
 *
 * - every `new_message` / `message_updated` of a message deleted later in the replay becomes that
 *   message's deletion (a `message_deleted` without content, at the same seq: the client sees no
 *   gap, and a deletion of a message it never had is harmless);
 * - every `new_message` / `message_updated` of a message edited later carries the last content.
 *
 * Returns the events in the same order and seqs; the ones it changed are new objects, the rest are
 * the input objects themselves (whose payloads the caller may forward as they are). A deletion or
 * edit before the replay's start is no concern: the message's own `new_message` is older still.
 */
export function redactReplay(events: readonly DomainEvent[]): DomainEvent[] {
  const deleted = new Map<string, { message_id: string; thread_id: string }>();
  const latest = new Map<string, Message>();
  for (const event of events) {
    if (event.type === 'message_deleted') deleted.set(event.data.message_id, event.data);
    else if (event.type === 'new_message' || event.type === 'message_updated') {
      latest.set(event.data.message.id, event.data.message);
    }
  }
  return events.map((event) => {
    if (event.type !== 'new_message' && event.type !== 'message_updated') return event;
    const id = event.data.message.id;
    const deletion = deleted.get(id);
    if (deletion) return { ...event, type: 'message_deleted', data: deletion };
    const current = latest.get(id);
    if (current === undefined || current === event.data.message) return event;
    return { ...event, data: { message: current } };
  });
}
