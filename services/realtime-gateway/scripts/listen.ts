/**
 * Example client, built on `@communities/client`: logs in over REST, then follows one thread and
 * prints every event and message it delivers. It survives what a real client must: a gateway
 * restart or drain (reconnects with backoff and jitter and resumes from the last seq), a Redis that
 * lost its history (catches up over REST), an access token that expired or was refused (logs in
 * again with the same credentials), and so a restart of `npm start`, whose new process signs with
 * a new random key unless AUTH_JWT_KEYS is set: the old token gets 4401, the client asks for a
 * token with `rejected: true`, the listener logs in again and resumes.
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

/** Logs in. The example keeps no refresh token: it logs in again when the token is due or refused. */
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
    // Throws while the server is down: the client then retries with backoff.
    getAccessToken: async ({ rejected }) => {
      if (rejected || Date.now() > expiresAt - 30_000) {
        session = await login(name, secret);
        expiresAt = Date.now() + session.expires_in * 1000;
        if (rejected) print('logged in again: the access token was refused');
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
    process.exit(error ? 1 : undefined);
  });

  const subscription = client.subscribeThread(thread, {
    onMessage: (message) => print(`message #${message.seq} ${message.author}: ${message.content}`),
    onEvent: (event) =>
      print(
        `${event.occurred_at} ${event.type} seq=${event.seq ?? '-'} ${JSON.stringify(event.data)}`,
      ),
    // Nothing left to listen to (no access, the thread is gone): stop, with a failure status.
    onError: (error) => {
      print(`subscription ended: ${error.message}`);
      process.exitCode = 1;
      client.close();
    },
  });
  await client.connect();
  process.once('SIGINT', () => client.close());
  await subscription.ready.then(
    () => print(`following ${subscription.channel} from seq ${subscription.lastSeq ?? 0}`),
    () => undefined, // onError has said why
  );
}

main(threadId, values.login, password).catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
