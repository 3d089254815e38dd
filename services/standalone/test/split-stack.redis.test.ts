import { randomBytes } from 'node:crypto';
import {
  createApiService,
  loadApiConfig,
  tokenServiceFor,
  type ApiService,
} from '@communities/api-service';
import { createEventBus } from '@communities/broker';
import {
  DomainEvent,
  GLOBAL_CHANNEL,
  GrantResponse,
  Message,
  SubscriptionRevokedFrame,
  TokenPair,
  communityChannel,
  threadChannel,
} from '@communities/contracts';
import { createGateway, loadConfig, type Gateway } from '@communities/realtime-gateway';
import {
  WsTestClient,
  backendUrl,
  describeWithBackend,
  eventually,
  type WsFrame,
} from '@communities/test-support';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { WebSocket } from 'ws';
import { storeEnv, type StoreEnv } from './support/backends';
import { exactRevocationScenarios } from './support/exact-revocation.scenarios';
import { isNewMessage, joinCommunity, joinThread, messageContentsOn } from './support/realtime';
import {
  NO_RATE_LIMITS_ENV,
  RestClient,
  TEST_AUTH_ENV,
  TEST_PASSWORD,
} from './support/rest-client';

const logger = pino({ level: 'silent' });

/**
 * The one key ring of this stack: the api-service signs with it, both gateways verify with it, as
 * AUTH_JWT_KEYS would be set on every process of a deployment. Random per run.
 */
const AUTH_JWT_KEYS = `split-test:${randomBytes(32).toString('base64url')}`;

interface RunningGateway {
  name: string;
  gateway: Gateway;
  port: number;
}

/** A gateway as its own process would run it: its own bus (own Redis connections), port 0. */
async function startGateway(name: string, redisUrl: string): Promise<RunningGateway> {
  const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', AUTH_JWT_KEYS });
  const bus = createEventBus({ redisUrl, logger, connectionName: `test-gateway-${name}` });
  const gateway = createGateway({ config, logger, bus });
  const port = await gateway.start();
  await eventually(() => gateway.ready());
  return { name, gateway, port };
}

/** The envelope every delivered event carries, with `data` as the REST call implies. */
/** A delivered event; durable ones carry their channel position (`seq`, `epoch`). */
function envelope(type: string, channel: string, data: unknown) {
  const durable = type !== 'typing' && type !== 'stop_typing';
  return {
    id: expect.any(String),
    type,
    channel,
    occurred_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
    data,
    ...(durable ? { seq: expect.any(Number), epoch: expect.any(String) } : {}),
  };
}

const typesOn = (client: WsTestClient, channel: string): unknown[] =>
  client.eventsOn(channel).map((event) => event.type);

const isRevoked =
  (channel: string) =>
  (frame: WsFrame): boolean =>
    frame.type === 'subscription_revoked' && frame.channel === channel;

/**
 * The production topology in one test process: one api-service (REST, publish-only on Redis) and
 * two realtime gateways, each with its own Redis connections, talking only through Redis and
 * sharing nothing but AUTH_JWT_KEYS. Every event here is caused by a real REST call and observed
 * by a real WebSocket client of a member who logged in over REST. "Nothing arrives" is proven by a
 * later marker event on the same socket, never by waiting.
 */
