/**
 * Example client, built on `@communities/client`: logs in over REST, then follows one thread and
 * prints every event and message it delivers. It survives what a real client must: a gateway
 * restart or drain (reconnects with backoff and jitter and resumes from the last seq), a Redis that
 * lost its history (catches up over REST), an expired access token (logs in again).
 *
 *   COMMUNITIES_PASSWORD=… npm run example:listen -- <thread_id> --login ada \
 *      [--url ws://localhost:5001] [--api http://localhost:5001]
 *
 * The default URLs are the standalone (`npm start`); a separate gateway listens on 5002 and the
 * api-service on 5000 (`--api`). The password is read from COMMUNITIES_PASSWORD only, so it never
 * shows in the process list. Output is one line per event on stdout; Ctrl-C closes cleanly.
 */
import { parseArgs } from 'node:util';
import { RealtimeClient } from '@communities/client';
import { TokenPair, isObjectIdString } from '@communities/contracts';
import { WebSocket } from 'ws';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    url: { type: 'string', default: 'ws://localhost:5001' },
    api: { type: 'string' },
    login: { type: 'string', default: process.env.COMMUNITIES_LOGIN },
  },
});
const threadId = positionals[0];
const password = process.env.COMMUNITIES_PASSWORD;
if (!threadId || !isObjectIdString(threadId) || !values.login || !password) {
  process.stderr.write(
    'usage: COMMUNITIES_PASSWORD=… listen.ts <thread_id (24 hex)> --login <username or email>\n' +
      '       [--url ws://host:port] [--api http://host:port]\n',
  );
  process.exit(2);
}
const api = values.api ?? values.url.replace(/^ws/, 'http');
const print = (line: string): boolean => process.stdout.write(`${line}\n`);

/** Logs in; the example keeps it simple and logs in again when the access token is refused. */
async function login(name: string, secret: string): Promise<TokenPair> {
  const response = await fetch(`${api}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ login: name, password: secret }),
  });
  if (!response.ok) throw new Error(`login: ${response.status} ${await response.text()}`);
  return TokenPair.parse(await response.json());
}

async function main(thread: string, name: string, secret: string): Promise<void> {
  let session = await login(name, secret);
  let expiresAt = Date.now() + session.expires_in * 1000;
  const client = new RealtimeClient({
    wsUrl: values.url,
    apiUrl: api,
    memberId: session.member_id,
    WebSocket,
    getAccessToken: async () => {
      if (Date.now() > expiresAt - 30_000) {
        session = await login(name, secret);
        expiresAt = Date.now() + session.expires_in * 1000;
      }
      return session.access_token;
    },
  });
  client.on('connected', ({ connection }) => print(`connected (connection ${connection})`));
  client.on('disconnected', ({ code, reconnectInMs }) =>
    print(`disconnected ${code}; reconnecting in ${reconnectInMs ?? '—'} ms`),
  );
  client.on('resynced', (info) => print(`caught up over REST: ${JSON.stringify(info)}`));
  client.on('closed', ({ error }) => {
    print(`closed${error ? `: ${error.message}` : ''}`);
    process.exit(error ? 1 : 0);
  });

  client.subscribeThread(thread, {
    onMessage: (message) => print(`message #${message.seq} ${message.author}: ${message.content}`),
    onEvent: (event) =>
      print(
        `${event.occurred_at} ${event.type} seq=${event.seq ?? '-'} ${JSON.stringify(event.data)}`,
      ),
    onError: (error) => print(`subscription ended: ${error.message}`),
  });
  await client.connect();
  process.once('SIGINT', () => client.close());
}

main(threadId, values.login, password).catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
