import { type LocalConnection } from '../connections/local-connection';
import { CatchUpTracker, type SequencedFrame } from './catch-up';

const CHANNEL = 'thread:0123456789abcdef01234567';

interface FakeConnection extends LocalConnection {
  frames: string[];
  closedWith?: number;
  bufferedAmount: number;
}

function fake(id = 'a'): FakeConnection {
  const connection: FakeConnection = {
    id,
    userId: `user-${id}`,
    isOpen: true,
    bufferedAmount: 0,
    frames: [],
    send: (frame) => connection.frames.push(frame.toString()),
    close: (code) => {
      connection.closedWith = code;
    },
  };
  return connection;
}

const durable = (seq: number, epoch = 'e1'): SequencedFrame => ({
  frame: `event-${seq}@${epoch}`,
  seq,
  epoch,
  ephemeral: false,
});
const typing = (name: string): SequencedFrame => ({
  frame: `typing-${name}`,
  seq: undefined,
  epoch: undefined,
  ephemeral: true,
});

describe('CatchUp', () => {
  it('holds live events until released, then writes the replay and the newer held ones in order', () => {
    const tracker = new CatchUpTracker(10_000);
    const socket = fake();
    const catchUp = tracker.begin(socket, CHANNEL);
    // Live events 4..6 arrive while the history (3..5 after last_seq 2) is read.
    for (const seq of [4, 5, 6]) expect(catchUp.admit(durable(seq))).toBe('held');
    expect(catchUp.admit(typing('t1'))).toBe('held');
    expect(socket.frames).toEqual([]);

    const released = catchUp.release(
      { seq: 2, epoch: 'e1' },
      [3, 4, 5].map((s) => durable(s)),
    );
    expect(socket.frames).toEqual([
      'event-3@e1',
      'event-4@e1',
      'event-5@e1',
      'event-6@e1',
      'typing-t1',
    ]);
    expect(released).toEqual({
      position: { seq: 6, epoch: 'e1' },
      replayed: 3,
      duplicates: 2,
      closed: false,
    });
  });

  it('drops live duplicates after the release until the first newer event, then leaves the tracker', () => {
    const tracker = new CatchUpTracker(10_000);
    const catchUp = tracker.begin(fake(), CHANNEL);
    catchUp.release({ seq: 2, epoch: 'e1' }, [durable(3), durable(4)]);
    expect(tracker.of(CHANNEL)?.size).toBe(1);

    // Published before the history read, delivered live after it.
    expect(catchUp.admit(durable(3))).toBe('duplicate');
    expect(catchUp.admit(typing('t'))).toBe('deliver');
    expect(catchUp.admit(durable(4))).toBe('duplicate');
    expect(tracker.of(CHANNEL)).toBeDefined();
    expect(catchUp.admit(durable(5))).toBe('deliver');
    expect(tracker.of(CHANNEL)).toBeUndefined();
    expect(tracker.size).toBe(0);
  });

  it('never drops an event of another epoch as a duplicate', () => {
    const tracker = new CatchUpTracker(10_000);
    const socket = fake();
    const catchUp = tracker.begin(socket, CHANNEL);
    expect(catchUp.admit(durable(1, 'e2'))).toBe('held');
    const released = catchUp.release({ seq: 7, epoch: 'e1' }, []);
    expect(socket.frames).toEqual(['event-1@e2']);
    expect(released.position).toEqual({ seq: 1, epoch: 'e2' });
    expect(catchUp.admit(durable(1, 'e3'))).toBe('deliver');
  });

  it('leaves the tracker at the release when nothing older can still arrive live', () => {
    const tracker = new CatchUpTracker(10_000);
    // Position 0: no event has a seq ≤ 0.
    tracker.begin(fake('empty'), CHANNEL).release({ seq: 0, epoch: null }, []);
    expect(tracker.size).toBe(0);
    // A held live event newer than the replay: pub/sub delivers nothing older after it.
    const socket = fake('caught-up');
    const catchUp = tracker.begin(socket, CHANNEL);
    catchUp.admit(durable(4));
    catchUp.release({ seq: 2, epoch: 'e1' }, [durable(3)]);
    expect(socket.frames).toEqual(['event-3@e1', 'event-4@e1']);
    expect(tracker.size).toBe(0);
  });

  it('ends when the socket leaves the channel: nothing is written by a later release', () => {
    const tracker = new CatchUpTracker(10_000);
    const socket = fake();
    const catchUp = tracker.begin(socket, CHANNEL);
    catchUp.admit(durable(1));
    tracker.left(socket, CHANNEL);
    expect(tracker.size).toBe(0);
    expect(catchUp.release({ seq: 0, epoch: null }, [durable(1)]).replayed).toBe(0);
    expect(socket.frames).toEqual([]);
  });

  it('counts held bytes against the limit: typing is dropped past half, the socket closed with 1013 past all', () => {
    const tracker = new CatchUpTracker(100);
    const socket = fake();
    const catchUp = tracker.begin(socket, CHANNEL);
    const big = (seq: number): SequencedFrame => ({ ...durable(seq), frame: 'x'.repeat(40) });
    expect(catchUp.admit(big(1))).toBe('held');
    expect(catchUp.admit(typing('early'))).toBe('held');
    expect(catchUp.admit(big(2))).toBe('held');
    expect(catchUp.admit(typing('late'))).toBe('ephemeral_backpressure');
    expect(catchUp.admit(big(3))).toBe('held');
    expect(socket.closedWith).toBeUndefined();
    expect(catchUp.admit(big(4))).toBe('slow_consumer');
    expect(socket.closedWith).toBe(1013);
    expect(tracker.size).toBe(0);
  });

  it('closes with 1013 and stops the replay when the socket falls past the limit while it is written', () => {
    const tracker = new CatchUpTracker(100);
    const socket = fake();
    socket.send = (frame) => {
      socket.frames.push(frame.toString());
      socket.bufferedAmount += 60; // the peer reads nothing
    };
    const catchUp = tracker.begin(socket, CHANNEL);
    const released = catchUp.release(
      { seq: 0, epoch: 'e1' },
      [1, 2, 3, 4].map((s) => durable(s)),
    );
    expect(socket.frames).toEqual(['event-1@e1', 'event-2@e1']);
    expect(socket.closedWith).toBe(1013);
    expect(released).toMatchObject({ closed: true, position: { seq: 2, epoch: 'e1' } });
  });

  it('replaces an earlier catch-up of the same socket and channel', () => {
    const tracker = new CatchUpTracker(10_000);
    const socket = fake();
    const first = tracker.begin(socket, CHANNEL);
    const second = tracker.begin(socket, CHANNEL);
    expect(tracker.of(CHANNEL)?.get(socket)).toBe(second);
    expect(first.isHolding).toBe(false);
    expect(tracker.size).toBe(1);
    second.abandon();
    expect(tracker.of(CHANNEL)).toBeUndefined();
  });
});
