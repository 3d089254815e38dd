import type { Message } from '@communities/contracts';
import { wireCounts } from './support/wire-counts';
import { WireTap } from './support/wire-tap';

/**
 * The raw-socket counts the fault suites assert on, fed scripted sockets: a gateway that loses
 * events on a resume must show here even when the client, by rejoining or refetching, still
 * delivers everything once.
 */
const THREAD = 't1';
const CHANNEL = `thread:${THREAD}`;
const EPOCH = 'e1';

const message = (n: number) => ({ id: `m${n}`, seq: n }) as Message;
const newMessage = (seq: number, n = seq, epoch = EPOCH) =>
  JSON.stringify({
    type: 'new_message',
    channel: CHANNEL,
    seq,
    epoch,
    data: { message: message(n) },
  });
const join = (lastSeq?: number) =>
  JSON.stringify({
    action: 'join_thread',
    thread_id: THREAD,
    grant: 'g',
    ref: 'j',
    ...(lastSeq !== undefined && { last_seq: lastSeq, epoch: EPOCH }),
  });
const ack = (seq: number) =>
  JSON.stringify({
    type: 'ack',
    action: 'join_thread',
    channel: CHANNEL,
    seq,
    epoch: EPOCH,
    ref: 'j',
  });

/** A tap with one socket per list: `>` frames the client sent, the others the gateway's. */
function tapOf(...sockets: string[][]): WireTap {
  const tap = new WireTap();
  sockets.forEach((frames, gateway) => {
    const record = tap.opened(gateway);
    for (const frame of frames) {
      if (frame.startsWith('>')) record('sent', frame.slice(1));
      else record('received', frame);
    }
  });
  return tap;
}

const sent = [1, 2, 3, 4].map(message);

describe('wire counts of a thread', () => {
  it('finds nothing wrong in a resume that replays every event after last_seq', () => {
    const tap = tapOf(
      ['>' + join(), ack(0), newMessage(1), newMessage(2)],
      ['>' + join(2), newMessage(3), ack(3), newMessage(4)],
    );
    expect(wireCounts(tap, THREAD, sent)).toEqual({
      newMessages: 4,
      notOnWire: 0,
      restFetched: 0,
      unaccounted: 0,
      duplicatesInJoin: 0,
      duplicatesAcrossJoins: 0,
      gaps: 0,
      skippedSeqs: 0,
      backwards: 0,
      resyncRequired: 0,
      epochChanges: 0,
      joins: 2,
    });
  });

  it('counts a resume that skips an event as a gap, and the rejoin that fills it as a replay', () => {
    // The client rejoins on the same socket from seq 2 and gets 3 and 4 again.
    const tap = tapOf(
      ['>' + join(), ack(0), newMessage(1), newMessage(2)],
      ['>' + join(2), newMessage(4), '>' + join(2), newMessage(3), newMessage(4)],
    );
    expect(wireCounts(tap, THREAD, sent)).toMatchObject({
      gaps: 1,
      skippedSeqs: 1,
      duplicatesInJoin: 0,
      duplicatesAcrossJoins: 1,
      joins: 3,
      notOnWire: 0,
    });
  });

  it('counts a message twice in one join, and a seq that goes back', () => {
    const tap = tapOf(['>' + join(), ack(0), newMessage(1), newMessage(2), newMessage(2)]);
    expect(wireCounts(tap, THREAD, sent)).toMatchObject({ duplicatesInJoin: 1, backwards: 1 });
  });

  it('takes a resync_required as the new position, and a new epoch as starting from 1', () => {
    const resync = JSON.stringify({
      type: 'resync_required',
      channel: CHANNEL,
      epoch: EPOCH,
      seq: 9,
      reason: 'history_truncated',
    });
    const tap = tapOf(
      ['>' + join(1), resync, newMessage(10, 2)],
      ['>' + join(), ack(0), newMessage(2, 3, 'e2'), newMessage(3, 4, 'e3')],
    );
    expect(wireCounts(tap, THREAD, sent)).toMatchObject({
      resyncRequired: 1,
      epochChanges: 2,
      gaps: 2,
      skippedSeqs: 3,
      notOnWire: 1,
    });
  });

  it('accounts a message missing from the sockets to the REST pages that brought it', () => {
    const tap = tapOf(['>' + join(), ack(0), newMessage(1), newMessage(2), newMessage(4, 4)]);
    expect(wireCounts(tap, THREAD, sent)).toMatchObject({ notOnWire: 1, unaccounted: 1 });
    tap.restMessages.push(message(3));
    expect(wireCounts(tap, THREAD, sent)).toMatchObject({
      notOnWire: 1,
      restFetched: 1,
      unaccounted: 0,
    });
  });
});
