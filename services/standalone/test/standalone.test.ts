import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { RedisEventBus } from '@communities/broker';
import {
  Community,
  Member,
  type Message,
  Thread,
  createEvent,
  threadChannel,
  type DomainEvent,
} from '@communities/contracts';
import { createStandalone, type Standalone } from '@communities/standalone';
import {
  WsTestClient,
  backendUrl,
  describeWithBackend,
  eventually,
} from '@communities/test-support';
import { pino } from 'pino';
import { mongoStoreEnv, type StoreEnv } from './support/backends';
import { exactRevocationScenarios } from './support/exact-revocation.scenarios';
import { isNewMessage, joinThread } from './support/realtime';
import { NO_RATE_LIMITS_ENV, RestClient, TEST_AUTH_ENV } from './support/rest-client';

/**
 * One standalone per test on port 0 with a fresh DATA_DIR. `env` is passed whole, so the
 * process's own MONGO_URL / REDIS_URL never leak in: the first suite always runs embedded. No
 * AUTH_JWT_KEYS either: the api and the gateway share the process's one random key.
 */
function standaloneFixture(extraEnv: () => Record<string, string> = () => ({})) {
  const state = {} as {
    standalone: Standalone;
    port: number;
    rest: RestClient;
    dataDir: string;
    env: Record<string, string>;
    clients: WsTestClient[];
  };
  state.clients = [];

  const boot = async (): Promise<void> => {
    state.standalone = await createStandalone(state.env);
    state.port = await state.standalone.start();
    state.rest = RestClient.forPort(state.port);
  };

  beforeEach(async () => {
    state.dataDir = await mkdtemp(path.join(tmpdir(), 'standalone-test-'));
    state.env = {
      PORT: '0',
      DATA_DIR: state.dataDir,
      LOG_LEVEL: 'silent',
      ...TEST_AUTH_ENV,
      ...extraEnv(),
    };
    await boot();
  });

  afterEach(async () => {
    await Promise.all(state.clients.splice(0).map((client) => client.close()));
    await state.standalone?.stop();
    await rm(state.dataDir, { recursive: true, force: true });
  });

  return {
    state,
    /** Stops the running standalone and starts a new one on the same settings. */
    restart: async (): Promise<void> => {
      await state.standalone.stop();
      await boot();
    },
    /** A socket of `member` (made by `state.rest.createMember`), authenticated with its token. */
    connect: async (member: string): Promise<WsTestClient> => {
      const client = await WsTestClient.connect(state.port, member, state.rest.tokenOf(member));
      state.clients.push(client);
      return client;
    },
  };
}

/**
 * Creates a member, community, thread and two messages, then reads them all back after a restart;
 * the member logs in again with the same password.
 */
async function expectDataSurvivesRestart(
  fixture: ReturnType<typeof standaloneFixture>,
): Promise<void> {
  const { rest } = fixture.state;
  const { owner, community, thread } = await rest.seedThread();
  const first = await rest.postMessage(thread.id, owner.id, 'first');
  const second = await rest.postMessage(thread.id, owner.id, 'second');
  // Read back before the restart, so the comparison includes counters the writes updated.
  const before = {
    member: Member.parse(await rest.expect(200, 'GET', `/api/members/${owner.id}`)),
    community: Community.parse(await rest.expect(200, 'GET', `/api/communities/${community.id}`)),
    thread: Thread.parse(await rest.expect(200, 'GET', `/api/threads/${thread.id}`)),
  };
  expect(before.thread.message_count).toBe(2);
  const oldToken = rest.tokenOf(owner.id);

  await fixture.restart();

  const after = fixture.state.rest;
  expect(await after.expect(200, 'GET', `/api/members/${owner.id}`)).toEqual(before.member);
  expect(await after.expect(200, 'GET', `/api/communities/${community.id}`)).toEqual(
    before.community,
  );
  expect(await after.expect(200, 'GET', `/api/threads/${thread.id}`)).toEqual(before.thread);
  const messages = (await after.expect(200, 'GET', `/api/messages/thread/${thread.id}`)) as {
    items: Message[];
  };
  expect(messages.items).toEqual([first, second]);

  // No AUTH_JWT_KEYS: the old process's random key went with it, and so did its sessions...
  const stale = await fetch(`${after.baseUrl}/api/members/${owner.id}`, {
    headers: { authorization: `Bearer ${oldToken}` },
  });
  expect(stale.status).toBe(401);
  // ...but the stored password hash did not: the member logs in again and acts.
  await after.login(owner.username);
  expect(await after.expect(200, 'GET', `/api/members/${owner.id}`, undefined, owner.id)).toEqual({
    ...before.member,
    email: owner.email,
  });
  await after.postMessage(thread.id, owner.id, 'third');
}

