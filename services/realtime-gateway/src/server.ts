import { randomUUID } from 'node:crypto';
import { type IncomingMessage, STATUS_CODES, type ServerResponse } from 'node:http';
import { type Duplex } from 'node:stream';
import { type ErrorBody, type ErrorCode } from '@communities/contracts';
import { type Logger } from 'pino';
import { type WebSocket, type WebSocketServer } from 'ws';
import { type GatewayMetrics } from './metrics';
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
  /** Refuse new sockets with 503 (the gateway is stopping). */
  accepting(): boolean;
  onSocket(socket: WebSocket, userId: string): void;
}

/**
 * Handles every HTTP upgrade on the server: only `/ws/{user_id}` becomes a WebSocket; any other
 * path is answered 404 (400 for an unusable user id, 503 while stopping) and the socket closed.
 */
export function createUpgradeHandler(ctx: UpgradeContext) {
  return (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    socket.on('error', (error) => ctx.logger.debug({ err: error }, 'upgrade socket error'));
    if (!ctx.accepting()) return refuseUpgrade(socket, 503);
    const route = parseWsPath(req.url);
    if (!route.ok) return refuseUpgrade(socket, route.status);
    ctx.wss.handleUpgrade(req, socket, head, (ws) => ctx.onSocket(ws, route.userId));
  };
}

function refuseUpgrade(socket: Duplex, status: number): void {
  const text = STATUS_CODES[status] ?? 'Error';
  socket.once('finish', () => socket.destroy());
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}
