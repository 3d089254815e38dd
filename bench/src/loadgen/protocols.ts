import { RedisEventBus } from '@communities/broker';
import { Emitter } from '@socket.io/redis-emitter';
import { Redis } from 'ioredis';
import { accessToken, benchMemberId, grantFor } from './auth';
import { type BenchEvent } from './event-payload';
import { type TextHandler, WsClient, type WsConnectOptions } from './ws-client';

export type ServerKind = 'ours' | 'socketio' | 'ws';
export const SERVER_KINDS: readonly ServerKind[] = ['ours', 'socketio', 'ws'];

export const SERVER_LABELS: Record<ServerKind, string> = {
  ours: 'ours (realtime-gateway + Redis)',
  socketio: 'Socket.IO 4 + redis-adapter',
  ws: 'raw ws floor (no Redis)',
};

export interface Publisher {
  /** Hands one event to the server's ingest path; resolves (with anything) when it was written. */
  publish(event: BenchEvent): Promise<unknown> | void;
  close(): Promise<void>;
}

/** How the load generator speaks to one kind of server. The transport is the same `WsClient`. */
export interface Protocol {
  kind: ServerKind;
  /** Connects one client and, with a channel, joins it; resolves once the join is acknowledged. */
  open(port: number, user: number, channel: string | undefined): Promise<WsClient>;
  /** The steady-state frame handler: `sink` gets events; protocol chatter is answered here. */
  steady(sink: TextHandler): TextHandler;
  publisher(port: number, redisUrl: string): Promise<Publisher>;
}

const silentBusLogger = {
  debug: () => {},
  info: () => {},
  warn: (obj: object, msg: string) => console.error(`[publisher] ${msg}`, obj),
  error: (obj: object, msg: string) => console.error(`[publisher] ${msg}`, obj),
};

/**
 * Our gateway and the raw floor speak the same JSON actions: `connected`, then join → ack. Ours
 * also wants the socket authenticated and a `grant` in the join (`grant` given); the floor has
 * neither.
 */
async function openJson(
  target: WsConnectOptions,
  channel: string | undefined,
  grant?: (channel: string) => Promise<string>,
) {
  const client = await WsClient.connect(target);
  try {
    await client.nextText((text) => text.includes('"type":"connected"'));
    if (channel) {
      const threadId = channel.slice('thread:'.length);
      const join = { action: 'join_thread', thread_id: threadId, ref: 'j' };
      client.sendText(JSON.stringify(grant ? { ...join, grant: await grant(channel) } : join));
      const reply = await client.nextText((text) => text.includes('"ref":"j"'));
      if (!reply.includes('"type":"ack"')) throw new Error(`join refused: ${reply}`);
    }
    return client;
  } catch (error) {
    client.destroy();
    throw error;
  }
}

const ours: Protocol = {
  kind: 'ours',
  /**
   * As a logged-in member: the access token in the upgrade request's `Authorization` header (no
   * extra round trip), then a join with a grant. Both are minted here over the servers' key (see
   * `auth.ts`), fresh for every socket, so a re-opened one never carries an expired grant.
   */
  async open(port, user, channel) {
    const memberId = benchMemberId(user);
    const token = await accessToken(memberId);
    return openJson(
      { port, path: `/ws/${memberId}`, headers: { authorization: `Bearer ${token}` } },
      channel,
      (joined) => grantFor(memberId, joined),
    );
  },
  steady: (sink) => sink,
  /** The api-service's own publish path: `RedisEventBus.publish` (JSON.stringify + PUBLISH). */
  async publisher(_port, redisUrl) {
    const bus = new RedisEventBus({
      url: redisUrl,
      logger: silentBusLogger,
      connectionName: 'bench-publisher',
    });
    for (let i = 0; !bus.ready(); i += 1) {
      if (i > 100) throw new Error('publisher: Redis not ready');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return { publish: (event) => bus.publish(event), close: () => bus.close() };
  },
};

const rawWs: Protocol = {
  kind: 'ws',
  open: (port, user, channel) => openJson({ port, path: `/ws/u${user}` }, channel),
  steady: (sink) => sink,
  /** No broker: one control socket; each binary frame is `channel \n payload`. */
  async publisher(port) {
    const control = await WsClient.connect({ port, path: '/publish' });
    return {
      publish: (event) =>
        control.sendBinary(Buffer.from(`${event.channel}\n${JSON.stringify(event)}`)),
      close: () => {
        control.destroy();
        return Promise.resolve();
      },
    };
  },
};

const PING = 0x32; // '2': Engine.IO ping; the answer is '3'

const socketIo: Protocol = {
  kind: 'socketio',
  /** Engine.IO 4 over WebSocket only (no polling): open `0{…}`, connect `40`, join with an ack. */
  async open(port, _user, channel) {
    const client = await WsClient.connect({
      port,
      path: '/socket.io/?EIO=4&transport=websocket',
    });
    try {
      await client.nextText((text) => text.startsWith('0'));
      client.sendText('40');
      await client.nextText((text) => text.startsWith('40'));
      if (channel) {
        client.sendText(`420${JSON.stringify(['join', channel])}`);
        await client.nextText((text) => text.startsWith('430'));
      }
      return client;
    } catch (error) {
      client.destroy();
      throw error;
    }
  },
  steady: (sink) => (client, buf, start, end, now) => {
    if (end - start === 1 && buf[start] === PING) client.sendText('3');
    else sink(client, buf, start, end, now);
  },
  /** What a Socket.IO deployment publishes from another process with: `@socket.io/redis-emitter`. */
  async publisher(_port, redisUrl) {
    const redis = new Redis(redisUrl, { connectionName: 'bench-publisher' });
    await new Promise<void>((resolve, reject) => {
      redis.once('ready', resolve);
      redis.once('error', reject);
    });
    const emitter = new Emitter(redis);
    return {
      publish: (event) => {
        emitter.to(event.channel).emit('event', event);
      },
      close: async () => {
        await redis.quit();
      },
    };
  },
};

export const PROTOCOLS: Record<ServerKind, Protocol> = { ours, socketio: socketIo, ws: rawWs };
