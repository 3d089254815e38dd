import {
  Community,
  CreateMemberBody,
  IdParams,
  Member,
  MemberActivity,
  MemberListQuery,
  PageQuery,
  UpdateMemberBody,
  UsernameParams,
  pageOf,
} from '@communities/contracts';
import { route, type RouteSpec } from '../../http/route';
import type { MemberService } from './member.service';

export function memberRoutes(members: MemberService): RouteSpec[] {
  const tag = 'Members';
  return [
    route({
      method: 'get',
      path: '/members',
      auth: 'optional',
      tag,
      summary: 'List all members',
      query: MemberListQuery,
      response: {
        status: 200,
        schema: pageOf(Member),
        description: 'a page of members, oldest first',
      },
      errors: ['INVALID_CURSOR'],
      handle: ({ query, actor }) => members.list(actor, query),
    }),
    route({
      method: 'post',
      path: '/members',
      auth: 'none',
      tag,
      summary: 'Sign up (create a member with a password)',
      description:
        'Then `POST /api/auth/login` for tokens. The password is stored as a salted scrypt hash ' +
        'and never returned. Usernames are public (profiles can be looked up by username), so a ' +
        'taken one is reported; emails are shown only to their owner.',
      rateLimit: 'signup',
      body: CreateMemberBody,
      response: { status: 201, schema: Member, description: 'the new member' },
      errors: ['USERNAME_TAKEN', 'EMAIL_TAKEN', 'RATE_LIMITED'],
      handle: ({ body }) => members.create(body),
    }),
    route({
      method: 'get',
      path: '/members/username/:username',
      auth: 'optional',
      tag,
      summary: 'Get a member by username (case-insensitive)',
      params: UsernameParams,
      response: { status: 200, schema: Member, description: 'the member' },
      errors: ['MEMBER_NOT_FOUND'],
      handle: ({ params, actor }) => members.getByUsername(params.username, actor),
    }),
    route({
      method: 'get',
      path: '/members/:id',
      auth: 'optional',
      tag,
      summary: 'Get a member',
      params: IdParams,
      response: { status: 200, schema: Member, description: 'the member' },
      errors: ['MEMBER_NOT_FOUND'],
      handle: ({ params, actor }) => members.get(params.id, actor),
    }),
    route({
      method: 'put',
      path: '/members/:id',
      auth: 'required',
      tag,
      summary: 'Update a member (only the fields given)',
      params: IdParams,
      body: UpdateMemberBody,
      response: { status: 200, schema: Member, description: 'the updated member' },
      errors: [
        'MEMBER_NOT_FOUND',
        'USERNAME_TAKEN',
        'EMAIL_TAKEN',
        'UNAUTHENTICATED',
        'FORBIDDEN',
        'RATE_LIMITED',
      ],
      handle: ({ params, body, actor }) => members.update(params.id, actor, body),
    }),
    route({
      method: 'delete',
      path: '/members/:id',
      auth: 'required',
      tag,
      summary: 'Deactivate a member',
      description:
        'Sets `is_active` to false and ends every session (tokens, sockets). Their threads, ' +
        'messages and memberships are kept. Only the member themself.',
      params: IdParams,
      response: { status: 204, description: 'deactivated' },
      errors: ['MEMBER_NOT_FOUND', 'UNAUTHENTICATED', 'FORBIDDEN', 'RATE_LIMITED'],
      handle: ({ params, actor }) => members.deactivate(params.id, actor),
    }),
    route({
      method: 'get',
      path: '/members/:id/communities',
      auth: 'optional',
      tag,
      summary: "List a member's communities",
      params: IdParams,
      query: PageQuery,
      response: {
        status: 200,
        schema: pageOf(Community),
        description: 'a page of communities, in the order the member joined them',
      },
      errors: ['MEMBER_NOT_FOUND', 'INVALID_CURSOR'],
      handle: ({ params, query, actor }) => members.communitiesOf(params.id, actor, query),
    }),
    route({
      method: 'get',
      path: '/members/:id/activity',
      auth: 'optional',
      tag,
      summary: "Get a member's activity counts",
      description:
        'Counts (and dates `last_activity` from) only what the caller may see: without a token, ' +
        'public communities only; with one, public communities plus the private ones the caller ' +
        'is a member of; the member themself sees everything, private communities they left ' +
        'included.',
      params: IdParams,
      response: {
        status: 200,
        schema: MemberActivity,
        description: 'activity counts, as far as the caller may see',
      },
      errors: ['MEMBER_NOT_FOUND'],
      handle: ({ params, actor }) => members.activity(params.id, actor),
    }),
  ];
}
