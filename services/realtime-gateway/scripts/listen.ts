/**
 * Example client: logs in over REST, asks for a subscription grant, authenticates the socket with
 * its first frame, joins one thread and prints every event the gateway delivers for it.
 *
 *   COMMUNITIES_LOGIN=ada COMMUNITIES_PASSWORD=… npm run example:listen -- <thread_id> \
 *      [--url ws://localhost:5001] [--api http://localhost:5001] [--login ada] [--typing]
 *
 * The default URLs are the standalone (`npm start`); a separate gateway listens on 5002 and the
 * api-service on 5000 (`--api`). The password is read from COMMUNITIES_PASSWORD only, so it never
 * shows in the process list.
 *
 * `--typing` also sends a typing / stop_typing pair once joined, so a second listener sees them.
 * Output is one line per frame on stdout; Ctrl-C closes the socket cleanly.
 */
import { parseArgs } from 'node:util';
import { DomainEvent, GrantResponse, TokenPair, isObjectIdString } from '@communities/contracts';
import { WebSocket } from 'ws';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    url: { type: 'string', default: 'ws://localhost:5001' },
    api: { type: 'string' },
    login: { type: 'string', default: process.env.COMMUNITIES_LOGIN },
    typing: { type: 'boolean', default: false },
  },
});
const threadId = positionals[0];
const password = process.env.COMMUNITIES_PASSWORD;
if (!threadId || !isObjectIdString(threadId) || !values.login || !password) {
  process.stderr.write(
    'usage: COMMUNITIES_PASSWORD=… listen.ts <thread_id (24 hex)> --login <username or email>\n' +
      '       [--url ws://host:port] [--api http://host:port] [--typing]\n',
  );
  process.exit(2);
}
const api = values.api ?? values.url.replace(/^ws/, 'http');
const print = (line: string): boolean => process.stdout.write(`${line}\n`);

async function post(path: string, body: unknown, token?: string): Promise<unknown> {
  const response = await fetch(`${api}${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token && { authorization: `Bearer ${token}` }),
    },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
  return response.json();
}

async function main(thread: string, login: string, secret: string): Promise<void> {
  const session = TokenPair.parse(await post('/api/auth/login', { login, password: secret }));
  const { grants } = GrantResponse.parse(
    await post('/api/realtime/grants', { channels: [`thread:${thread}`] }, session.access_token),
  );
  const grant = grants[0]?.grant;
  if (!grant) throw new Error('no grant for the thread');

  const socket = new WebSocket(`${values.url}/ws/${session.member_id}`);
  const send = (frame: object): void => socket.send(JSON.stringify(frame));
  // The first frame authenticates (browsers cannot set an Authorization header on a WebSocket).
  socket.on('open', () => send({ action: 'authenticate', token: session.access_token }));

  socket.on('message', (data: Buffer) => {
    const frame = JSON.parse(data.toString('utf8')) as Record<string, unknown>;
    const event = DomainEvent.safeParse(frame);
    if (event.success) {
      print(`${event.data.occurred_at} ${event.data.type} ${JSON.stringify(event.data.data)}`);
      return;
    }
    print(`frame ${JSON.stringify(frame)}`);
    if (frame.type === 'connected')
      send({ action: 'join_thread', thread_id: thread, grant, ref: 'join' });
    if (frame.type === 'ack' && frame.ref === 'join' && values.typing) {
      send({ action: 'typing', thread_id: thread });
      setTimeout(() => send({ action: 'stop_typing', thread_id: thread }), 1000);
    }
  });

  socket.on('close', (code, reason) => {
    print(`closed ${code} ${reason.toString()}`);
    process.exit(code === 1000 || code === 1001 ? 0 : 1);
  });
  socket.on('error', (error) => process.stderr.write(`connection error: ${error.message}\n`));
  process.once('SIGINT', () => socket.close(1000, 'bye'));
}

main(threadId, values.login, password).catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
