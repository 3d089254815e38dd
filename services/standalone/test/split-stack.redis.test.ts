import { createApiService, loadApiConfig, type ApiService } from '@communities/api-service';
import { createEventBus } from '@communities/broker';
import {
  DomainEvent,
  GLOBAL_CHANNEL,
  Message,
  MembershipResult,
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
import { RestClient } from './support/rest-client';

const logger = pino({ level: 'silent' });

interface RunningGateway {
  name: string;
  gateway: Gateway;
  port: number;
}

/** A gateway as its own process would run it: its own bus (own Redis connections), port 0. */
async function startGateway(name: string, redisUrl: string): Promise<RunningGateway> {
  const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent' });
  const bus = createEventBus({ redisUrl, logger, connectionName: `test-gateway-${name}` });
  const gateway = createGateway({ config, logger, bus });
  const port = await gateway.start();
  await eventually(() => gateway.ready());
  return { name, gateway, port };
}

/** The envelope every delivered event carries, with `data` as the REST call implies. */
function envelope(type: string, channel: string, data: unknown) {
  return {
    id: expect.any(String),
    type,
    channel,
    occurred_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
    data,
  };
}

const typesOn = (client: WsTestClient, channel: string): unknown[] =>
  client.eventsOn(channel).map((event) => event.type);

/**
 * The production topology in one test process: one api-service (REST, publish-only on Redis) and
 * two realtime gateways, each with its own Redis connections, talking only through Redis. Every
 * event here is caused by a real REST call and observed by a real WebSocket client. "Nothing
 * arrives" is proven by a later marker event on the same socket, never by waiting.
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

  const connect = async (gateway: RunningGateway, userId: string): Promise<WsTestClient> => {
    const client = await WsTestClient.connect(gateway.port, userId);
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

  describe('thread events', () => {
    it('delivers new_message, message_updated and message_deleted, as REST answered them, to a client on gateway A', async () => {
      const { owner, thread } = await rest.seedThread();
      const channel = threadChannel(thread.id);
      const alice = await connect(a, 'alice');
      await alice.ack({ action: 'join_thread', thread_id: thread.id });

      const posted = await rest.postMessage(thread.id, owner.id, 'first draft');
      const created = await alice.waitFor(
        (f) =>
          f.type === 'new_message' && (f.data as { message: Message }).message.id === posted.id,
      );
      expect(created).toEqual(envelope('new_message', channel, { message: posted }));
      expect(DomainEvent.safeParse(created).success).toBe(true);

      const edited = Message.parse(
        await rest.expect(200, 'PUT', `/api/messages/${posted.id}`, { content: 'final' }),
      );
      expect(edited).toMatchObject({ id: posted.id, content: 'final', is_edited: true });
      const updated = await alice.waitFor((f) => f.type === 'message_updated');
      expect(updated).toEqual(envelope('message_updated', channel, { message: edited }));

      await rest.expect(204, 'DELETE', `/api/messages/${posted.id}`);
      const deleted = await alice.waitFor((f) => f.type === 'message_deleted');
      expect(deleted).toEqual(
        envelope('message_deleted', channel, { message_id: posted.id, thread_id: thread.id }),
      );

      expect(typesOn(alice, channel)).toEqual([
        'new_message',
        'message_updated',
        'message_deleted',
      ]);
      expect(new Set(alice.eventsOn(channel).map((e) => e.id)).size).toBe(3);
    });

    it('shows typing from a client on gateway A to a client on gateway B, never back to the sender', async () => {
      const { owner, thread } = await rest.seedThread();
      const channel = threadChannel(thread.id);
      const alice = await connect(a, 'alice');
      const bob = await connect(b, 'bob');
      await alice.ack({ action: 'join_thread', thread_id: thread.id });
      await bob.ack({ action: 'join_thread', thread_id: thread.id });

      await alice.ack({ action: 'typing', thread_id: thread.id });
      const typing = await bob.waitFor((f) => f.type === 'typing');
      expect(typing).toEqual(
        envelope('typing', channel, { thread_id: thread.id, user_id: 'alice' }),
      );
      await alice.ack({ action: 'stop_typing', thread_id: thread.id });
      await bob.waitFor((f) => f.type === 'stop_typing');

      // Published after the typing pair on the same channel: once it is here, they would be too.
      const marker = await rest.postMessage(thread.id, owner.id, 'marker');
      await alice.waitFor(
        (f) =>
          f.type === 'new_message' && (f.data as { message: Message }).message.id === marker.id,
      );
      expect(typesOn(alice, channel)).toEqual(['new_message']);
      expect(typesOn(bob, channel)).toEqual(['typing', 'stop_typing', 'new_message']);
    });

    it('delivers nothing more of a thread after leave_thread', async () => {
      const { owner, community, thread } = await rest.seedThread();
      const other = await rest.createThread(community.id, owner.id);
      const alice = await connect(a, 'alice');
      await alice.ack({ action: 'join_thread', thread_id: thread.id });
      await alice.ack({ action: 'join_thread', thread_id: other.id });
      const before = await rest.postMessage(thread.id, owner.id, 'before');
      await alice.waitFor(
        (f) => f.type === 'new_message' && f.channel === threadChannel(thread.id),
      );

      await alice.ack({ action: 'leave_thread', thread_id: thread.id });
      await rest.postMessage(thread.id, owner.id, 'after');
      await rest.postMessage(other.id, owner.id, 'marker');
      await alice.waitFor((f) => f.channel === threadChannel(other.id));

      const seen = alice.eventsOn(threadChannel(thread.id));
      expect(seen.map((e) => (e.data as { message: Message }).message.content)).toEqual([
        before.content,
      ]);
    });

    it('drops the Redis subscription of a thread once the last socket on every gateway is gone', async () => {
      const { thread } = await rest.seedThread();
      const channel = threadChannel(thread.id);
      const [a1, a2, b1] = [await connect(a, 'a1'), await connect(a, 'a2'), await connect(b, 'b1')];
      expect(await numsub(channel)).toBe(0);

      await a1.ack({ action: 'join_thread', thread_id: thread.id });
      await a2.ack({ action: 'join_thread', thread_id: thread.id });
      expect(await numsub(channel)).toBe(1);
      await b1.ack({ action: 'join_thread', thread_id: thread.id });
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
      const alice = await connect(a, 'alice');
      const bob = await connect(b, 'bob');
      await alice.ack({ action: 'join_community', community_id: community.id });
      await bob.ack({ action: 'join_community', community_id: community.id });

      const thread = await rest.createThread(community.id, owner.id);
      const newcomer = await rest.createMember();
      const joined = MembershipResult.parse(
        await rest.expect(200, 'POST', `/api/communities/${community.id}/join`, {
          member_id: newcomer.id,
        }),
      );
      expect(joined.member_count).toBe(2);
      const left = MembershipResult.parse(
        await rest.expect(200, 'POST', `/api/communities/${community.id}/leave`, {
          member_id: newcomer.id,
        }),
      );
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
      const alice = await connect(a, 'alice');
      const bob = await connect(b, 'bob');

      const community = await rest.createCommunity(owner.id);
      await rest.expect(204, 'DELETE', `/api/communities/${community.id}`);

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

  describe('the spec example, on each gateway', () => {
    it.each(['a', 'b'])(
      'a plain WebSocket on gateway %s that joined a thread receives new_message after a REST post',
      async (name) => {
        const { port } = name === 'a' ? a : b;
        const { owner, thread } = await rest.seedThread();
        const received: WsFrame[] = [];

        const ws = new WebSocket(`ws://127.0.0.1:${port}/ws/spec-user-${name}`);
        const closed = new Promise((resolve) => ws.once('close', resolve));
        // As in the spec; `ws` hands a text frame to `onmessage` as a string.
        ws.onmessage = function (event) {
          received.push(JSON.parse(event.data as string) as WsFrame);
        };
        try {
          await new Promise((resolve, reject) => {
            ws.onopen = resolve;
            ws.onerror = reject;
          });
          ws.send(JSON.stringify({ action: 'join_thread', thread_id: thread.id }));
          await eventually(() =>
            received.some((f) => f.type === 'ack' && f.action === 'join_thread'),
          );

          const message = await rest.postMessage(thread.id, owner.id, `hello from ${name}`);
          await eventually(() => received.some((f) => f.type === 'new_message'));
          expect(received.find((f) => f.type === 'new_message')).toEqual(
            envelope('new_message', threadChannel(thread.id), { message }),
          );
          expect(received[0]).toEqual({ type: 'connected', user_id: `spec-user-${name}` });
        } finally {
          ws.close();
          await closed;
        }
      },
    );
  });
});
