import { GrantRequestBody, GrantResponse } from '@communities/contracts';
import { route, type RouteSpec } from '../../http/route';
import type { GrantService } from './grant.service';

export function grantRoutes(grants: GrantService): RouteSpec[] {
  return [
    route({
      method: 'post',
      path: '/realtime/grants',
      auth: 'required',
      tag: 'Realtime',
      summary: 'Get WebSocket subscription grants',
      description:
        'One short-lived grant per channel, to pass as `grant` in `join_community` / ' +
        '`join_thread`. Issued only for channels the caller may read now: a community or thread ' +
        'they cannot see answers 404. Grants for private communities end with the membership.',
      body: GrantRequestBody,
      response: { status: 200, schema: GrantResponse, description: 'the grants' },
      errors: ['COMMUNITY_NOT_FOUND', 'THREAD_NOT_FOUND', 'UNAUTHENTICATED', 'RATE_LIMITED'],
      handle: async ({ body, actor }) => ({ grants: await grants.issue(actor, body.channels) }),
    }),
  ];
}
