import { DomainEvent } from '@communities/contracts';

/**
 * The one payload every server under test carries: a real `message_deleted` domain event (what our
 * gateway validates and forwards), ~190 bytes of JSON. Its `id` carries the publish sequence number
 * (`b` + 10 digits), which is how a receipt is matched to its publish time.
 */
export const ID_MARKER = Buffer.from('"id":"b');
const SEQ_DIGITS = 10;

/** Room `r` is thread `b0b0…{r in hex}`; its channel is `thread:{id}` on every server. */
export function roomThreadId(room: number): string {
  return `b0b0b0b0b0b0b0b0${room.toString(16).padStart(8, '0')}`;
}

export function roomChannel(room: number): string {
  return `thread:${roomThreadId(room)}`;
}

const MESSAGE_ID = '0123456789abcdef01234567';

export interface BenchEvent {
  id: string;
  type: 'message_deleted';
  channel: `thread:${string}`;
  occurred_at: string;
  data: { thread_id: string; message_id: string };
}

export function benchEvent(seq: number, room: number, now = new Date()): BenchEvent {
  const threadId = roomThreadId(room);
  return {
    id: `b${String(seq).padStart(SEQ_DIGITS, '0')}`,
    type: 'message_deleted',
    channel: `thread:${threadId}`,
    occurred_at: now.toISOString(),
    data: { thread_id: threadId, message_id: MESSAGE_ID },
  };
}

/** Checks once, against the contract, that the gateway will forward the payload. */
export function assertValidPayload(): number {
  const event = benchEvent(1, 1);
  const parsed = DomainEvent.safeParse(event);
  if (!parsed.success)
    throw new Error(`bench payload is not a DomainEvent: ${parsed.error.message}`);
  return Buffer.byteLength(JSON.stringify(event));
}

/**
 * The sequence number of the event in `buf[start, end)`, or -1. No decoding, no JSON.parse: the
 * load generator reads 10 ASCII digits after the marker.
 */
export function readSeq(buf: Buffer, start: number, end: number): number {
  const at = buf.indexOf(ID_MARKER, start);
  if (at < 0 || at + ID_MARKER.length + SEQ_DIGITS > end) return -1;
  let seq = 0;
  const from = at + ID_MARKER.length;
  for (let i = from; i < from + SEQ_DIGITS; i += 1) seq = seq * 10 + (buf[i]! - 48);
  return seq;
}
