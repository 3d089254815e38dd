import {
  AckFrame,
  ClientAction,
  Community,
  ConnectedFrame,
  DomainEvent,
  ErrorFrame,
  type EventType,
  Message,
  ReconnectFrame,
  ResyncRequiredFrame,
  SubscriptionRevokedFrame,
  Thread,
} from '@communities/contracts';
import { z } from 'zod';

type ChannelKind = 'community' | 'thread' | 'global';

/**
 * Where each event travels (mirrors `channelFor`); a new event type fails to compile here. `null`:
 * internal to the backend (the gateway consumes it, no client ever receives it).
 */
const EVENT_CHANNEL: Record<EventType, ChannelKind | null> = {
  member_joined: 'community',
  member_left: 'community',
  new_thread: 'community',
  thread_updated: 'community',
  thread_deleted: 'community',
  community_updated: 'community',
  new_message: 'thread',
  message_updated: 'thread',
  message_deleted: 'thread',
  typing: 'thread',
  stop_typing: 'thread',
  community_created: 'global',
  community_deleted: 'global',
  access_revoked: null,
};

/** Events a client can receive. */
export const CLIENT_EVENT_TYPES = (Object.keys(EVENT_CHANNEL) as EventType[]).filter(
  (type) => EVENT_CHANNEL[type] !== null,
);

const SECURITY_DESCRIPTION =
  'Every socket is authenticated with an access token from POST /api/auth/login, in this order ' +
  'of preference: `Authorization: Bearer <token>` on the upgrade request; else the first frame ' +
  '`{"action":"authenticate","token":"…"}` (browsers), sent within WS_AUTH_TIMEOUT_MS; else ' +
  '`?token=<token>` (a fallback: proxies and access logs may record query strings). The token ' +
  "`sub` must equal the path's user_id. At the upgrade a bad token is refused with HTTP 401, " +
  "another user's token with 403, a foreign Origin with 403; after an `authenticate` frame the " +
  'socket closes with 4401 (invalid, expired or revoked token, any other first frame, or no ' +
  'frame in time) or 4403 (another user). Joining a community or thread needs a `grant` from ' +
  'POST /api/realtime/grants for exactly that channel. A socket is closed with 4401 when its ' +
  "member's sessions are revoked; a subscription ends with `subscription_revoked` when access to " +
  'it is. Client actions are rate limited per member, all their sockets on a gateway together ' +
  '(WS_RATE_LIMIT_ACTIONS): RATE_LIMITED. A member may hold WS_MAX_SOCKETS_PER_MEMBER sockets ' +
  'per gateway; one more is closed with 4429 once authenticated.';

const CLOSE_CODES_DESCRIPTION =
  'Close codes: 1008 too many frames in flight; 1009 frame too big; 1012 the gateway is ' +
  "draining (sent at the `reconnect` frame's after_ms): reconnect and resume; 1013 slow consumer " +
  '(more than WS_MAX_BUFFERED_BYTES unsent): reconnect and resume, nothing durable is lost; 4401 ' +
  'authenticate (again), then reconnect; 4403 the token may not open this path; 4429 the member ' +
  'already holds WS_MAX_SOCKETS_PER_MEMBER sockets on this gateway: close one first (sent once ' +
  'authenticated, instead of `connected`).';

const DELIVERY_DESCRIPTION =
  'Durable events carry `seq` (per channel, +1 per event, no gaps) and `epoch` (changes when the ' +
  "channel's history is reset); typing events carry neither. A join's ack carries the socket's " +
  'position (`seq`, `epoch`); every event after the ack has a greater seq. A join with `last_seq` ' +
  '(and `epoch`) first receives every event after last_seq, in order and once, then its ack, ' +
  'then live events; or, when the history no longer covers the gap or the epoch differs, one ' +
  '`resync_required` frame instead of the replay (refetch over REST, e.g. GET ' +
  '/api/messages/thread/{id}?after_seq=…). On shutdown every socket receives `reconnect` with ' +
  'a random after_ms within WS_DRAIN_WINDOW_MS and is closed with 1012 at that delay.';

