/**
 * Baseline, written for the benchmark only: the floor for our design. A plain `ws` server (the
 * same `ws` copy our gateway uses) with no broker: the load generator sends each event over one
 * control socket as a binary frame `channel \n payload`, and the server writes that payload, as one
 * pre-serialized Buffer, to every socket in the room. No validation, no Redis hop. Sockets speak
 * the same JSON actions as our gateway (`connected`, `join_thread` → `ack`) so the load generator
 * treats both alike, and get a ws ping every HEARTBEAT_MS like ours.
 *
 * Env: PORT, HEARTBEAT_MS (default 30000, as our gateway).
 */
import { createServer } from 'node:http';
import { type WebSocket, WebSocketServer } from 'ws';

const port = Number(process.env.PORT ?? 5003);
const heartbeatMs = Number(process.env.HEARTBEAT_MS ?? 30_000);

const rooms = new Map<string, Set<WebSocket>>();
const sockets = new Set<WebSocket>();
const CONNECTED = Buffer.from('{"type":"connected"}');
/** Sockets that answered the last ping (or connected since). */
const alive = new WeakSet<WebSocket>();

const server = createServer((req, res) => {
  const ok = req.url === '/healthz';
  res.writeHead(ok ? 200 : 404, { 'content-type': 'application/json' });
  res.end(ok ? '{"status":"ok"}' : '{}');
});
const wss = new WebSocketServer({
  noServer: true,
  perMessageDeflate: false,
  clientTracking: false,
});

function publish(data: Buffer): void {
  const newline = data.indexOf(10);
  if (newline < 0) return;
  const members = rooms.get(data.toString('latin1', 0, newline));
  if (!members) return;
  const payload = data.subarray(newline + 1);
  for (const socket of members) socket.send(payload, { binary: false });
}

function onClient(socket: WebSocket): void {
  const joined = new Set<string>();
  sockets.add(socket);
  alive.add(socket);
  socket.on('pong', () => alive.add(socket));
  socket.on('message', (data: Buffer, isBinary) => {
    if (isBinary) return;
    let action: { action?: string; thread_id?: string; ref?: string };
    try {
      action = JSON.parse(data.toString('utf8')) as typeof action;
    } catch {
      return;
    }
    if (action.action !== 'join_thread' || typeof action.thread_id !== 'string') return;
    const channel = `thread:${action.thread_id}`;
    let members = rooms.get(channel);
    if (!members) rooms.set(channel, (members = new Set()));
    members.add(socket);
    joined.add(channel);
    socket.send(JSON.stringify({ type: 'ack', action: action.action, channel, ref: action.ref }));
  });
  socket.on('close', () => {
    sockets.delete(socket);
    for (const channel of joined) {
      const members = rooms.get(channel);
      members?.delete(socket);
      if (members?.size === 0) rooms.delete(channel);
    }
  });
  socket.on('error', () => socket.terminate());
  socket.send(CONNECTED, { binary: false });
}

server.on('upgrade', (req, socket, head) => {
  socket.on('error', () => socket.destroy());
  const path = req.url ?? '';
  if (path === '/publish') {
    wss.handleUpgrade(req, socket, head, (control) => {
      control.on('message', (data: Buffer) => publish(data));
    });
  } else if (path.startsWith('/ws/')) {
    wss.handleUpgrade(req, socket, head, onClient);
  } else {
    socket.destroy();
  }
});

const heartbeat = setInterval(() => {
  for (const socket of sockets) {
    if (!alive.has(socket)) {
      socket.terminate();
      continue;
    }
    alive.delete(socket);
    socket.ping();
  }
}, heartbeatMs);

server.listen(port, '127.0.0.1');
process.once('SIGTERM', () => {
  clearInterval(heartbeat);
  for (const socket of sockets) socket.terminate();
  server.close(() => process.exit(0));
});
