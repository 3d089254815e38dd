import {
  CreateMessageBody,
  IdParams,
  Message,
  MessageListQuery,
  MessageSearchQuery,
  RepliesParams,
  ThreadIdParams,
  UpdateMessageBody,
  pageOf,
} from '@communities/contracts';
import { route, type RouteSpec } from '../../http/route';
import type { MessageService } from './message.service';

export function messageRoutes(messages: MessageService): RouteSpec[] {
  const tag = 'Messages';
  return [
    // Declared before `/messages/:id` so that "search" is never read as an id.
    route({
      method: 'get',
      path: '/messages/search',
      tag,
      summary: 'Search messages by content',
      description: 'Case-insensitive substring match; optionally within one thread. Newest first.',
      query: MessageSearchQuery,
      response: { status: 200, schema: pageOf(Message), description: 'a page of matches' },
      errors: ['INVALID_CURSOR'],
      handle: ({ query }) => messages.search(query.q, query.thread_id, query),
    }),
    route({
      method: 'get',
      path: '/messages/thread/:thread_id',
      tag,
      summary: 'List the messages of a thread',
      description: 'Chronological order, oldest first.',
      params: ThreadIdParams,
      query: MessageListQuery,
      response: { status: 200, schema: pageOf(Message), description: 'a page of messages' },
      errors: ['THREAD_NOT_FOUND', 'INVALID_CURSOR'],
      handle: ({ params, query }) => messages.listOfThread(params.thread_id, query),
    }),
    route({
      method: 'post',
      path: '/messages/thread/:thread_id',
      tag,
      summary: 'Post a message in a thread',
      params: ThreadIdParams,
      body: CreateMessageBody,
      response: { status: 201, schema: Message, description: 'the new message' },
      errors: ['THREAD_NOT_FOUND', 'MEMBER_NOT_FOUND', 'MEMBER_INACTIVE', 'INVALID_REPLY_TARGET'],
      handle: ({ params, body: { author, ...rest } }) =>
        messages.create(params.thread_id, author, rest),
    }),
    route({
      method: 'get',
      path: '/messages/thread/:thread_id/replies/:message_id',
      tag,
      summary: 'List the replies to a message',
      description: 'Messages of the thread whose `reply_to` is the message, oldest first.',
      params: RepliesParams,
      query: MessageListQuery,
      response: { status: 200, schema: pageOf(Message), description: 'a page of replies' },
      errors: ['THREAD_NOT_FOUND', 'MESSAGE_NOT_FOUND', 'INVALID_CURSOR'],
      handle: ({ params, query }) => messages.replies(params.thread_id, params.message_id, query),
    }),
    route({
      method: 'get',
      path: '/messages/:id',
      tag,
      summary: 'Get a message',
      params: IdParams,
      response: { status: 200, schema: Message, description: 'the message' },
      errors: ['MESSAGE_NOT_FOUND'],
      handle: ({ params }) => messages.get(params.id),
    }),
    route({
      method: 'put',
      path: '/messages/:id',
      tag,
      summary: 'Edit a message',
      description: 'Sets `is_edited` and `edited_at`.',
      params: IdParams,
      body: UpdateMessageBody,
      response: { status: 200, schema: Message, description: 'the edited message' },
      errors: ['MESSAGE_NOT_FOUND'],
      handle: ({ params, body }) => messages.update(params.id, body),
    }),
    route({
      method: 'delete',
      path: '/messages/:id',
      tag,
      summary: 'Delete a message',
      params: IdParams,
      response: { status: 204, description: 'deleted' },
      errors: ['MESSAGE_NOT_FOUND'],
      handle: ({ params }) => messages.delete(params.id),
    }),
  ];
}
