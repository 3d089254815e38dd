import { type ChannelHistory, type EventHistory } from '@communities/broker';
import { AppError } from '@communities/contracts';
import { pino } from 'pino';
import { CatchUpTracker } from '../fanout/catch-up';
import { GatewayMetrics } from '../metrics';
import { ChannelJoiner, resumeOutcome } from './channel-joiner';
import { ConnectionRegistry } from './connection-registry';
import { type LocalConnection } from './local-connection';

const THREAD = '0123456789abcdef01234567';
const CHANNEL = `thread:${THREAD}`;

const history = (fields: Partial<ChannelHistory>): ChannelHistory => ({
  epoch: 'e1',
  latestSeq: 10,
  events: [],
  complete: true,
  ...fields,
});

describe('resumeOutcome', () => {
  it.each([
    ['the gap is in the history, same epoch', { lastSeq: 4, epoch: 'e1' }, {}, 'replayed'],
    ['no epoch given, the gap is in the history', { lastSeq: 4, epoch: undefined }, {}, 'replayed'],
    ['already up to date', { lastSeq: 10, epoch: 'e1' }, {}, 'replayed'],
    ['another epoch', { lastSeq: 4, epoch: 'e0' }, {}, 'epoch_changed'],
    [
      'the history is gone',
      { lastSeq: 4, epoch: 'e1' },
      { epoch: null, latestSeq: 0 },
      'epoch_changed',
    ],
    [
      'beyond the latest seq without an epoch',
      { lastSeq: 12, epoch: undefined },
      {},
      'epoch_changed',
    ],
    [
      'older than the history',
      { lastSeq: 4, epoch: 'e1' },
      { complete: false },
      'history_truncated',
    ],
    [
      'another epoch and truncated',
      { lastSeq: 4, epoch: 'e0' },
      { complete: false },
      'epoch_changed',
    ],
  ] as const)('%s: %s', (_name, resume, found, expected) => {
    expect(resumeOutcome(resume, history(found))).toBe(expected);
  });
});

function fakeConnection(): LocalConnection & { frames: string[] } {
  const frames: string[] = [];
  return {
    id: 'c1',
    userId: 'u1',
    isOpen: true,
    bufferedAmount: 0,
    frames,
    send: (frame) => frames.push(frame.toString()),
    close: () => undefined,
  };
}

/** A joiner over a broker whose answers the test controls. */
function setup(bus: EventHistory) {
  const catchUps = new CatchUpTracker(1_000_000);
  const registry = new ConnectionRegistry(
    {
      firstJoined: () => Promise.resolve(),
      lastLeft: () => Promise.resolve(),
      left: (connection, channel) => catchUps.left(connection, channel),
    },
    { maxChannelsPerSocket: 10 },
  );
  const metrics = new GatewayMetrics({
    openConnections: () => 0,
    activeChannels: () => 0,
    members: () => 0,
  });
  const joiner = new ChannelJoiner({
    registry,
    bus,
    catchUps,
    metrics,
    logger: pino({ level: 'silent' }),
  });
  const connection = fakeConnection();
  registry.add(connection);
  return { joiner, registry, catchUps, connection };
}

const unavailable = () => Promise.reject(new Error('broker unreachable'));

describe('ChannelJoiner', () => {
  it('joins without a position when the broker cannot say, and the join stands', async () => {
    const { joiner, registry, catchUps, connection } = setup({
      position: unavailable,
      history: unavailable,
    });
    await expect(joiner.join(connection, CHANNEL, undefined, undefined)).resolves.toBeUndefined();
    expect(registry.isJoined(connection, CHANNEL)).toBe(true);
    expect(catchUps.size).toBe(0);
  });

  it('undoes a resuming join when the history cannot be read: no silent gap', async () => {
    const { joiner, registry, catchUps, connection } = setup({
      position: unavailable,
      history: unavailable,
    });
    const joining = joiner.join(connection, CHANNEL, undefined, { lastSeq: 3, epoch: 'e1' });
    await expect(joining).rejects.toEqual(
      new AppError('SERVICE_UNAVAILABLE', `could not read the history of ${CHANNEL}`),
    );
    expect(registry.isJoined(connection, CHANNEL)).toBe(false);
    expect(catchUps.size).toBe(0);
  });

  it('writes nothing when access is revoked while the history is read', async () => {
    let answer: (found: ChannelHistory) => void = () => undefined;
    let asked: () => void = () => undefined;
    const reading = new Promise<void>((resolve) => (asked = resolve));
    const { joiner, registry, catchUps, connection } = setup({
      position: unavailable,
      history: () =>
        new Promise((resolve) => {
          answer = resolve;
          asked();
        }),
    });
    const joining = joiner.join(connection, CHANNEL, undefined, { lastSeq: 0, epoch: undefined });
    await reading;
    await registry.leave(connection, CHANNEL);
    answer(history({ events: ['{}'] }));
    await expect(joining).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect(connection.frames).toEqual([]);
    expect(catchUps.size).toBe(0);
  });

  it('answers a gap the history cannot cover with resync_required at the latest position', async () => {
    const { joiner, connection } = setup({
      position: unavailable,
      history: () => Promise.resolve(history({ complete: false, latestSeq: 40, epoch: 'e2' })),
    });
    const position = await joiner.join(connection, CHANNEL, undefined, {
      lastSeq: 3,
      epoch: 'e2',
    });
    expect(connection.frames.map((f) => JSON.parse(f) as unknown)).toEqual([
      {
        type: 'resync_required',
        channel: CHANNEL,
        epoch: 'e2',
        seq: 40,
        reason: 'history_truncated',
      },
    ]);
    expect(position).toEqual({ seq: 40, epoch: 'e2' });
  });
});
