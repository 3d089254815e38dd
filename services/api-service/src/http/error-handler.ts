import { randomUUID } from 'node:crypto';
import { AppError, type ErrorBody, type ErrorCode, type ErrorDetail } from '@communities/contracts';
import type { ErrorRequestHandler, RequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import { ZodError } from 'zod';
import { HTTP_STATUS } from './error-status';
import { RateLimitedError } from './rate-limit';
import { MethodNotAllowed } from './route';

/**
 * The request's id; a request that never passed the request-id middleware (the probes, mounted
 * before it) gets a fresh one here, also set as `X-Request-Id`, so body and header always agree.
 */
function requestIdOf(res: Response): string {
  const id = res.req.id;
  if (id !== undefined) return id;
  const fresh = randomUUID();
  res.setHeader('X-Request-Id', fresh);
  return fresh;
}

/**
 * The challenge every 401 carries (RFC 6750): a request that presented a token is told the token
 * was refused (`invalid_token`: malformed, expired, revoked); one that presented none, or failed
 * a login, only learns which scheme to use.
 */
function bearerChallenge(res: Response, code: ErrorCode): string {
  const presentedToken = res.req.headers.authorization !== undefined;
  return code === 'UNAUTHENTICATED' && presentedToken
    ? 'Bearer realm="communities", error="invalid_token"'
    : 'Bearer realm="communities"';
}

export function sendError(
  res: Response,
  code: ErrorCode,
  message: string,
  details?: ErrorDetail[],
): void {
  const status = HTTP_STATUS[code];
  if (status === 401) res.setHeader('WWW-Authenticate', bearerChallenge(res, code));
  const body: ErrorBody = {
    error: {
      code,
      message,
      ...(details ? { details } : {}),
      request_id: requestIdOf(res),
    },
  };
  res.status(status).json(body);
}

export function zodDetails(error: ZodError): ErrorDetail[] {
  return error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
}

/** body-parser signals its failures with a `type`; each maps to a catalogue code. */
function bodyParserError(error: unknown): { code: ErrorCode; message: string } | undefined {
  const type = (error as { type?: unknown } | null)?.type;
  switch (type) {
    case 'entity.parse.failed':
      return { code: 'INVALID_JSON', message: 'request body is not valid JSON' };
    case 'entity.too.large':
      return { code: 'PAYLOAD_TOO_LARGE', message: 'request body is larger than allowed' };
    case 'charset.unsupported':
    case 'encoding.unsupported':
      return { code: 'UNSUPPORTED_MEDIA_TYPE', message: 'unsupported body charset or encoding' };
    case 'request.aborted':
    case 'request.size.invalid':
    case 'stream.encoding.set':
      return { code: 'VALIDATION_FAILED', message: 'request body could not be read' };
    default:
      return undefined;
  }
}

/** zlib's decoding failures (`Z_DATA_ERROR`, `Z_BUF_ERROR`, brotli's `ERR__ERROR_FORMAT_*`). */
function isDecompressionError(error: Error): boolean {
  const { code, errno } = error as { code?: unknown; errno?: unknown };
  return (
    typeof errno === 'number' &&
    typeof code === 'string' &&
    (code.startsWith('Z_') || code.startsWith('ERR__ERROR_'))
  );
}

/**
 * Requests whose bytes cannot be decoded, which Express and body-parser raise as plain errors
 * with `status: 400`: the router's `decodeURIComponent` of a path parameter (a URIError), and
 * body-parser's inflating of a body that is not in its Content-Encoding (the zlib error). Any
 * other 400 they raise is the client's too. The raw reason is for the log, not the client.
 */
function undecodableRequest(error: unknown): string | undefined {
  if (!(error instanceof Error) || (error as { status?: unknown }).status !== 400) return undefined;
  if (error instanceof URIError) return 'the request path has a malformed percent-escape';
  if (isDecompressionError(error)) return 'the request body is not valid for its Content-Encoding';
  return 'the request could not be read';
}

/**
 * The last middleware: every failure leaves as `{"error": {...}}`. Expected failures keep their
 * message; anything else is logged with its stack and answered with a bare 500.
 */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, next) => {
    if (res.headersSent) {
      next(error);
      return;
    }
    if (error instanceof AppError) {
      if (error instanceof MethodNotAllowed) res.setHeader('Allow', error.allowed.join(', '));
      if (error instanceof RateLimitedError) {
        res.setHeader('Retry-After', String(error.retryAfterSeconds));
      }
      sendError(res, error.code, error.message, error.details);
      return;
    }
    if (error instanceof ZodError) {
      sendError(res, 'VALIDATION_FAILED', 'request is invalid', zodDetails(error));
      return;
    }
    const parserError = bodyParserError(error);
    if (parserError) {
      sendError(res, parserError.code, parserError.message);
      return;
    }
    const undecodable = undecodableRequest(error);
    if (undecodable) {
      logger.info(
        { req: { id: req.id, method: req.method }, reason: (error as Error).message },
        'malformed request',
      );
      sendError(res, 'MALFORMED_REQUEST', undecodable);
      return;
    }
    logger.error(
      { err: error, req: { id: req.id, method: req.method, url: req.url } },
      'unhandled error',
    );
    sendError(res, 'INTERNAL', 'internal error');
  };
}

export const routeNotFound: RequestHandler = (req, res) => {
  sendError(res, 'ROUTE_NOT_FOUND', `no route for ${req.method} ${req.path}`);
};
