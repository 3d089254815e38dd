import {
  ChangePasswordBody,
  IdParams,
  LoginBody,
  RefreshBody,
  TokenPair,
} from '@communities/contracts';
import { route, type RouteSpec } from '../../http/route';
import type { AuthService } from './auth.service';

export function authRoutes(auth: AuthService): RouteSpec[] {
  const tag = 'Authentication';
  return [
    route({
      method: 'post',
      path: '/auth/login',
      auth: 'none',
      rateLimit: 'login',
      tag,
      summary: 'Log in for an access token and a refresh token',
      description:
        '`login` is the username or the email. Every failure answers the same 401 ' +
        'INVALID_CREDENTIALS (unknown account, wrong password, deactivated member). Attempts are ' +
        'limited per client IP; failures per account (username and email together): an address ' +
        'that failed too often for an account gets 429 for it, and once the account has had too ' +
        'many failures, so does every address that failed for it, while other addresses may ' +
        'still log in. A successful login is not counted.',
      body: LoginBody,
      response: { status: 200, schema: TokenPair, description: 'the tokens' },
      errors: ['INVALID_CREDENTIALS', 'RATE_LIMITED'],
      handle: ({ body, req }) => auth.login(body, req.ip ?? 'unknown'),
    }),
    route({
      method: 'post',
      path: '/auth/refresh',
      auth: 'none',
      rateLimit: 'login',
      tag,
      summary: 'Exchange a refresh token for a new pair',
      description:
        'Refresh tokens are single-use: the answer carries the next one. Presenting a used one ' +
        'again ends that whole login session (it was replayed or stolen).',
      body: RefreshBody,
      response: { status: 200, schema: TokenPair, description: 'the new tokens' },
      errors: ['UNAUTHENTICATED', 'RATE_LIMITED'],
      handle: ({ body }) => auth.refresh(body.refresh_token),
    }),
    route({
      method: 'post',
      path: '/auth/logout',
      auth: 'none',
      tag,
      summary: 'Log out: revoke the refresh token and its session',
      description: 'Idempotent; an unknown token is accepted. The access token expires on its own.',
      body: RefreshBody,
      response: { status: 204, description: 'logged out' },
      errors: [],
      handle: ({ body }) => auth.logout(body.refresh_token),
    }),
    route({
      method: 'put',
      path: '/members/:id/password',
      auth: 'required',
      tag,
      summary: 'Change the password',
      description:
        'Only the member themself, with the current password. Ends every session of the member ' +
        '(refresh tokens, access tokens, open WebSockets) and returns a fresh pair.',
      params: IdParams,
      body: ChangePasswordBody,
      response: { status: 200, schema: TokenPair, description: 'new tokens' },
      errors: ['INVALID_CREDENTIALS', 'UNAUTHENTICATED', 'FORBIDDEN', 'RATE_LIMITED'],
      handle: ({ params, body, actor }) => auth.changePassword(actor, params.id, body),
    }),
  ];
}
