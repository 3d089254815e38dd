import {
  CreateMessageBody,
  CreateMessageHeaders,
  IdParams,
  Message,
  MessageListQuery,
  MessageSearchQuery,
  RepliesParams,
  ThreadIdParams,
  ThreadMessagesQuery,
  UpdateMessageBody,
  pageOf,
} from '@communities/contracts';
import { z } from 'zod';
import { markReplay } from '../../http/metrics';
import { reply, route, type RouteSpec } from '../../http/route';
import type { MessageService } from './message.service';

/** Marks the answer to a retried post: the message posted by the first attempt. */
const ReplayHeaders = z.object({
  'Idempotent-Replayed': z
    .literal('true')
    .describe('this is a retry: the message was posted by an earlier request with the same key'),
});

export function messageRoutes(messages: MessageService): RouteSpec[] {
  const tag = 'Messages';
  return [
    // Declared before `/messages/:id` so that "search" is never read as an id.
    route({
      method: 'get',
      path: '/messages/search',
      auth: 'optional',
      tag,
      summary: 'Search messages by content',
      description: 'Case-insensitive substring match; optionally within one thread. Newest first.',
      query: MessageSearchQuery,
      response: { status: 200, schema: pageOf(Message), description: 'a page of matches' },
      errors: ['INVALID_CURSOR'],
      handle: ({ query, actor }) => messages.search(query.q, query.thread_id, actor, query),
    }),
    route({
      method: 'get',
      path: '/messages/thread/:thread_id',
      auth: 'optional',
      tag,
      summary: 'List the messages of a thread',
      description:
        'Chronological order, oldest first. With `after_seq`: only the messages whose `seq` is ' +
        'greater, in `seq` order (to catch up after missing live events).',
      params: ThreadIdParams,
      query: ThreadMessagesQuery,
      response: { status: 200, schema: pageOf(Message), description: 'a page of messages' },
      errors: ['THREAD_NOT_FOUND', 'INVALID_CURSOR'],
      handle: ({ params, query, actor }) => messages.listOfThread(params.thread_id, actor, query),
    }),
    route({
      method: 'post',
      path: '/messages/thread/:thread_id',
      auth: 'required',
      tag,
      summary: 'Post a message in a thread',
      description:
        'Idempotent with a key (`client_msg_id` in the body or the `Idempotency-Key` header): ' +
        'a retry by the same author with the same key and request gets the message already ' +
        'posted, with 200 and `Idempotent-Replayed: true`, and nothing is published again; the ' +
        'same key with another thread or content is refused with 409.',
      params: ThreadIdParams,
      headers: CreateMessageHeaders,
      body: CreateMessageBody,
      response: {
        status: 201,
        schema: Message,
        description: 'the new message',
        alternatives: [
          {
            status: 200,
            description: 'a retry: the message already posted with this idempotency key',
            headers: ReplayHeaders,
          },
        ],
      },
      errors: [
        'THREAD_NOT_FOUND',
        'MEMBER_INACTIVE',
        'INVALID_REPLY_TARGET',
        'UNAUTHENTICATED',
        'FORBIDDEN',
        'RATE_LIMITED',
        'IDEMPOTENCY_KEY_REUSED',
        'SERVICE_UNAVAILABLE',
      ],
      handle: async ({ params, headers, body, actor, req }) => {
        const { message, replayed, replayedBy } = await messages.create(
          params.thread_id,
          actor,
          body,
          headers['idempotency-key'],
        );
        if (!replayed) return message;
        if (replayedBy) markReplay(req, replayedBy);
        return reply(message, { status: 200, headers: { 'Idempotent-Replayed': 'true' } });
      },
    }),
    route({
      method: 'get',
      path: '/messages/thread/:thread_id/replies/:message_id',
      auth: 'optional',
      tag,
      summary: 'List the replies to a message',
      description: 'Messages of the thread whose `reply_to` is the message, oldest first.',
      params: RepliesParams,
      query: MessageListQuery,
      response: { status: 200, schema: pageOf(Message), description: 'a page of replies' },
      errors: ['THREAD_NOT_FOUND', 'MESSAGE_NOT_FOUND', 'INVALID_CURSOR'],
      handle: ({ params, query, actor }) =>
        messages.replies(params.thread_id, params.message_id, actor, query),
    }),
    route({
      method: 'get',
      path: '/messages/:id',
      auth: 'optional',
      tag,
      summary: 'Get a message',
      params: IdParams,
      response: { status: 200, schema: Message, description: 'the message' },
      errors: ['MESSAGE_NOT_FOUND'],
      handle: ({ params, actor }) => messages.get(params.id, actor),
    }),
    route({
      method: 'put',
      path: '/messages/:id',
      auth: 'required',
      tag,
      summary: 'Edit a message',
      description: 'Sets `is_edited` and `edited_at`.',
      params: IdParams,
      body: UpdateMessageBody,
      response: { status: 200, schema: Message, description: 'the edited message' },
      errors: ['MESSAGE_NOT_FOUND', 'UNAUTHENTICATED', 'FORBIDDEN', 'RATE_LIMITED'],
      handle: ({ params, body, actor }) => messages.update(params.id, actor, body),
    }),
    route({
      method: 'delete',
      path: '/messages/:id',
      auth: 'required',
      tag,
      summary: 'Delete a message',
      params: IdParams,
      response: { status: 204, description: 'deleted' },
      errors: ['MESSAGE_NOT_FOUND', 'UNAUTHENTICATED', 'FORBIDDEN', 'RATE_LIMITED'],
      handle: ({ params, actor }) => messages.delete(params.id, actor),
    }),
  ];
}