describe('standalone: REST, docs and WebSocket on one port', () => {
  const fixture = standaloneFixture();
  const { state } = fixture;

  describe('exact revocation, on the in-process broker', () => {
    exactRevocationScenarios(() => ({ rest: state.rest, gatewayPorts: [state.port] }));
  });

  it('uses the embedded store and the in-process broker when no backend is configured', () => {
    expect(state.standalone.api.db.kind).toBe('embedded');
    expect(state.standalone.bus.constructor.name).toBe('InProcessEventBus');
  });

  it('serves the REST API', async () => {
    const { rest } = state;
    const { owner, community, thread } = await rest.seedThread();
    expect(await rest.expect(200, 'GET', `/api/communities/${community.id}`)).toEqual(community);
    const threads = (await rest.expect(200, 'GET', `/api/threads/community/${community.id}`)) as {
      items: Thread[];
    };
    expect(threads.items.map((t) => t.id)).toEqual([thread.id]);
    const message = await rest.postMessage(thread.id, owner.id, 'hello');
    expect(await rest.expect(200, 'GET', `/api/messages/${message.id}`)).toEqual(message);
    const members = (await rest.expect(200, 'GET', `/api/communities/${community.id}/members`)) as {
      items: Member[];
    };
    expect(members.items.map((m) => m.id)).toEqual([owner.id]);
    const missing = await rest.call('GET', '/api/communities/000000000000000000000000');
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ error: { code: 'COMMUNITY_NOT_FOUND' } });
  });

  it('refuses a write without an access token', async () => {
    const { rest } = state;
    const { thread } = await rest.seedThread();
    const anonymous = await rest.call('POST', `/api/messages/thread/${thread.id}`, {
      content: 'who am I?',
    });
    expect(anonymous.status).toBe(401);
    expect(anonymous.body).toMatchObject({ error: { code: 'UNAUTHENTICATED' } });
    expect(await rest.expect(200, 'GET', `/api/threads/${thread.id}`)).toMatchObject({
      message_count: 0,
    });
  });

  it('serves the docs, both machine-readable contracts, probes and metrics', async () => {
    const { rest } = state;
    for (const page of ['/docs', '/redoc']) {
      const res = await rest.call('GET', page);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    }
    const openapi = (await rest.expect(200, 'GET', '/openapi.json')) as {
      openapi: string;
      paths: Record<string, unknown>;
    };
    expect(openapi.openapi).toMatch(/^3\./);
    expect(Object.keys(openapi.paths)).toEqual(
      expect.arrayContaining(['/api/communities', '/api/messages/thread/{thread_id}']),
    );
    const asyncapi = (await rest.expect(200, 'GET', '/asyncapi.json')) as { asyncapi: string };
    expect(asyncapi.asyncapi).toBe('3.0.0');
    expect(await rest.expect(200, 'GET', '/healthz')).toEqual({ status: 'ok' });
    await rest.expect(200, 'GET', '/readyz');

    const alice = await rest.createMember();
    await fixture.connect(alice.id);
    const metrics = (await rest.expect(200, 'GET', '/metrics')) as string;
    expect(metrics).toContain('http_request_duration_seconds_bucket');
    expect(metrics).toContain('# TYPE events_publish_failed_total counter');
    // The gateway's series are on the same endpoint as the api's.
    expect(metrics).toMatch(/^gateway_open_connections 1$/m);
  });

  it('delivers new_message to a WebSocket client that joined the thread with a grant from the REST API', async () => {
    const { rest } = state;
    const { owner, thread } = await rest.seedThread();
    const alice = await rest.createMember();
    // Her token and grant were signed by the api half; the gateway half accepts them.
    const socket = await fixture.connect(alice.id);
    await joinThread(rest, socket, alice.id, thread.id);
    const message = await rest.postMessage(thread.id, owner.id, 'hi');
    expect(await socket.waitFor(isNewMessage(message.id))).toMatchObject({
      type: 'new_message',
      channel: threadChannel(thread.id),
      data: { message },
    });
  });

  it('refuses a join without a grant', async () => {
    const { rest } = state;
    const { thread } = await rest.seedThread();
    const alice = await rest.createMember();
    const socket = await fixture.connect(alice.id);
    expect(await socket.request({ action: 'join_thread', thread_id: thread.id })).toMatchObject({
      type: 'error',
      code: 'FORBIDDEN',
    });
    // The same socket joins once it has one.
    await joinThread(rest, socket, alice.id, thread.id);
  });

  it('shows typing to the other clients of the thread, not to the sender', async () => {
    const { rest } = state;
    const { owner, thread } = await rest.seedThread();
    const channel = threadChannel(thread.id);
    const [aliceMember, bobMember] = [await rest.createMember(), await rest.createMember()];
    const [alice, bob] = [
      await fixture.connect(aliceMember.id),
      await fixture.connect(bobMember.id),
    ];
    await joinThread(rest, alice, aliceMember.id, thread.id);
    await joinThread(rest, bob, bobMember.id, thread.id);

    await alice.ack({ action: 'typing', thread_id: thread.id });
    expect(await bob.waitFor((f) => f.type === 'typing')).toMatchObject({
      channel,
      data: { thread_id: thread.id, user_id: aliceMember.id },
    });
    const marker = await rest.postMessage(thread.id, owner.id, 'marker');
    await alice.waitFor(isNewMessage(marker.id));
    expect(alice.eventsOn(channel).map((e) => e.type)).toEqual(['new_message']);
  });

  it('keeps the data in DATA_DIR across a restart', async () => {
    await expectDataSurvivesRestart(fixture);
  });
});

