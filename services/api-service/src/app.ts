import express, { type Express, type Router } from 'express';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { buildOpenApi } from './docs/openapi';
import { docsRouter } from './docs/docs.router';
import type { EventPublisher } from './events/event-publisher';
import { errorHandler, routeNotFound, sendError } from './http/error-handler';
import { ApiMetrics } from './http/metrics';
import { requestLogging, requireJsonBody } from './http/request-context';
import { mountRoutes, type RouteSpec } from './http/route';
import { communityRoutes } from './modules/communities/community.router';
import { CommunityService } from './modules/communities/community.service';
import { memberRoutes } from './modules/members/member.router';
import { MemberService } from './modules/members/member.service';
import { messageRoutes } from './modules/messages/message.router';
import { MessageService } from './modules/messages/message.service';
import { threadRoutes } from './modules/threads/thread.router';
import { ThreadService } from './modules/threads/thread.service';
import type { Repositories } from './store/repositories';

export const API_VERSION = '0.1.0';

export interface AppDeps {
  logger: Logger;
  repos: Repositories;
  events: EventPublisher;
  /** Readiness: resolves while every backend the service needs can serve requests. */
  ready: () => Promise<void>;
  metrics?: ApiMetrics;
  bodyLimitBytes?: number;
  trustProxy?: string;
  /** Extra routes served before the API (the standalone adds the gateway's `/asyncapi.json`). */
  extraRouter?: Router;
  metricsRegistries?: Registry[];
}

export interface Services {
  members: MemberService;
  communities: CommunityService;
  threads: ThreadService;
  messages: MessageService;
}

export function createServices(repos: Repositories, events: EventPublisher): Services {
  const members = new MemberService(repos);
  const communities = new CommunityService(repos, members, events);
  const threads = new ThreadService(repos, communities, members, events);
  const messages = new MessageService(repos, threads, members, events);
  return { members, communities, threads, messages };
}

export function apiRoutes(services: Services): RouteSpec[] {
  return [
    ...communityRoutes(services.communities),
    ...threadRoutes(services.threads),
    ...messageRoutes(services.messages),
    ...memberRoutes(services.members),
  ];
}

/** The REST application, without listening: tests mount it on port 0, standalone composes it. */
export function createApp(deps: AppDeps): Express {
  const metrics = deps.metrics ?? new ApiMetrics();
  const routes = apiRoutes(createServices(deps.repos, deps.events));
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', deps.trustProxy ?? 'loopback');
  app.set('query parser', 'simple');

  app.use(requestLogging(deps.logger));
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
    mountRoutes(routes),
  );
  app.use(routeNotFound);
  app.use(errorHandler(deps.logger));
  return app;
}
