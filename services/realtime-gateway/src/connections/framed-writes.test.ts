import { type AddressInfo } from 'node:net';
import { type Socket } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import { TextFrame } from '../protocol/text-frame';
import { writeFramed } from './framed-writes';

interface Received {
  messages: { text: string; binary: boolean }[];
  closed: Promise<number>;
}

/** A server socket and a client reading it, over loopback. */
async function connectedPair(): Promise<{ server: WebSocket; client: Received; stop: () => void }> {
  const wss = new WebSocketServer({ port: 0, perMessageDeflate: false });
  await new Promise((resolve) => wss.once('listening', resolve));
  const accepted = new Promise<WebSocket>((resolve) => wss.once('connection', resolve));
  const socket = new WebSocket(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}`);
  const client: Received = {
    messages: [],
    closed: new Promise((resolve) => socket.once('close', resolve)),
  };
  socket.on('message', (data, binary) =>
    client.messages.push({ text: (data as Buffer).toString(), binary }),
  );
  await new Promise((resolve) => socket.once('open', resolve));
  const server = await accepted;
  return {
    server,
    client,
    stop: () => {
      socket.terminate();
      wss.close();
    },
  };
}

const until = async (condition: () => boolean): Promise<void> => {
  for (let i = 0; i < 200 && !condition(); i += 1) await new Promise((r) => setTimeout(r, 10));
};

const underlying = (ws: WebSocket): Socket => (ws as unknown as { _socket: Socket })._socket;

describe('writeFramed', () => {
  it('sends the frames of one tick in order, intact, as text, in one writev', async () => {
    const { server, client, stop } = await connectedPair();
    try {
      const socket = underlying(server);
      const writev = jest.spyOn(socket as unknown as { _writev: () => void }, '_writev');
      const write = jest.spyOn(socket as unknown as { _write: () => void }, '_write');
      const payloads = [
        '{"n":1}',
        JSON.stringify({ n: 2, pad: 'é'.repeat(200) }),
        'x'.repeat(70_000),
      ];

      for (const payload of payloads)
        expect(writeFramed(server, new TextFrame(payload).bytes)).toBe(true);
      expect(writev).not.toHaveBeenCalled(); // held until the end of the tick
      await until(() => client.messages.length === payloads.length);

      expect(client.messages).toEqual(payloads.map((text) => ({ text, binary: false })));
      expect(writev).toHaveBeenCalledTimes(1);
      expect((writev.mock.calls[0] as unknown as [unknown[]])[0]).toHaveLength(3);
      expect(write).not.toHaveBeenCalled();
      expect(socket.writableCorked).toBe(0);
    } finally {
      stop();
    }
  });

  it('keeps the order of frames sent by ws itself in the same tick', async () => {
    const { server, client, stop } = await connectedPair();
    try {
      writeFramed(server, new TextFrame('first').bytes);
      server.send('second');
      writeFramed(server, new TextFrame('third').bytes);
      await until(() => client.messages.length === 3);
      expect(client.messages.map((message) => message.text)).toEqual(['first', 'second', 'third']);
    } finally {
      stop();
    }
  });

  it('delivers the frames written before a close in the same tick, then the close', async () => {
    const { server, client, stop } = await connectedPair();
    try {
      writeFramed(server, new TextFrame('before').bytes);
      server.close(1013, 'slow');
      expect(await client.closed).toBe(1013);
      expect(client.messages.map((message) => message.text)).toEqual(['before']);
    } finally {
      stop();
    }
  });

  it('writes nothing and answers false when ws has no socket to write to', () => {
    const detached = { _socket: null, _sender: null } as unknown as WebSocket;
    expect(writeFramed(detached, new TextFrame('x').bytes)).toBe(false);
  });

  it('answers false while ws holds queued frames of its own, which must leave first', async () => {
    const { server, stop } = await connectedPair();
    try {
      const sender = (server as unknown as { _sender: { _queue: unknown[] } })._sender;
      sender._queue.push([]);
      expect(writeFramed(server, new TextFrame('x').bytes)).toBe(false);
      sender._queue.pop();
      expect(writeFramed(server, new TextFrame('x').bytes)).toBe(true);
    } finally {
      stop();
    }
  });
});