describeWithBackend('MONGO_URL')('standalone with MONGO_URL', () => {
  let store: StoreEnv;
  const fixture = standaloneFixture(() => {
    store = mongoStoreEnv('standalone');
    return store.env;
  });
  afterEach(async () => {
    await store.drop();
  });

  it('stores in MongoDB', () => {
    expect(fixture.state.standalone.api.db.kind).toBe('mongodb');
  });

  it('keeps the data across a restart', async () => {
    await expectDataSurvivesRestart(fixture);
  });
});

describeWithBackend('REDIS_URL')('standalone with REDIS_URL', () => {
  const redisUrl = backendUrl('REDIS_URL') ?? '';
  // Rate-limit counters would live in the shared Redis: see NO_RATE_LIMITS_ENV.
  const fixture = standaloneFixture(() => ({ REDIS_URL: redisUrl, ...NO_RATE_LIMITS_ENV }));
  let outside: RedisEventBus;

  beforeEach(async () => {
    // Another process on the same Redis (a gateway or api replica).
    outside = new RedisEventBus({ url: redisUrl, logger: pino({ level: 'silent' }) });
    await eventually(() => outside.ready() && fixture.state.standalone.bus.ready());
  });
  afterEach(async () => {
    await outside.close();
  });

  it('publishes its events on Redis, where another process receives them', async () => {
    expect(fixture.state.standalone.bus.constructor.name).toBe('RedisEventBus');
    const { owner, thread } = await fixture.state.rest.seedThread();
    const received: DomainEvent[] = [];
    await outside.subscribe(threadChannel(thread.id), (payload) => {
      received.push(JSON.parse(payload) as DomainEvent);
    });
    const message = await fixture.state.rest.postMessage(thread.id, owner.id, 'over redis');
    await eventually(() => received.length === 1);
    expect(received[0]).toMatchObject({ type: 'new_message', data: { message } });
  });

  it('delivers to its WebSocket clients what another process publishes on Redis', async () => {
    const { rest } = fixture.state;
    const { owner, thread } = await rest.seedThread();
    const alice = await fixture.connect(owner.id);
    await joinThread(rest, alice, owner.id, thread.id);
    const event = createEvent('typing', { thread_id: thread.id, user_id: owner.id });
    await outside.publish(event);
    expect(await alice.waitFor((f) => f.id === event.id)).toEqual(event);
  });
});
