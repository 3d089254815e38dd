import { createEvent, type DomainEvent, type Message } from '@communities/contracts';
import { redactReplay } from './replay-redaction';

const THREAD = 'aaaaaaaaaaaaaaaaaaaaaaaa';
let next = 0;
const id = (): string => (next += 1).toString(16).padStart(24, '0');

function message(content: string): Message {
  return {
    id: id(),
    thread_id: THREAD,
    community_id: id(),
    content,
    author: id(),
    created_at: '2030-01-01T00:00:00.000Z',
    edited_at: null,
    is_edited: false,
    reply_to: null,
    attachments: [],
    seq: 1,
    client_msg_id: null,
  };
}
const sequenced = (events: DomainEvent[]): DomainEvent[] =>
  events.map((event, i) => ({ ...event, seq: i + 1, epoch: 'e' }));
const posted = (m: Message) => createEvent('new_message', { message: m });
const edited = (m: Message, content: string) =>
  createEvent('message_updated', { message: { ...m, content, is_edited: true } });
const deleted = (m: Message) =>
  createEvent('message_deleted', { message_id: m.id, thread_id: THREAD });

describe('redactReplay', () => {
  it('leaves a replay without later edits or deletes as it is, the same objects', () => {
    const events = sequenced([posted(message('a')), posted(message('b'))]);
    const redacted = redactReplay(events);
    expect(redacted).toHaveLength(2);
    redacted.forEach((event, i) => expect(event).toBe(events[i]));
  });

  it('turns every event of a message deleted later into its deletion, at the same seq and id', () => {
    const m = message('secret');
    const events = sequenced([posted(m), edited(m, 'still secret'), deleted(m)]);
    const redacted = redactReplay(events);
    expect(redacted.map((event) => [event.seq, event.type, event.id])).toEqual([
      [1, 'message_deleted', events[0]!.id],
      [2, 'message_deleted', events[1]!.id],
      [3, 'message_deleted', events[2]!.id],
    ]);
    expect(JSON.stringify(redacted)).not.toContain('secret');
  });

  it('gives every earlier event of an edited message the last content', () => {
    const m = message('first');
    const events = sequenced([
      posted(m),
      edited(m, 'second'),
      posted(message('x')),
      edited(m, 'third'),
    ]);
    const redacted = redactReplay(events);
    const contents = redacted.map((event) =>
      event.type === 'new_message' || event.type === 'message_updated'
        ? event.data.message.content
        : undefined,
    );
    expect(contents).toEqual(['third', 'third', 'x', 'third']);
    expect(redacted[3]).toBe(events[3]);
    expect(redacted.map((event) => event.seq)).toEqual([1, 2, 3, 4]);
  });
});