const JOIN_DESCRIPTION =
  'Needs a `grant` for exactly this channel. With `last_seq` (and the `epoch` of that event) the ' +
  'missed events are replayed before the ack, or `resync_required` is sent; the ack carries the ' +
  "socket's position in the channel (`seq`, and `epoch` once the channel has a history).";

type Json = Record<string, unknown>;
const ref = ($ref: string): Json => ({ $ref });

/** Every payload schema, converted in one pass so shared entities become `components.schemas`. */
function buildSchemas(): { schemas: Record<string, Json>; messages: Record<string, Json> } {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of [
    ['Thread', Thread],
    ['Message', Message],
    ['Community', Community],
  ] as const) {
    registry.add(schema, { id });
  }
  const messages: Record<string, Json> = {};
  const addMessage = (key: string, schema: z.ZodType, summary: string): void => {
    registry.add(schema, { id: key });
    messages[key] = { name: key, summary, payload: ref(`#/components/schemas/${key}`) };
  };
  for (const option of ClientAction.options) {
    const action = option.shape.action.value;
    addMessage(`${action}_action`, option, `client action "${action}"`);
  }
  addMessage('connected_frame', ConnectedFrame, 'sent once when the socket opens');
  addMessage('ack_frame', AckFrame, 'the action succeeded');
  addMessage('error_frame', ErrorFrame, 'the action failed; the connection stays open');
  addMessage(
    'subscription_revoked_frame',
    SubscriptionRevokedFrame,
    'the gateway ended a subscription because access to the channel was revoked',
  );
  addMessage(
    'resync_required_frame',
    ResyncRequiredFrame,
    'a join with last_seq could not be replayed (history truncated or epoch changed): refetch over REST',
  );
  addMessage(
    'reconnect_frame',
    ReconnectFrame,
    'the gateway is draining: reconnect after after_ms and resume; closed with 1012 then',
  );
  for (const option of DomainEvent.options) {
    const type = option.shape.type.value;
    if (EVENT_CHANNEL[type] === null) continue;
    addMessage(
      `${type}_event`,
      option,
      `domain event "${type}", delivered as the event JSON itself`,
    );
  }
  const converted = z.toJSONSchema(registry, {
    metadata: registry,
    target: 'draft-07',
    io: 'input',
    unrepresentable: 'any',
    uri: (id) => `#/components/schemas/${id}`,
    // `metadata: registry` keeps ids local; descriptions still come from the contracts.
    override: ({ zodSchema, jsonSchema }) => {
      const description = z.globalRegistry.get(zodSchema)?.description;
      if (description && jsonSchema.description === undefined) jsonSchema.description = description;
    },
  });
  const schemas: Record<string, Json> = {};
  for (const [id, schema] of Object.entries(converted.schemas)) {
    const { $schema: _schema, $id: _id, ...rest } = schema as Json;
    schemas[id] = rest;
  }
  return { schemas, messages };
}

function eventChannel(kind: ChannelKind, address: string, description: string): Json {
  const types = CLIENT_EVENT_TYPES.filter((t) => EVENT_CHANNEL[t] === kind);
  const id = kind === 'global' ? undefined : `${kind}_id`;
  return {
    address,
    description,
    ...(id && { parameters: { [id]: { description: `24-character lowercase hex ${kind} id` } } }),
    messages: Object.fromEntries(
      types.map((t) => [`${t}_event`, ref(`#/components/messages/${t}_event`)]),
    ),
  };
}

/**
 * The gateway's protocol as an AsyncAPI 3.0 document, generated from the contracts' zod schemas.
 * From the gateway's point of view: client actions are `receive` operations (each with an ack or
 * error reply), frames and events are `send` operations.
 */
