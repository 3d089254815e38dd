import type { TokenService } from '@communities/auth';
import express, { type Express, type Router } from 'express';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { CommunityAccess } from './access/community-access';
import { Authenticator } from './auth/authenticator';
import type { PasswordHasher } from './auth/password-hasher';
import { buildOpenApi } from './docs/openapi';
import { docsRouter } from './docs/docs.router';
import type { EventPublisher } from './events/event-publisher';
import { errorHandler, routeNotFound, sendError } from './http/error-handler';
import { ApiMetrics } from './http/metrics';
import { requestLogging, requireJsonBody } from './http/request-context';
import { NOTHING_HELD } from './http/login-failures';
import {
  createRateLimiter,
  type LoginLimiter,
  type RateLimiter,
  type RateLimitSettings,
} from './http/rate-limit';
import { mountRoutes, type RouteSpec } from './http/route';
import { corsPolicy, securityHeaders } from './http/security';
import { authRoutes } from './modules/auth/auth.router';
import { AuthService } from './modules/auth/auth.service';
import { communityRoutes } from './modules/communities/community.router';
import { CommunityService } from './modules/communities/community.service';
import { memberRoutes } from './modules/members/member.router';
import { MemberService } from './modules/members/member.service';
import { messageRoutes } from './modules/messages/message.router';
import { MessageService } from './modules/messages/message.service';
import { grantRoutes } from './modules/realtime/grant.router';
import { GrantService } from './modules/realtime/grant.service';
import { threadRoutes } from './modules/threads/thread.router';
import { ThreadService } from './modules/threads/thread.service';
import type { Repositories } from './store/repositories';

export const API_VERSION = '0.1.0';

/** What authentication needs: the token signer (shared with the gateway's verifier) and hashing. */
export interface AppAuth {
  tokens: TokenService;
  hasher: PasswordHasher;
  refreshTtlSeconds: number;
}

export interface AppDeps {
  logger: Logger;
  repos: Repositories;
  events: EventPublisher;
  auth: AppAuth;
  /** Default: no limits (tests); the service passes the configured limiter. */
  limiter?: RateLimiter;
  /** Browser origins allowed by CORS; default none (same-origin only). */
  corsOrigins?: string[];
  /** Readiness: resolves while every backend the service needs can serve requests. */
  ready: () => Promise<void>;
  metrics?: ApiMetrics;
  bodyLimitBytes?: number;
  trustProxy?: string;
  /** Extra routes served before the API (the standalone adds the gateway's `/asyncapi.json`). */
  extraRouter?: Router;
  metricsRegistries?: Registry[];
}

const NO_RATE_LIMITS: RateLimitSettings = {
  loginPerIp: null,
  loginPerAccount: null,
  signupPerIp: null,
  writesPerMember: null,
  writesPerIp: null,
};

export interface Services {
  auth: AuthService;
  members: MemberService;
  communities: CommunityService;
  threads: ThreadService;
  messages: MessageService;
  grants: GrantService;
}

/** Admits every login and counts nothing: for services built without a limiter. */
const UNLIMITED_LOGINS: LoginLimiter = { admitLogin: () => Promise.resolve(NOTHING_HELD) };

export function createServices(
  repos: Repositories,
  events: EventPublisher,
  auth: AppAuth,
  logins: LoginLimiter = UNLIMITED_LOGINS,
): Services {
  const access = new CommunityAccess(repos);
  const members = new MemberService(repos, access, auth.hasher, events);
  const communities = new CommunityService(repos, members, access, events);
  const threads = new ThreadService(repos, access, members, events);
  const messages = new MessageService(repos, threads, access, events);
  return {
    auth: new AuthService(
      repos,
      auth.tokens,
      auth.hasher,
      events,
      { refreshTtlSeconds: auth.refreshTtlSeconds },
      logins,
    ),
    members,
    communities,
    threads,
    messages,
    grants: new GrantService(access, threads, auth.tokens),
  };
}

export function apiRoutes(services: Services): RouteSpec[] {
  return [
    ...authRoutes(services.auth),
    ...communityRoutes(services.communities),
    ...threadRoutes(services.threads),
    ...messageRoutes(services.messages),
    ...memberRoutes(services.members),
    ...grantRoutes(services.grants),
  ];
}

/** The REST application, without listening: tests mount it on port 0, standalone composes it. */
export function createApp(deps: AppDeps): Express {
  const metrics = deps.metrics ?? new ApiMetrics();
  const limiter = deps.limiter ?? createRateLimiter(NO_RATE_LIMITS, { logger: deps.logger });
  const routes = apiRoutes(createServices(deps.repos, deps.events, deps.auth, limiter));
  const authenticator = new Authenticator(deps.auth.tokens, deps.repos.members);
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', deps.trustProxy ?? 'loopback');
  app.set('query parser', 'simple');

  app.use(requestLogging(deps.logger));
  app.use(securityHeaders());
  app.use(corsPolicy(deps.corsOrigins ?? []));
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    try {
      await deps.ready();
      res.json({ status: 'ready' });
    } catch {
      sendError(res, 'SERVICE_UNAVAILABLE', 'a backend is unavailable');
    }
  });
  app.get('/metrics', metrics.handler(deps.metricsRegistries));

  app.use(metrics.middleware());
  app.use(docsRouter(buildOpenApi(routes, '/api', API_VERSION)));
  if (deps.extraRouter) app.use(deps.extraRouter);
  app.use(
    '/api',
    requireJsonBody,
    express.json({ limit: deps.bodyLimitBytes ?? 1024 * 1024, strict: true }),
    mountRoutes(routes, { authenticator, limiter }),
  );
  app.use(routeNotFound);
  app.use(errorHandler(deps.logger));
  return app;
}
