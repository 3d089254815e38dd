import { type AppError, CLOSE_CODES } from '@communities/contracts';

/**
 * Why the gateway closes a socket, and with which RFC 6455 code. 1009 for oversize frames is sent
 * by `ws` itself (maxPayload); it is listed here so every code the gateway uses is in one place.
 * 4401 means "authenticate (again), then reconnect"; 4403 "this token may not open this path";
 * 4429 "close another socket of this member first".
 */
export const CLOSE = {
  /**
   * Drain (`stop()`): sent at the delay the socket's `reconnect` frame announced. Reconnect (to
   * another replica) and join with `last_seq`: nothing durable is lost.
   */
  drain: { code: CLOSE_CODES.SERVICE_RESTART, reason: 'server restarting' },
  frameTooBig: { code: CLOSE_CODES.MESSAGE_TOO_BIG, reason: 'frame too big' },
  /**
   * The socket's unsent data passed WS_MAX_BUFFERED_BYTES: reconnect and join with `last_seq`;
   * the gateway replays what was not written, so nothing durable is lost.
   */
  slowConsumer: { code: CLOSE_CODES.TRY_AGAIN_LATER, reason: 'slow consumer' },
  /** The client sent frames faster than they could be answered. */
  tooManyPending: { code: CLOSE_CODES.POLICY_VIOLATION, reason: 'too many pending frames' },
  /** The first frame of an unauthenticated socket was not `authenticate`. */
  authenticationRequired: { code: CLOSE_CODES.UNAUTHENTICATED, reason: 'authentication required' },
  /** No `authenticate` frame within WS_AUTH_TIMEOUT_MS. */
  authenticationTimeout: { code: CLOSE_CODES.UNAUTHENTICATED, reason: 'authentication timeout' },
  /** The member was deactivated or changed their password (an `access_revoked` event). */
  sessionRevoked: { code: CLOSE_CODES.UNAUTHENTICATED, reason: 'session revoked' },
  /**
   * Once authenticated, instead of `connected`: the member already holds WS_MAX_SOCKETS_PER_MEMBER
   * sockets on this gateway. The new socket is refused, never an older one closed in its place.
   */
  tooManyConnections: { code: CLOSE_CODES.TOO_MANY_CONNECTIONS, reason: 'too many connections' },
} as const;

/** A close reason must fit in a control frame: at most 123 bytes of UTF-8. */
const MAX_REASON_BYTES = 123;

/**
 * The one mapping from a refused `authenticate` frame to a close: UNAUTHENTICATED → 4401,
 * FORBIDDEN → 4403, SERVICE_UNAVAILABLE (revocations could not be checked) → 1013, try again
 * later (the same errors refuse an upgrade with 401 / 403 / 503: `upgradeStatusFor`). The error's
 * message, safe for clients by contract, is the close reason.
 */
export function closeForAuthError(error: AppError): { code: number; reason: string } {
  const code =
    error.code === 'FORBIDDEN'
      ? CLOSE_CODES.FORBIDDEN
      : error.code === 'SERVICE_UNAVAILABLE'
        ? CLOSE_CODES.TRY_AGAIN_LATER
        : CLOSE_CODES.UNAUTHENTICATED;
  let reason = error.message;
  while (Buffer.byteLength(reason) > MAX_REASON_BYTES) reason = reason.slice(0, -1);
  return { code, reason };
}

/** The HTTP status refusing an upgrade whose token was refused (see `closeForAuthError`). */
export function upgradeStatusFor(error: AppError): 401 | 403 | 503 {
  if (error.code === 'FORBIDDEN') return 403;
  return error.code === 'SERVICE_UNAVAILABLE' ? 503 : 401;
}
