import { CLOSE_CODES } from '@communities/contracts';

/**
 * Why the gateway closes a socket, and with which RFC 6455 code. 1009 for oversize frames is sent
 * by `ws` itself (maxPayload); it is listed here so every code the gateway uses is in one place.
 */
export const CLOSE = {
  shutdown: { code: CLOSE_CODES.GOING_AWAY, reason: 'server shutting down' },
  frameTooBig: { code: CLOSE_CODES.MESSAGE_TOO_BIG, reason: 'frame too big' },
  /** The socket's send buffer passed WS_MAX_BUFFERED_BYTES: reconnect and catch up over REST. */
  slowConsumer: { code: CLOSE_CODES.TRY_AGAIN_LATER, reason: 'slow consumer' },
  /** The client sent frames faster than they could be answered. */
  tooManyPending: { code: CLOSE_CODES.POLICY_VIOLATION, reason: 'too many pending frames' },
} as const;
