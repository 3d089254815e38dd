import {
  AppError,
  type AckFrame,
  type ClientActionName,
  type ConnectedFrame,
  type ErrorCode,
  type ErrorFrame,
  type SubscriptionRevokedFrame,
} from '@communities/contracts';

/** Server → client frames, built from the contract types so a shape change fails to compile. */
export function connectedFrame(userId: string): ConnectedFrame {
  return { type: 'connected', user_id: userId };
}

export function ackFrame(action: ClientActionName, channel?: string, ref?: string): AckFrame {
  return { type: 'ack', action, ...(channel && { channel }), ...(ref && { ref }) };
}

export function errorFrame(code: ErrorCode, message: string, ref?: string): ErrorFrame {
  return { type: 'error', code, message, ...(ref && { ref }) };
}

/** The gateway ended a subscription because access to the channel was revoked. */
export function subscriptionRevokedFrame(
  channel: string,
  reason: SubscriptionRevokedFrame['reason'],
): SubscriptionRevokedFrame {
  return { type: 'subscription_revoked', channel, reason };
}

/**
 * The gateway's one mapping from thrown errors to error frames: an `AppError` keeps its catalogue
 * code and message; anything else is INTERNAL with a generic message (details go to the log).
 */
export function errorFrameFor(error: unknown, ref?: string): ErrorFrame {
  if (error instanceof AppError) return errorFrame(error.code, error.message, ref);
  return errorFrame('INTERNAL', 'internal error', ref);
}

export type ServerFrame = ConnectedFrame | AckFrame | ErrorFrame | SubscriptionRevokedFrame;

export function encodeFrame(frame: ServerFrame): string {
  return JSON.stringify(frame);
}
