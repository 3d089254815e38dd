import { randomUUID } from 'node:crypto';
import { type IncomingMessage, STATUS_CODES, type ServerResponse } from 'node:http';
import { type Duplex } from 'node:stream';
import { AppError, type ErrorBody, type ErrorCode } from '@communities/contracts';
import { type Logger } from 'pino';
import { type WebSocket, type WebSocketServer } from 'ws';
import { type Authenticator } from './auth/authenticator';
import { tokenFromUpgrade } from './auth/token-source';
import { type GatewayMetrics } from './metrics';
import { upgradeStatusFor } from './protocol/close-codes';
import { parseWsPath } from './protocol/ws-path';

export interface HttpContext {
  metrics: GatewayMetrics;
  /** False while the broker is unreachable or the gateway is stopping. */
  ready(): boolean;
  /** The AsyncAPI document, serialized once. */
  asyncApiJson(): string;
}

/**
 * Serves `/healthz`, `/readyz`, `/metrics` and `/asyncapi.json`. Returns false for any other path
 * so a host application (the standalone's REST app) can fall through to its own routes.
 */
export function createHttpHandler(
  ctx: HttpContext,
): (req: IncomingMessage, res: ServerResponse) => boolean {
  return (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const route = ROUTES[path ?? ''];
    if (!route) return false;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      sendError(req, res, 405, 'METHOD_NOT_ALLOWED', `${req.method} is not allowed on ${path}`);
      return true;
    }
    route(ctx, req, res);
    return true;
  };
}

type Route = (ctx: HttpContext, req: IncomingMessage, res: ServerResponse) => void;

const ROUTES: Record<string, Route> = {
  '/healthz': (_ctx, _req, res) => sendJson(res, 200, { status: 'ok' }),
  '/readyz': (ctx, req, res) => {
    if (ctx.ready()) sendJson(res, 200, { status: 'ready' });
    else sendError(req, res, 503, 'SERVICE_UNAVAILABLE', 'broker unavailable or shutting down');
  },
  '/metrics': (ctx, _req, res) => {
    ctx.metrics.registry.metrics().then(
      (text) => {
        res.writeHead(200, { 'content-type': ctx.metrics.registry.contentType });
        res.end(text);
      },
      () => sendJson(res, 500, { status: 'metrics unavailable' }),
    );
  },
  '/asyncapi.json': (ctx, _req, res) => {
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
    res.end(ctx.asyncApiJson());
  },
};

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
  });
  res.end(JSON.stringify(body));
}

/** The house error body, so HTTP clients of the gateway parse errors like the REST api's. */
export function sendError(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  code: ErrorCode,
  message: string,
): void {
  const requestId = headerValue(req.headers['x-request-id']) ?? randomUUID();
  const body: ErrorBody = { error: { code, message, request_id: requestId } };
  res.setHeader('x-request-id', requestId);
  sendJson(res, status, body);
}

function headerValue(value: string | string[] | undefined): string | undefined {
  const first = Array.isArray(value) ? value[0] : value;
  return first && first.length <= 128 ? first : undefined;
}

export interface UpgradeContext {
  wss: WebSocketServer;
  logger: Logger;
  authenticator: Authenticator;
  /** True when the request's `Origin` may open a socket (see `createOriginPolicy`). */
  originAllowed(origin: string | undefined, host: string | undefined): boolean;
  /** False: refuse new sockets with 503 (not started yet, or stopping). */
  accepting(): boolean;
  /** `authenticated`: the upgrade carried a valid token for `userId`. */
  onSocket(socket: WebSocket, userId: string, authenticated: boolean): void;
}

/**
 * Handles every HTTP upgrade on the server. Only `/ws/{user_id}` becomes a WebSocket; refusals are
 * answered with the house error body and the socket closed: 404 another path, 400 an unusable user
 * id, 403 a foreign `Origin`, 401 a bad token in the `Authorization: Bearer` header or the `token`
 * query parameter, 403 a valid token of another user, 503 before start and while stopping.
 * Without any token the socket opens unauthenticated and must send `authenticate` first.
 */
export function createUpgradeHandler(ctx: UpgradeContext) {
  // One listener shared by every socket, which keeps it for life: a closure made per upgrade would
  // keep that upgrade's request (its headers, the token) alive as long as the socket.
  const onSocketError = (error: Error): void => {
    ctx.logger.debug({ err: error }, 'upgrade socket error');
  };
  return (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    socket.on('error', onSocketError);
    void upgrade(ctx, req, socket, head).catch((error: unknown) => {
      ctx.logger.error({ err: error }, 'upgrade failed');
      refuseUpgrade(req, socket, 500, 'INTERNAL', 'internal error');
    });
  };
}

async function upgrade(
  ctx: UpgradeContext,
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
): Promise<void> {
  if (!ctx.accepting()) {
    return refuseUpgrade(req, socket, 503, 'SERVICE_UNAVAILABLE', 'shutting down');
  }
  const route = parseWsPath(req.url);
  if (!route.ok) {
    return route.status === 404
      ? refuseUpgrade(req, socket, 404, 'ROUTE_NOT_FOUND', 'WebSockets are at /ws/{user_id}')
      : refuseUpgrade(req, socket, 400, 'VALIDATION_FAILED', 'unusable user id in the path');
  }
  // Not `headerValue`: an over-long Origin must be refused, not treated as absent.
  if (!ctx.originAllowed(req.headers.origin, req.headers.host)) {
    return refuseUpgrade(req, socket, 403, 'FORBIDDEN', 'origin not allowed');
  }
  const source = tokenFromUpgrade(req);
  if (source.kind === 'malformed') {
    return refuseUpgrade(req, socket, 401, 'UNAUTHENTICATED', 'expected Authorization: Bearer');
  }
  if (source.kind !== 'none') {
    try {
      await ctx.authenticator.authenticate(source.token, route.userId);
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      return refuseUpgrade(req, socket, upgradeStatusFor(error), error.code, error.message);
    }
    // Checked again: the gateway may have begun stopping while the token was verified.
    if (!ctx.accepting()) {
      return refuseUpgrade(req, socket, 503, 'SERVICE_UNAVAILABLE', 'shutting down');
    }
  }
  ctx.wss.handleUpgrade(req, socket, head, (ws) =>
    ctx.onSocket(ws, route.userId, source.kind !== 'none'),
  );
}

/** An HTTP answer instead of the upgrade, with the house error body, then the socket closed. */
function refuseUpgrade(
  req: IncomingMessage,
  socket: Duplex,
  status: number,
  code: ErrorCode,
  message: string,
): void {
  if (socket.destroyed) return;
  const requestId = headerValue(req.headers['x-request-id']) ?? randomUUID();
  const errorBody: ErrorBody = { error: { code, message, request_id: requestId } };
  const body = JSON.stringify(errorBody);
  const headers = [
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}`,
    'Connection: close',
    'Content-Type: application/json; charset=utf-8',
    `Content-Length: ${Buffer.byteLength(body)}`,
    `X-Request-Id: ${requestId}`,
    ...(status === 401 ? ['WWW-Authenticate: Bearer error="invalid_token"'] : []),
  ];
  socket.once('finish', () => socket.destroy());
  socket.end(`${headers.join('\r\n')}\r\n\r\n${body}`);
}
