/**
 * Example client: joins one thread and prints every event the gateway delivers for it.
 *
 *   npx tsx --conditions=@communities/source services/realtime-gateway/scripts/listen.ts \
 *      <thread_id> [--url ws://localhost:5001] [--user me] [--typing]
 *
 * The default URL is the standalone (`npm start`); a separate gateway listens on 5002.
 *
 * `--typing` also sends a typing / stop_typing pair once joined, so a second listener sees them.
 * Output is one line per frame on stdout; Ctrl-C closes the socket cleanly.
 */
import { parseArgs } from 'node:util';
import { DomainEvent, isObjectIdString } from '@communities/contracts';
import { WebSocket } from 'ws';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    url: { type: 'string', default: 'ws://localhost:5001' },
    user: { type: 'string', default: `listener-${process.pid}` },
    typing: { type: 'boolean', default: false },
  },
});
const threadId = positionals[0];
if (!threadId || !isObjectIdString(threadId)) {
  process.stderr.write(
    'usage: listen.ts <thread_id (24 hex)> [--url ws://host:port] [--user id] [--typing]\n',
  );
  process.exit(2);
}

const print = (line: string): boolean => process.stdout.write(`${line}\n`);
const socket = new WebSocket(`${values.url}/ws/${encodeURIComponent(values.user)}`);

socket.on('open', () => {
  socket.send(JSON.stringify({ action: 'join_thread', thread_id: threadId, ref: 'join' }));
});

socket.on('message', (data: Buffer) => {
  const frame = JSON.parse(data.toString('utf8')) as Record<string, unknown>;
  const event = DomainEvent.safeParse(frame);
  if (event.success) {
    print(`${event.data.occurred_at} ${event.data.type} ${JSON.stringify(event.data.data)}`);
    return;
  }
  print(`frame ${JSON.stringify(frame)}`);
  if (frame.type === 'ack' && frame.ref === 'join' && values.typing) {
    socket.send(JSON.stringify({ action: 'typing', thread_id: threadId }));
    setTimeout(
      () => socket.send(JSON.stringify({ action: 'stop_typing', thread_id: threadId })),
      1000,
    );
  }
});

socket.on('close', (code, reason) => {
  print(`closed ${code} ${reason.toString()}`);
  process.exit(code === 1000 || code === 1001 ? 0 : 1);
});
socket.on('error', (error) => {
  process.stderr.write(`connection error: ${error.message}\n`);
});
process.once('SIGINT', () => socket.close(1000, 'bye'));
