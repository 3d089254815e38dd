import { z } from 'zod';

/**
 * The one error catalogue, shared by HTTP and WebSocket. Code throws `AppError(code, message)`;
 * each transport maps a code to its own status once (HTTP status, WS error frame).
 */
export const ERROR_CODES = [
  'VALIDATION_FAILED',
  'INVALID_JSON',
  // The request's bytes cannot be decoded at all: a malformed percent-escape in the path, or a
  // body that is not in the Content-Encoding it names.
  'MALFORMED_REQUEST',
  'INVALID_CURSOR',
  'UNSUPPORTED_MEDIA_TYPE',
  'PAYLOAD_TOO_LARGE',
  'ROUTE_NOT_FOUND',
  'METHOD_NOT_ALLOWED',
  'COMMUNITY_NOT_FOUND',
  'THREAD_NOT_FOUND',
  'MESSAGE_NOT_FOUND',
  'MEMBER_NOT_FOUND',
  'USERNAME_TAKEN',
  'EMAIL_TAKEN',
  'MEMBER_INACTIVE',
  'UNAUTHENTICATED',
  'INVALID_CREDENTIALS',
  'FORBIDDEN',
  'RATE_LIMITED',
  'OWNER_CANNOT_LEAVE',
  'NOT_A_MEMBER',
  'INVALID_REPLY_TARGET',
  'UNKNOWN_ACTION',
  'SERVICE_UNAVAILABLE',
  'INTERNAL',
  'IDEMPOTENCY_KEY_REUSED',
] as const;

export const ErrorCode = z.enum(ERROR_CODES);
export type ErrorCode = z.infer<typeof ErrorCode>;

/** Body of every failed HTTP response: `{"error": {"code", "message", "details?", "request_id"}}`. */
export const ErrorBody = z
  .strictObject({
    error: z.strictObject({
      code: ErrorCode,
      message: z.string(),
      details: z
        .array(
          z.strictObject({
            path: z
              .string()
              .describe('dotted path of the offending field, empty for the whole input'),
            message: z.string(),
          }),
        )
        .optional(),
      request_id: z.string(),
    }),
  })
  .meta({ id: 'ErrorBody' });
export type ErrorBody = z.infer<typeof ErrorBody>;
export type ErrorDetail = NonNullable<ErrorBody['error']['details']>[number];

/** An expected failure with a catalogue code; anything else is an internal error. */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: ErrorDetail[],
  ) {
    super(message);
    this.name = 'AppError';
  }
}
