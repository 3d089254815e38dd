import {
  CommunityIdParams,
  CreateThreadBody,
  IdParams,
  Thread,
  ThreadListQuery,
  ThreadSearchQuery,
  UpdateThreadBody,
  pageOf,
} from '@communities/contracts';
import { route, type RouteSpec } from '../../http/route';
import type { ThreadService } from './thread.service';

export function threadRoutes(threads: ThreadService): RouteSpec[] {
  const tag = 'Threads';
  return [
    // Declared before `/threads/:id` so that "search" is never read as an id.
    route({
      method: 'get',
      path: '/threads/search',
      auth: 'optional',
      tag,
      summary: 'Search threads by title or content',
      description:
        'Case-insensitive substring match; optionally within one community. Newest first.',
      query: ThreadSearchQuery,
      response: { status: 200, schema: pageOf(Thread), description: 'a page of matches' },
      errors: ['INVALID_CURSOR'],
      handle: ({ query, actor }) => threads.search(query.q, query.community_id, actor, query),
    }),
    route({
      method: 'get',
      path: '/threads/community/:community_id',
      auth: 'optional',
      tag,
      summary: 'List the threads of a community',
      description: 'Pinned threads first, then by `last_activity`, most recent first.',
      params: CommunityIdParams,
      query: ThreadListQuery,
      response: { status: 200, schema: pageOf(Thread), description: 'a page of threads' },
      errors: ['COMMUNITY_NOT_FOUND', 'INVALID_CURSOR'],
      handle: ({ params, query, actor }) =>
        threads.listOfCommunity(params.community_id, actor, query),
    }),
    route({
      method: 'post',
      path: '/threads/community/:community_id',
      auth: 'required',
      tag,
      summary: 'Create a thread in a community',
      params: CommunityIdParams,
      body: CreateThreadBody,
      response: { status: 201, schema: Thread, description: 'the new thread' },
      errors: [
        'COMMUNITY_NOT_FOUND',
        'MEMBER_INACTIVE',
        'UNAUTHENTICATED',
        'FORBIDDEN',
        'RATE_LIMITED',
      ],
      handle: ({ params, body, actor }) => threads.create(params.community_id, actor, body),
    }),
    route({
      method: 'get',
      path: '/threads/:id',
      auth: 'optional',
      tag,
      summary: 'Get a thread',
      params: IdParams,
      response: { status: 200, schema: Thread, description: 'the thread' },
      errors: ['THREAD_NOT_FOUND'],
      handle: ({ params, actor }) => threads.get(params.id, actor),
    }),
    route({
      method: 'put',
      path: '/threads/:id',
      auth: 'required',
      tag,
      summary: 'Update a thread (only the fields given)',
      params: IdParams,
      body: UpdateThreadBody,
      response: { status: 200, schema: Thread, description: 'the updated thread' },
      errors: ['THREAD_NOT_FOUND', 'UNAUTHENTICATED', 'FORBIDDEN', 'RATE_LIMITED'],
      handle: ({ params, body, actor }) => threads.update(params.id, actor, body),
    }),
    route({
      method: 'delete',
      path: '/threads/:id',
      auth: 'required',
      tag,
      summary: 'Delete a thread and its messages',
      params: IdParams,
      response: { status: 204, description: 'deleted' },
      errors: ['THREAD_NOT_FOUND', 'UNAUTHENTICATED', 'FORBIDDEN', 'RATE_LIMITED'],
      handle: ({ params, actor }) => threads.delete(params.id, actor),
    }),
    route({
      method: 'post',
      path: '/threads/:id/pin',
      auth: 'required',
      tag,
      summary: 'Pin or unpin a thread (toggles `is_pinned`)',
      params: IdParams,
      response: { status: 200, schema: Thread, description: 'the thread with its new pin state' },
      errors: ['THREAD_NOT_FOUND', 'UNAUTHENTICATED', 'FORBIDDEN', 'RATE_LIMITED'],
      handle: ({ params, actor }) => threads.togglePin(params.id, actor),
    }),
  ];
}
