import type { Duplex } from 'node:stream';
import { RealtimeClient } from '@communities/client';
import type { Message, Thread, TokenPair } from '@communities/contracts';
import { createStandalone, type Standalone } from '@communities/standalone';
import { eventually } from '@communities/test-support';
import { WebSocket } from 'ws';
import { StandaloneApi } from './support/standalone-api';

const ENV = {
  PORT: '0',
  EMBEDDED_IN_MEMORY: 'true',
  LOG_LEVEL: 'silent',
  AUTH_JWT_KEYS: 'client-test:0123456789abcdef0123456789abcdef',
  AUTH_PASSWORD_HASH_COST: '10',
  RATE_LIMIT_LOGIN_PER_IP: 'off',
  RATE_LIMIT_LOGIN_PER_ACCOUNT: 'off',
  RATE_LIMIT_SIGNUP_PER_IP: 'off',
  RATE_LIMIT_WRITES_PER_MEMBER: 'off',
  RATE_LIMIT_WRITES_PER_IP: 'off',
};

describe('RealtimeClient against the in-memory standalone', () => {
  let standalone: Standalone;
  let api: StandaloneApi;
  let session: TokenPair;
  let thread: Thread;
  let client: RealtimeClient;
  /** The server ends of the upgraded sockets, to cut them from the server side. */
  const upgraded = new Set<Duplex>();

  beforeEach(async () => {
    standalone = await createStandalone(ENV);
    const port = await standalone.start();
    standalone.api.server.on('upgrade', (_req, socket: Duplex) => upgraded.add(socket));
    api = new StandaloneApi(`http://127.0.0.1:${port}`);
    session = await api.member();
    thread = await api.thread(session.access_token);
    client = new RealtimeClient({
      wsUrl: `ws://127.0.0.1:${port}`,
      apiUrl: api.baseUrl,
      memberId: session.member_id,
      getAccessToken: () => Promise.resolve(session.access_token),
      WebSocket,
      backoff: { baseMs: 50 },
    });
  });

  afterEach(async () => {
    client.close();
    upgraded.clear();
    await standalone.stop();
  });

  /** Subscribes to the thread, recording the messages delivered, and waits for the join. */
  async function subscribe(): Promise<Message[]> {
    const received: Message[] = [];
    const subscription = client.subscribeThread(thread.id, { onMessage: (m) => received.push(m) });
    await client.connect();
    await subscription.ready;
    return received;
  }

  async function postAll(contents: string[]): Promise<Message[]> {
    const posted: Message[] = [];
    for (const content of contents)
      posted.push(await api.post(thread.id, content, session.access_token));
    return posted;
  }

  it('delivers the messages posted over REST, in order and once', async () => {
    const received = await subscribe();
    const posted = await postAll(['one', 'two', 'three']);
    await eventually(() => received.length >= posted.length);
    expect(received.map((m) => m.id)).toEqual(posted.map((m) => m.id));
    expect(client.lastSeq(`thread:${thread.id}`)).toBe(posted.length);
  });

  it('resumes from its last seq after the server cuts the socket: nothing missing, nothing twice', async () => {
    const received = await subscribe();
    const before = await postAll(['a', 'b']);
    await eventually(() => received.length === 2);

    const disconnected = new Promise((resolve) => client.on('disconnected', resolve));
    for (const socket of upgraded) socket.destroy();
    await disconnected;
    // Posted while the client has no socket: only the gateway's history has them.
    const during = await postAll(['c', 'd', 'e']);
    await eventually(() => received.length >= 5);
    const after = await postAll(['f']);
    await eventually(() => received.length >= 6);

    expect(received.map((m) => m.id)).toEqual([...before, ...during, ...after].map((m) => m.id));
    expect(client.stats.connections).toBe(2);
    // Replayed by the gateway from last_seq, not refetched over REST.
    expect(client.stats.resyncs).toBe(0);
    expect(client.stats.duplicates).toBe(0);
  });

  it('posts once per client_msg_id however often the post is repeated', async () => {
    const received = await subscribe();
    const first = await client.post(thread.id, 'only once', { clientMsgId: 'retry-me' });
    const again = await client.post(thread.id, 'only once', { clientMsgId: 'retry-me' });
    expect(again.id).toBe(first.id);
    await postAll(['marker']);
    await eventually(() => received.some((m) => m.content === 'marker'));
    expect(received.map((m) => m.content)).toEqual(['only once', 'marker']);
  });
});
