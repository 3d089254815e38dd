import { type AddressInfo } from 'node:net';
import { pino } from 'pino';
import { WebSocket, WebSocketServer } from 'ws';
import { GatewayMetrics } from '../metrics';
import { TextFrame } from '../protocol/text-frame';
import { ClientSession, type SessionDeps } from './client-session';

/** A session over a real socket, unauthenticated (nothing here needs more), and its client. */
async function sessionPair() {
  const wss = new WebSocketServer({ port: 0, perMessageDeflate: false });
  await new Promise((resolve) => wss.once('listening', resolve));
  const accepted = new Promise<WebSocket>((resolve) => wss.once('connection', resolve));
  const client = new WebSocket(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}`);
  const received: string[] = [];
  client.on('message', (data) => received.push((data as Buffer).toString()));
  const closed = new Promise<number>((resolve) => client.once('close', resolve));
  await new Promise((resolve) => client.once('open', resolve));
  const deps = {
    registry: { release: () => Promise.resolve() },
    metrics: new GatewayMetrics({
      openConnections: () => 0,
      activeChannels: () => 0,
      members: () => 0,
    }),
    logger: pino({ level: 'silent' }),
    rateLimit: undefined,
    authTimeoutMs: 60_000,
  } as unknown as SessionDeps;
  const session = new ClientSession('1', 'user', await accepted, deps, false);
  const stop = async (): Promise<void> => {
    client.terminate();
    await session.closed;
    wss.close();
  };
  return { session, received, closed, stop };
}

describe('ClientSession.closed', () => {
  it('resolves after the close and the release, whether asked before or after them', async () => {
    const { session, stop } = await sessionPair();
    const early = session.closed;
    let settled = false;
    void early.then(() => (settled = true));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(settled).toBe(false);
    await stop();
    await expect(early).resolves.toBeUndefined();
    await expect(session.closed).resolves.toBeUndefined();
  });
});

describe('ClientSession.send', () => {
  it('writes shared frames and its own strings in the order they were sent', async () => {
    const { session, received, stop } = await sessionPair();
    try {
      session.send(new TextFrame('{"n":1}'));
      session.send('{"n":2}');
      session.send(new TextFrame('{"n":3}'));
      for (let i = 0; i < 100 && received.length < 3; i += 1)
        await new Promise((r) => setTimeout(r, 10));
      expect(received).toEqual(['{"n":1}', '{"n":2}', '{"n":3}']);
    } finally {
      await stop();
    }
  });

  it('writes nothing after a close started in the same tick (a slow consumer mid-batch)', async () => {
    const { session, received, closed, stop } = await sessionPair();
    try {
      session.send(new TextFrame('before'));
      session.close(1013, 'slow');
      expect(session.isOpen).toBe(false);
      session.send(new TextFrame('after'));
      session.send('after too');
      expect(await closed).toBe(1013);
      expect(received).toEqual(['before']);
    } finally {
      await stop();
    }
  });
});