export function buildAsyncApiDocument(version: string): Json {
  const { schemas, messages } = buildSchemas();
  const socketMessages = Object.fromEntries(
    Object.keys(messages)
      .filter((key) => !key.endsWith('_event'))
      .map((key) => [key, ref(`#/components/messages/${key}`)]),
  );
  const operations: Json = {};
  for (const option of ClientAction.options) {
    const action = option.shape.action.value;
    operations[action] = {
      action: 'receive',
      channel: ref('#/channels/socket'),
      ...(action === 'authenticate' && {
        description:
          'The first frame of a socket whose upgrade carried no token. Answered with an ack, then ' +
          'the connected frame; a refused token closes the socket (4401, or 4403 for a token of ' +
          'another user) instead of an error frame.',
      }),
      ...(action.startsWith('join_') && { description: JOIN_DESCRIPTION }),
      messages: [ref(`#/channels/socket/messages/${action}_action`)],
      reply: {
        channel: ref('#/channels/socket'),
        messages: [
          ref('#/channels/socket/messages/ack_frame'),
          ref('#/channels/socket/messages/error_frame'),
        ],
      },
    };
  }
  operations.send_connected = {
    action: 'send',
    channel: ref('#/channels/socket'),
    description: 'sent once the socket is authenticated, after joining global:notifications',
    messages: [ref('#/channels/socket/messages/connected_frame')],
  };
  operations.send_subscription_revoked = {
    action: 'send',
    channel: ref('#/channels/socket'),
    messages: [ref('#/channels/socket/messages/subscription_revoked_frame')],
  };
  operations.send_resync_required = {
    action: 'send',
    channel: ref('#/channels/socket'),
    description: 'instead of the replay of a join with last_seq, before its ack',
    messages: [ref('#/channels/socket/messages/resync_required_frame')],
  };
  operations.send_reconnect = {
    action: 'send',
    channel: ref('#/channels/socket'),
    description: 'once per socket when the gateway starts draining (SIGTERM)',
    messages: [ref('#/channels/socket/messages/reconnect_frame')],
  };
  const channels: Json = {
    socket: {
      address: '/ws/{user_id}',
      description:
        'One WebSocket per client; JSON text frames only. Events of joined channels arrive here. ' +
        CLOSE_CODES_DESCRIPTION,
      parameters: {
        user_id: {
          description: "the connecting member's id; must equal the access token's `sub`",
        },
      },
      bindings: {
        ws: {
          method: 'GET',
          headers: {
            type: 'object',
            properties: {
              Authorization: { type: 'string', description: '`Bearer <access token>`' },
              Origin: {
                type: 'string',
                description: "browsers: the gateway's own origin or one of CORS_ORIGINS",
              },
            },
          },
          query: {
            type: 'object',
            properties: {
              token: {
                type: 'string',
                description:
                  'access token, when neither the header nor the first frame can be used',
              },
            },
          },
          bindingVersion: '0.1.0',
        },
      },
      messages: socketMessages,
    },
    community: eventChannel(
      'community',
      'community:{community_id}',
      'events of a joined community',
    ),
    thread: eventChannel('thread', 'thread:{thread_id}', 'events of a joined thread'),
    global: eventChannel('global', 'global:notifications', 'every socket receives these'),
  };
  for (const kind of ['community', 'thread', 'global'] as const) {
    const channelMessages = (channels[kind] as { messages: Json }).messages;
    operations[`send_${kind}_events`] = {
      action: 'send',
      channel: ref(`#/channels/${kind}`),
      messages: Object.keys(channelMessages).map((key) =>
        ref(`#/channels/${kind}/messages/${key}`),
      ),
    };
  }
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'Communities realtime gateway',
      version,
      description: `WebSocket protocol of the realtime-gateway: authenticate, join channels with grants, receive domain events, resume after a reconnect. ${SECURITY_DESCRIPTION} ${DELIVERY_DESCRIPTION}`,
    },
    servers: {
      gateway: {
        host: 'localhost:5002',
        protocol: 'ws',
        description: 'a realtime-gateway on its own (the standalone serves it on :5001)',
        security: [
          ref('#/components/securitySchemes/bearer'),
          ref('#/components/securitySchemes/queryToken'),
        ],
      },
    },
    defaultContentType: 'application/json',
    channels,
    operations,
    components: {
      schemas,
      messages,
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description:
            'access token from POST /api/auth/login, as `Authorization: Bearer` on the upgrade ' +
            'request or in the `authenticate` first frame',
        },
        queryToken: {
          type: 'httpApiKey',
          name: 'token',
          in: 'query',
          description:
            'browser fallback: the access token as ?token=; may be recorded by proxies and logs',
        },
      },
    },
  };
}
