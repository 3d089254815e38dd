import {
  AckFrame,
  ClientAction,
  Community,
  ConnectedFrame,
  DomainEvent,
  ErrorFrame,
  type EventType,
  Message,
  Thread,
} from '@communities/contracts';
import { z } from 'zod';

type ChannelKind = 'community' | 'thread' | 'global';

/** Where each event travels (mirrors `channelFor`); a new event type fails to compile here. */
const EVENT_CHANNEL: Record<EventType, ChannelKind> = {
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
};

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
  for (const option of DomainEvent.options) {
    const type = option.shape.type.value;
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
  const types = (Object.keys(EVENT_CHANNEL) as EventType[]).filter(
    (t) => EVENT_CHANNEL[t] === kind,
  );
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
    messages: [ref('#/channels/socket/messages/connected_frame')],
  };
  const channels: Json = {
    socket: {
      address: '/ws/{user_id}',
      description:
        'One WebSocket per client; JSON text frames only. Events of joined channels arrive here.',
      parameters: {
        user_id: { description: 'the connecting user; authoritative for typing events' },
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
      description:
        'WebSocket protocol of the realtime-gateway: join channels, receive domain events.',
    },
    defaultContentType: 'application/json',
    channels,
    operations,
    components: { schemas, messages },
  };
}
