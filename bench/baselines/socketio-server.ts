/**
 * Baseline, written for the benchmark only: what most teams would deploy instead of our gateway.
 * A minimal Socket.IO 4 server with `@socket.io/redis-adapter` (ioredis, the client our broker
 * uses), WebSocket transport only, defaults otherwise. Clients join a room with
 * `emit('join', room, ack)`; events arrive from `@socket.io/redis-emitter` through Redis.
 *
 * Env: PORT, REDIS_URL, PING_INTERVAL_MS (default 25000, Socket.IO's default).
 */
import { createServer } from 'node:http';
import { createAdapter } from '@socket.io/redis-adapter';
import { Redis } from 'ioredis';
import { Server } from 'socket.io';

const port = Number(process.env.PORT ?? 5004);
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const pingInterval = Number(process.env.PING_INTERVAL_MS ?? 25_000);

const pubClient = new Redis(redisUrl, { connectionName: 'socketio-pub' });
const subClient = pubClient.duplicate({ connectionName: 'socketio-sub' });

const httpServer = createServer((req, res) => {
  const ok = req.url === '/healthz';
  res.writeHead(ok ? 200 : 404, { 'content-type': 'application/json' });
  res.end(ok ? '{"status":"ok"}' : '{}');
});
const io = new Server(httpServer, {
  transports: ['websocket'],
  serveClient: false,
  pingInterval,
  adapter: createAdapter(pubClient, subClient),
});

io.on('connection', (socket) => {
  socket.on('join', (room: unknown, ack?: (reply: string) => void) => {
    if (typeof room !== 'string') return;
    void socket.join(room);
    if (typeof ack === 'function') ack('ok');
  });
});

// Healthy only once the adapter's subscriber is ready, so no early publish is lost.
const ready = Promise.all([
  new Promise((resolve) => pubClient.once('ready', resolve)),
  new Promise((resolve) => subClient.once('ready', resolve)),
]);
void ready.then(() => httpServer.listen(port, '127.0.0.1'));

process.once('SIGTERM', () => {
  void io.close().then(() => {
    pubClient.disconnect();
    subClient.disconnect();
    process.exit(0);
  });
});
