import {
  AppError,
  type AckFrame,
  type ClientActionName,
  type ConnectedFrame,
  type ErrorCode,
  type ErrorFrame,
  type ReconnectFrame,
  type ResyncRequiredFrame,
  type SubscriptionRevokedFrame,
} from '@communities/contracts';
import { type ChannelPosition } from '@communities/broker';

/** Server → client frames, built from the contract types so a shape change fails to compile. */
export function connectedFrame(userId: string): ConnectedFrame {
  return { type: 'connected', user_id: userId };
}

/**
 * A join's ack carries the socket's position in the channel, when it could be read: the last seq
 * it has been sent there (epoch omitted while the channel has no history).
 */
export function ackFrame(
  action: ClientActionName,
  channel?: string,
  ref?: string,
  position?: ChannelPosition,
): AckFrame {
  return {
    type: 'ack',
    action,
    ...(channel && { channel }),
    ...(position && { seq: position.seq }),
    ...(position?.epoch && { epoch: position.epoch }),
    ...(ref && { ref }),
  };
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
 * Instead of a replay: the client refetches over REST what it missed. `epoch` is empty when the
 * channel has no history any more (the next event starts a new epoch).
 */
export function resyncRequiredFrame(
  channel: string,
  position: ChannelPosition,
  reason: ResyncRequiredFrame['reason'],
): ResyncRequiredFrame {
  return {
    type: 'resync_required',
    channel,
    epoch: position.epoch ?? '',
    seq: position.seq,
    reason,
  };
}

/** Drain: reconnect after `afterMs` (this socket is closed with 1012 then). */
export function reconnectFrame(afterMs: number): ReconnectFrame {
  return { type: 'reconnect', after_ms: afterMs };
}

/**
 * The gateway's one mapping from thrown errors to error frames: an `AppError` keeps its catalogue
 * code and message; anything else is INTERNAL with a generic message (details go to the log).
 */
export function errorFrameFor(error: unknown, ref?: string): ErrorFrame {
  if (error instanceof AppError) return errorFrame(error.code, error.message, ref);
  return errorFrame('INTERNAL', 'internal error', ref);
}

export type ServerFrame =
  | ConnectedFrame
  | AckFrame
  | ErrorFrame
  | SubscriptionRevokedFrame
  | ResyncRequiredFrame
  | ReconnectFrame;

export function encodeFrame(frame: ServerFrame): string {
  return JSON.stringify(frame);
}
