import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Logger } from 'pino';
import { sendError } from './error-handler';

declare module 'node:http' {
  interface IncomingMessage {
    /** This request's id (see `requestLogging`). */
    id?: string;
  }
}

const QUIET_PATHS = new Set(['/healthz', '/readyz', '/metrics']);
const INCOMING_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Request ids: a well-formed incoming `X-Request-Id` is kept (so a proxy's id follows the request
 * through), otherwise a UUID is made; either way it is returned in `X-Request-Id` and is on the
 * request's log lines. One access-log line per request once the response is done (`info`, `warn`
 * for 4xx, `error` for 5xx; `request aborted` when the client went away first). Written by hand
 * rather than with pino-http, which builds a child logger for every request up front: that was
 * a tenth of the CPU of a small GET.
 */
export function requestLogging(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const incoming = req.headers['x-request-id'];
    const id = typeof incoming === 'string' && INCOMING_ID.test(incoming) ? incoming : randomUUID();
    req.id = id;
    res.setHeader('X-Request-Id', id);
    // Probes and scrapes run every few seconds: they get ids, but no access-log line.
    if (!QUIET_PATHS.has(req.url)) {
      const started = performance.now();
      const { method, url } = req;
      res.once('close', () => {
        const status = res.statusCode;
        const line = {
          req: { id, method, url },
          res: { status },
          responseTime: Math.round(performance.now() - started),
        };
        if (!res.writableFinished) logger.warn(line, 'request aborted');
        else if (status >= 500) logger.error(line, 'request failed');
        else if (status >= 400) logger.warn(line, 'request completed');
        else logger.info(line, 'request completed');
      });
    }
    next();
  };
}

/** A body on a write must be JSON: anything else is refused with 415 before parsing. */
export const requireJsonBody: RequestHandler = (req, res, next) => {
  const hasBody =
    req.headers['transfer-encoding'] !== undefined ||
    Number(req.headers['content-length'] ?? 0) > 0;
  if (hasBody && !req.is('application/json')) {
    sendError(res, 'UNSUPPORTED_MEDIA_TYPE', 'request body must be application/json');
    return;
  }
  next();
};
