// Logs in, follows a thread, posts a message over REST and waits for it to come back live.
//   COMMUNITIES_URL=http://localhost:5001 COMMUNITIES_LOGIN=ada COMMUNITIES_PASSWORD=… \
//   THREAD_ID=<24 hex> npx tsx quickstart.mts     (or compile it with tsc and run the .mjs)
import { RealtimeClient, type Subscription } from '@communities/client';
import { WebSocket } from 'ws'; // Node 20 only: browsers and Node 22+ have a global WebSocket

const api = process.env.COMMUNITIES_URL ?? 'http://localhost:5001';
const {
  COMMUNITIES_LOGIN: login,
  COMMUNITIES_PASSWORD: password,
  THREAD_ID: threadId,
} = process.env;
if (!login || !password || !threadId) {
  throw new Error('set COMMUNITIES_LOGIN, COMMUNITIES_PASSWORD and THREAD_ID');
}

interface Session {
  member_id: string;
  access_token: string;
}
async function logIn(): Promise<Session> {
  const response = await fetch(`${api}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ login, password }),
  });
  if (!response.ok) throw new Error(`login: HTTP ${response.status} ${await response.text()}`);
  return (await response.json()) as Session;
}

let session = await logIn();
const client = new RealtimeClient({
  wsUrl: api.replace(/^http/, 'ws'), // the client opens `${wsUrl}/ws/${memberId}`
  apiUrl: api, // grants, catch-ups and posts: `${apiUrl}/api/…`
  memberId: session.member_id,
  // Asked before every connection and REST call. `rejected`: the last token was refused (expired,
  // or a server restarted with a new signing key), so log in again instead of reusing it.
  getAccessToken: async ({ rejected }) => {
    if (rejected) session = await logIn();
    return session.access_token;
  },
  WebSocket, // omit in browsers
});
client.on('disconnected', ({ code, reconnectInMs }) =>
  console.log(`disconnected (${code}), reconnecting in ${reconnectInMs ?? '-'} ms`),
);

const clientMsgId = crypto.randomUUID(); // the post's idempotency key; the message carries it
let thread!: Subscription;
const echoed = new Promise<void>((resolve, reject) => {
  thread = client.subscribeThread(threadId, {
    onMessage: (message) => {
      // Each message once, in order: live, replayed after a reconnect, or fetched over REST.
      console.log(`message #${message.seq} from ${message.author}: ${message.content}`);
      if (message.client_msg_id === clientMsgId) resolve();
    },
    onResync: ({ reason }) => console.log(`caught up over REST (${reason})`),
    onError: reject, // the subscription ended for good (no access, thread deleted)
  });
});
echoed.catch(() => undefined); // awaited below; a failure before that is not "unhandled"

try {
  await client.connect(); // resolves at the first `connected`
  await thread.ready; // joined: live events flow from here
  // Retried on network errors, 429 and 5xx with the same client_msg_id: stored once.
  const posted = await client.post(threadId, 'hello from @communities/client', { clientMsgId });
  await echoed;
  console.log(`message ${posted.id} arrived over the WebSocket`);
} finally {
  client.close();
}