describeWithBackend('REDIS_URL')('split stack: one api-service and two gateways over Redis', () => {
  const redisUrl = backendUrl('REDIS_URL') ?? '';
  let store: StoreEnv;
  let api: ApiService;
  let rest: RestClient;
  let a: RunningGateway;
  let b: RunningGateway;
  let probe: Redis;
  const clients: WsTestClient[] = [];

  /** A socket of `member` (made by `rest.createMember`) on one gateway, authenticated. */
  const connect = async (gateway: RunningGateway, member: string): Promise<WsTestClient> => {
    const client = await WsTestClient.connect(gateway.port, member, rest.tokenOf(member));
    clients.push(client);
    return client;
  };
  const numsub = async (channel: string): Promise<number> => {
    const reply = (await probe.pubsub('NUMSUB', channel)) as [string, number];
    return Number(reply[1]);
  };

  beforeAll(async () => {
    store = storeEnv('split_stack');
    const config = loadApiConfig({
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'silent',
      REDIS_URL: redisUrl,
      AUTH_JWT_KEYS,
      ...TEST_AUTH_ENV,
      // The counters would live in the shared Redis: see NO_RATE_LIMITS_ENV.
      ...NO_RATE_LIMITS_ENV,
      ...store.env,
    });
    api = await createApiService(config, logger);
    rest = RestClient.forPort(await api.start());
    // The publisher connects in the background; an event published before that would be lost.
    await eventually(() => api.bus.ready());
    [a, b] = await Promise.all([startGateway('a', redisUrl), startGateway('b', redisUrl)]);
    probe = new Redis(redisUrl);
  });

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
  });

  afterAll(async () => {
    probe?.disconnect();
    await Promise.all([a?.gateway.stop(), b?.gateway.stop()]);
    await api?.stop();
    await store?.drop();
  });

  it('uses the configured backends', () => {
    expect(api.db.kind).toBe(store.kind);
    expect(api.bus.constructor.name).toBe('RedisEventBus');
  });

  it('authenticates on both gateways the access token the api-service issued, and refuses one signed with another key', async () => {
    const alice = await rest.createMember();
    await connect(a, alice.id);
    await connect(b, alice.id);

    const otherKeys = loadApiConfig({
      AUTH_JWT_KEYS: `other:${randomBytes(32).toString('base64url')}`,
    });
    const forged = await tokenServiceFor(otherKeys, logger).signAccess(alice.id, 0);
    for (const { port } of [a, b]) {
      const refusal = await WsTestClient.refusal(port, alice.id, {
        headers: { authorization: `Bearer ${forged.token}` },
      });
      expect(refusal).toMatchObject({ status: 401, body: { error: { code: 'UNAUTHENTICATED' } } });
    }
  });

  describe('thread events', () => {
    it('delivers new_message, message_updated and message_deleted, as REST answered them, to a client on gateway A', async () => {
      const { owner, thread } = await rest.seedThread();
      const channel = threadChannel(thread.id);
      const alice = await rest.createMember();
      const socket = await connect(a, alice.id);
      await joinThread(rest, socket, alice.id, thread.id);

      const posted = await rest.postMessage(thread.id, owner.id, 'first draft');
      const created = await socket.waitFor(isNewMessage(posted.id));
      expect(created).toEqual(envelope('new_message', channel, { message: posted }));
      expect(DomainEvent.safeParse(created).success).toBe(true);

      const edited = Message.parse(
        await rest.expect(200, 'PUT', `/api/messages/${posted.id}`, { content: 'final' }, owner.id),
      );
      expect(edited).toMatchObject({ id: posted.id, content: 'final', is_edited: true });
      const updated = await socket.waitFor((f) => f.type === 'message_updated');
      expect(updated).toEqual(envelope('message_updated', channel, { message: edited }));

      await rest.expect(204, 'DELETE', `/api/messages/${posted.id}`, undefined, owner.id);
      const deleted = await socket.waitFor((f) => f.type === 'message_deleted');
      expect(deleted).toEqual(
        envelope('message_deleted', channel, { message_id: posted.id, thread_id: thread.id }),
      );

      expect(typesOn(socket, channel)).toEqual([
        'new_message',
        'message_updated',
        'message_deleted',
      ]);
      expect(new Set(socket.eventsOn(channel).map((e) => e.id)).size).toBe(3);
    });

    it('shows typing from a client on gateway A to a client on gateway B, never back to the sender', async () => {
      const { owner, thread } = await rest.seedThread();
      const channel = threadChannel(thread.id);
      const [aliceMember, bobMember] = [await rest.createMember(), await rest.createMember()];
      const alice = await connect(a, aliceMember.id);
      const bob = await connect(b, bobMember.id);
      await joinThread(rest, alice, aliceMember.id, thread.id);
      await joinThread(rest, bob, bobMember.id, thread.id);

      await alice.ack({ action: 'typing', thread_id: thread.id });
      const typing = await bob.waitFor((f) => f.type === 'typing');
      expect(typing).toEqual(
        envelope('typing', channel, { thread_id: thread.id, user_id: aliceMember.id }),
      );
      await alice.ack({ action: 'stop_typing', thread_id: thread.id });
      await bob.waitFor((f) => f.type === 'stop_typing');

      // Published after the typing pair on the same channel: once it is here, they would be too.
      const marker = await rest.postMessage(thread.id, owner.id, 'marker');
      await alice.waitFor(isNewMessage(marker.id));
      expect(typesOn(alice, channel)).toEqual(['new_message']);
      expect(typesOn(bob, channel)).toEqual(['typing', 'stop_typing', 'new_message']);
    });

    it('delivers nothing more of a thread after leave_thread', async () => {
      const { owner, community, thread } = await rest.seedThread();
      const other = await rest.createThread(community.id, owner.id);
      const alice = await rest.createMember();
      const socket = await connect(a, alice.id);
      await joinThread(rest, socket, alice.id, thread.id);
      await joinThread(rest, socket, alice.id, other.id);
      const before = await rest.postMessage(thread.id, owner.id, 'before');
      await socket.waitFor(isNewMessage(before.id));

      await socket.ack({ action: 'leave_thread', thread_id: thread.id });
      await rest.postMessage(thread.id, owner.id, 'after');
      await rest.postMessage(other.id, owner.id, 'marker');
      await socket.waitFor((f) => f.channel === threadChannel(other.id));

      expect(messageContentsOn(socket, threadChannel(thread.id))).toEqual([before.content]);
    });

    it('drops the Redis subscription of a thread once the last socket on every gateway is gone', async () => {
      const { thread } = await rest.seedThread();
      const channel = threadChannel(thread.id);
      const members = [await rest.createMember(), await rest.createMember()];
      const [m1, m2] = members.map((member) => member.id) as [string, string];
      const [a1, a2, b1] = [await connect(a, m1), await connect(a, m2), await connect(b, m1)];
      expect(await numsub(channel)).toBe(0);

      await joinThread(rest, a1, m1, thread.id);
      await joinThread(rest, a2, m2, thread.id);
      expect(await numsub(channel)).toBe(1);
      await joinThread(rest, b1, m1, thread.id);
      expect(await numsub(channel)).toBe(2);

      await a1.ack({ action: 'leave_thread', thread_id: thread.id });
      expect(await numsub(channel)).toBe(2);
      await a2.close();
      await eventually(async () => (await numsub(channel)) === 1);
      await b1.close();
      await eventually(async () => (await numsub(channel)) === 0);
    });
  });

  describe('community events', () => {
    it('delivers new_thread, member_joined and member_left to community subscribers on both gateways', async () => {
      const owner = await rest.createMember();
      const community = await rest.createCommunity(owner.id);
      const channel = communityChannel(community.id);
      const [aliceMember, bobMember] = [await rest.createMember(), await rest.createMember()];
      const alice = await connect(a, aliceMember.id);
      const bob = await connect(b, bobMember.id);
      await joinCommunity(rest, alice, aliceMember.id, community.id);
      await joinCommunity(rest, bob, bobMember.id, community.id);

      const thread = await rest.createThread(community.id, owner.id);
      const newcomer = await rest.createMember();
      const joined = await rest.join(community.id, newcomer.id);
      expect(joined.member_count).toBe(2);
      const left = await rest.leave(community.id, newcomer.id);
      expect(left.member_count).toBe(1);

      const membership = { community_id: community.id, member_id: newcomer.id };
      for (const client of [alice, bob]) {
        await client.waitFor((f) => f.type === 'member_left' && f.channel === channel);
        expect(client.eventsOn(channel)).toEqual([
          envelope('new_thread', channel, { thread }),
          envelope('member_joined', channel, { ...membership, member_count: 2 }),
          envelope('member_left', channel, { ...membership, member_count: 1 }),
        ]);
      }
    });

    it('delivers community_created and community_deleted to every socket via global:notifications', async () => {
      const owner = await rest.createMember();
      const [aliceMember, bobMember] = [await rest.createMember(), await rest.createMember()];
      const alice = await connect(a, aliceMember.id);
      const bob = await connect(b, bobMember.id);

      const community = await rest.createCommunity(owner.id);
      await rest.expect(204, 'DELETE', `/api/communities/${community.id}`, undefined, owner.id);

      for (const client of [alice, bob]) {
        const deleted = await client.waitFor(
          (f) =>
            f.type === 'community_deleted' &&
            (f.data as { community_id: string }).community_id === community.id,
        );
        expect(deleted).toEqual(
          envelope('community_deleted', GLOBAL_CHANNEL, { community_id: community.id }),
        );
        const created = client.frames.find(
          (f) =>
            f.type === 'community_created' &&
            (f.data as { community: { id: string } }).community.id === community.id,
        );
        expect(created).toEqual(envelope('community_created', GLOBAL_CHANNEL, { community }));
      }
    });
  });

  describe('exact revocation across processes', () => {
    exactRevocationScenarios(() => ({ rest, gatewayPorts: [a.port, b.port] }));
  });

  describe('access control across processes', () => {
    it('gives a non-member no grant for a private community and refuses their join, while a member receives its new_message on both gateways', async () => {
      const [member, outsider] = [await rest.createMember(), await rest.createMember()];
      const { owner, community, thread } = await rest.seedPrivateThread([member]);
      const channel = threadChannel(thread.id);
      // The outsider's marker: a public thread on the same socket.
      const { owner: publicOwner, thread: publicThread } = await rest.seedThread();

      const denied = await rest.call(
        'POST',
        '/api/realtime/grants',
        { channels: [channel] },
        outsider.id,
      );
      expect(denied.status).toBe(404);
      expect(denied.body).toMatchObject({ error: { code: 'THREAD_NOT_FOUND' } });
      const deniedCommunity = await rest.call(
        'POST',
        '/api/realtime/grants',
        { channels: [communityChannel(community.id)] },
        outsider.id,
      );
      expect(deniedCommunity.status).toBe(404);
      expect(deniedCommunity.body).toMatchObject({ error: { code: 'COMMUNITY_NOT_FOUND' } });

      // On gateway A, where a member's socket holds the thread's subscription.
      const memberOnA = await connect(a, member.id);
      const memberOnB = await connect(b, member.id);
      await joinThread(rest, memberOnA, member.id, thread.id);
      await joinThread(rest, memberOnB, member.id, thread.id);
      const intruder = await connect(a, outsider.id);
      expect(await intruder.request({ action: 'join_thread', thread_id: thread.id })).toMatchObject(
        { type: 'error', code: 'FORBIDDEN' },
      );
      // A grant is the member's own: the outsider cannot use it.
      const borrowed = await rest.grant(member.id, channel);
      expect(
        await intruder.request({ action: 'join_thread', thread_id: thread.id, grant: borrowed }),
      ).toMatchObject({ type: 'error', code: 'FORBIDDEN' });
      await joinThread(rest, intruder, outsider.id, publicThread.id);

      const secret = await rest.postMessage(thread.id, owner.id, 'members only');
      for (const socket of [memberOnA, memberOnB]) {
        expect(await socket.waitFor(isNewMessage(secret.id))).toEqual(
          envelope('new_message', channel, { message: secret }),
        );
      }
      const marker = await rest.postMessage(publicThread.id, publicOwner.id, 'marker');
      await intruder.waitFor(isNewMessage(marker.id));
      expect(intruder.eventsOn(channel)).toEqual([]);
    });

    it('ends the subscriptions of a member who leaves a private community on both gateways within 1 s, while a remaining member still receives the thread', async () => {
      const [leaver, stayer] = [await rest.createMember(), await rest.createMember()];
      const { owner, community, thread } = await rest.seedPrivateThread([leaver, stayer]);
      const channel = threadChannel(thread.id);
      const ofCommunity = communityChannel(community.id);
      // The leaver's marker: a public thread, which leaving the private community does not touch.
      const { owner: publicOwner, thread: publicThread } = await rest.seedThread();

      const leaverSockets = [await connect(a, leaver.id), await connect(b, leaver.id)];
      for (const socket of leaverSockets) {
        await joinThread(rest, socket, leaver.id, thread.id);
        await joinCommunity(rest, socket, leaver.id, community.id);
        await joinThread(rest, socket, leaver.id, publicThread.id);
      }
      // On gateway B, beside one of the leaver's sockets.
      const remaining = await connect(b, stayer.id);
      await joinThread(rest, remaining, stayer.id, thread.id);
      const before = await rest.postMessage(thread.id, owner.id, 'before');
      for (const socket of [...leaverSockets, remaining]) {
        await socket.waitFor(isNewMessage(before.id));
      }

      // The 1 s runs from before the REST call.
      const revoked = Promise.all(
        leaverSockets.flatMap((socket) => [
          socket.waitFor(isRevoked(channel), 1000),
          socket.waitFor(isRevoked(ofCommunity), 1000),
        ]),
      );
      revoked.catch(() => undefined); // awaited below; never an unhandled rejection if leave fails
      const left = await rest.leave(community.id, leaver.id);
      expect(left).toMatchObject({ is_member: false, changed: true });
      for (const frame of await revoked) {
        expect(SubscriptionRevokedFrame.parse(frame)).toEqual({
          type: 'subscription_revoked',
          channel: frame.channel,
          reason: 'left',
        });
      }

      const after = await rest.postMessage(thread.id, owner.id, 'after');
      expect(await remaining.waitFor(isNewMessage(after.id))).toEqual(
        envelope('new_message', channel, { message: after }),
      );
      const marker = await rest.postMessage(publicThread.id, publicOwner.id, 'marker');
      for (const socket of leaverSockets) {
        await socket.waitFor(isNewMessage(marker.id));
        expect(socket.isOpen).toBe(true);
        expect(messageContentsOn(socket, channel)).toEqual(['before']);
      }
      expect(messageContentsOn(remaining, channel)).toEqual(['before', 'after']);

      // Joining again needs a new grant, which the api-service no longer gives.
      const regrant = await rest.call(
        'POST',
        '/api/realtime/grants',
        { channels: [channel] },
        leaver.id,
      );
      expect(regrant.status).toBe(404);
    });

    it("closes every socket of a deactivated member with 4401 on both gateways, and no one else's", async () => {
      const [quitter, bystander] = [await rest.createMember(), await rest.createMember()];
      const { owner, thread } = await rest.seedThread();
      const quitterSockets = [await connect(a, quitter.id), await connect(b, quitter.id)];
      const other = await connect(a, bystander.id);
      await joinThread(rest, other, bystander.id, thread.id);

      await rest.expect(204, 'DELETE', `/api/members/${quitter.id}`, undefined, quitter.id);

      for (const socket of quitterSockets) {
        expect((await socket.waitForClose()).code).toBe(4401);
      }
      const message = await rest.postMessage(thread.id, owner.id, 'still here');
      await other.waitFor(isNewMessage(message.id));
      expect(other.isOpen).toBe(true);
      // The api-service refuses the token as well.
      const stale = await rest.call('GET', `/api/members/${quitter.id}`, undefined, quitter.id);
      expect(stale.status).toBe(401);
    });

    it("refuses a deactivated member's old token on a gateway started after the deactivation", async () => {
      const quitter = await rest.createMember();
      const token = rest.tokenOf(quitter.id);
      await rest.expect(204, 'DELETE', `/api/members/${quitter.id}`, undefined, quitter.id);
      // A replica that was not running then (a restart, a scale-up): it never heard the event.
      const late = await startGateway('late', redisUrl);
      try {
        const refusal = await WsTestClient.refusal(late.port, quitter.id, {
          headers: { authorization: `Bearer ${token}` },
        });
        expect(refusal.status).toBe(401);
        const viaFrame = await WsTestClient.open(late.port, quitter.id);
        clients.push(viaFrame);
        viaFrame.send({ action: 'authenticate', token });
        expect((await viaFrame.waitForClose()).code).toBe(4401);
      } finally {
        await late.gateway.stop();
      }
    });
  });

  describe('the spec example, on each gateway', () => {
    it.each(['a', 'b'])(
      'a plain WebSocket on gateway %s that logged in, authenticated and joined a thread with a grant receives new_message after a REST post',
      async (name) => {
        const { port } = name === 'a' ? a : b;
        const { owner, thread } = await rest.seedThread();
        const reader = await rest.createMember();
        const received: WsFrame[] = [];

        // As in the README: log in, ask for a grant, authenticate with the first frame.
        const post = async (path: string, body: unknown, token?: string): Promise<unknown> => {
          const response = await fetch(`${rest.baseUrl}${path}`, {
            method: 'POST',
            headers: {
              'content-type': 'application/json',
              ...(token && { authorization: `Bearer ${token}` }),
            },
            body: JSON.stringify(body),
          });
          expect(response.status).toBe(200);
          return response.json();
        };
        const login = TokenPair.parse(
          await post('/api/auth/login', { login: reader.username, password: TEST_PASSWORD }),
        );
        const { grants } = GrantResponse.parse(
          await post(
            '/api/realtime/grants',
            { channels: [threadChannel(thread.id)] },
            login.access_token,
          ),
        );

        const ws = new WebSocket(`ws://127.0.0.1:${port}/ws/${login.member_id}`);
        const closed = new Promise((resolve) => ws.once('close', resolve));
        ws.onopen = () => {
          ws.send(JSON.stringify({ action: 'authenticate', token: login.access_token }));
        };
        // `ws` hands a text frame to `onmessage` as a string.
        ws.onmessage = function (event) {
          const frame = JSON.parse(event.data as string) as WsFrame;
          received.push(frame);
          if (frame.type === 'connected') {
            ws.send(
              JSON.stringify({
                action: 'join_thread',
                thread_id: thread.id,
                grant: grants[0]!.grant,
              }),
            );
          }
        };
        try {
          await eventually(() =>
            received.some((f) => f.type === 'ack' && f.action === 'join_thread'),
          );

          const message = await rest.postMessage(thread.id, owner.id, `hello from ${name}`);
          await eventually(() => received.some((f) => f.type === 'new_message'));
          expect(received.find((f) => f.type === 'new_message')).toEqual(
            envelope('new_message', threadChannel(thread.id), { message }),
          );
          expect(received.slice(0, 2)).toEqual([
            { type: 'ack', action: 'authenticate' },
            { type: 'connected', user_id: reader.id },
          ]);
        } finally {
          ws.close();
          await closed;
        }
      },
    );
  });
});
