/**
 * What to do with one frame for a socket that has `pending` bytes not yet written: send it; drop
 * it (an ephemeral event past half the limit: typing indicators are worthless late); or close the
 * socket with 1013 (past the limit). Nothing durable is lost by the close: the client reconnects
 * and joins with `last_seq`, and the gateway replays from the history what it missed.
 */
export type Pressure = 'send' | 'ephemeral_backpressure' | 'slow_consumer';

export function pressureFor(
  pending: number,
  ephemeral: boolean,
  maxBufferedBytes: number,
): Pressure {
  if (pending > maxBufferedBytes) return 'slow_consumer';
  if (ephemeral && pending > maxBufferedBytes / 2) return 'ephemeral_backpressure';
  return 'send';
}
