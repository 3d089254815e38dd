import { z } from 'zod';
import { ErrorCode } from '../errors';
import { ObjectIdString } from '../ids';

/** Optional client-chosen reference, echoed in the ack or error that answers the action. */
const Ref = z.string().min(1).max(64).optional();

export const CLIENT_ACTIONS = [
  'authenticate',
  'join_community',
  'leave_community',
  'join_thread',
  'leave_thread',
  'typing',
  'stop_typing',
] as const;
export type ClientActionName = (typeof CLIENT_ACTIONS)[number];

/** A subscription grant from `POST /api/realtime/grants` (short-lived; needed to join). */
const GrantToken = z
  .string()
  .min(1)
  .max(2048)
  .optional()
  .describe('subscription grant from POST /api/realtime/grants; required to join');

/**
 * Resuming a channel after a reconnect: the last `seq` the client received on it and that
 * event's `epoch`. The gateway first delivers, in order, every durable event after `last_seq`,
 * then continues live, with no gap and no duplicate; or answers `resync_required`.
 */
const Resume = {
  last_seq: z.number().int().nonnegative().optional().describe('last seq received on the channel'),
  epoch: z.string().min(1).max(64).optional().describe('epoch of that event'),
};

/**
 * Client → server frames (JSON text), from the spec's "WebSocket Messages", plus `authenticate`:
 * the first frame of a socket that did not present its token in the upgrade request.
 */
export const ClientAction = z.discriminatedUnion('action', [
  z.strictObject({
    action: z.literal('authenticate'),
    token: z.string().min(1).max(4096).describe('an access token from POST /api/auth/login'),
    ref: Ref,
  }),
  z.strictObject({
    action: z.literal('join_community'),
    community_id: ObjectIdString,
    grant: GrantToken,
    ...Resume,
    ref: Ref,
  }),
  z.strictObject({ action: z.literal('leave_community'), community_id: ObjectIdString, ref: Ref }),
  z.strictObject({
    action: z.literal('join_thread'),
    thread_id: ObjectIdString,
    grant: GrantToken,
    ...Resume,
    ref: Ref,
  }),
  z.strictObject({ action: z.literal('leave_thread'), thread_id: ObjectIdString, ref: Ref }),
  z.strictObject({
    action: z.literal('typing'),
    thread_id: ObjectIdString,
    user_id: z.string().optional().describe("ignored: the connection's user is used"),
    ref: Ref,
  }),
  z.strictObject({
    action: z.literal('stop_typing'),
    thread_id: ObjectIdString,
    user_id: z.string().optional().describe("ignored: the connection's user is used"),
    ref: Ref,
  }),
]);
export type ClientAction = z.infer<typeof ClientAction>;

/** Server → client: sent once the socket is authenticated. */
export const ConnectedFrame = z.strictObject({
  type: z.literal('connected'),
  user_id: z.string(),
});
export type ConnectedFrame = z.infer<typeof ConnectedFrame>;

/**
 * Server → client: the action succeeded. A join's ack carries the channel's position when the
 * subscription started (`seq` 0 for an empty history): every later event has a greater seq.
 */
export const AckFrame = z.strictObject({
  type: z.literal('ack'),
  action: z.enum(CLIENT_ACTIONS),
  channel: z.string().optional(),
  seq: z.number().int().nonnegative().optional(),
  epoch: z.string().optional(),
  ref: Ref,
});
export type AckFrame = z.infer<typeof AckFrame>;

/** Server → client: the action failed; the connection stays open. */
export const ErrorFrame = z.strictObject({
  type: z.literal('error'),
  code: ErrorCode,
  message: z.string(),
  ref: Ref,
});
export type ErrorFrame = z.infer<typeof ErrorFrame>;

/**
 * Server → client: the gateway ended a subscription the client did not leave (it lost access to
 * a private community, or the community turned private or was deleted). The client may ask for a
 * new grant and join again; a refusal (404) means access is gone.
 */
export const SubscriptionRevokedFrame = z.strictObject({
  type: z.literal('subscription_revoked'),
  channel: z.string(),
  reason: z.enum(['left', 'removed', 'became_private', 'deleted']),
});
export type SubscriptionRevokedFrame = z.infer<typeof SubscriptionRevokedFrame>;

/**
 * Server → client, instead of a replay: the events after `last_seq` are no longer all in the
 * history (too old), or the history's epoch changed. The subscription is live from `seq`
 * onwards; the client refetches what it missed over REST (e.g. a thread's messages with
 * `after_seq`).
 */
export const ResyncRequiredFrame = z.strictObject({
  type: z.literal('resync_required'),
  channel: z.string(),
  epoch: z.string(),
  seq: z.number().int().nonnegative().describe('the latest seq; live events continue after it'),
  reason: z.enum(['epoch_changed', 'history_truncated']),
});
export type ResyncRequiredFrame = z.infer<typeof ResyncRequiredFrame>;

/**
 * Server → client: this gateway is going away (deploy, scale-in). Reconnect after `after_ms`
 * (randomized per client so reconnects spread over the drain window) and resume each channel from
 * its last seq; the socket is closed with 1012 at the end of the window at the latest.
 */
export const ReconnectFrame = z.strictObject({
  type: z.literal('reconnect'),
  after_ms: z.number().int().nonnegative(),
});
export type ReconnectFrame = z.infer<typeof ReconnectFrame>;

/**
 * WebSocket close codes the gateway uses (RFC 6455 §7.4.1, plus 4xxx application codes modelled
 * on HTTP: 4401 = authenticate again, 4403 = this token may not use this path, 4429 = too many
 * sockets of this member).
 */
export const CLOSE_CODES = {
  NORMAL: 1000,
  GOING_AWAY: 1001,
  POLICY_VIOLATION: 1008,
  MESSAGE_TOO_BIG: 1009,
  INTERNAL_ERROR: 1011,
  /** Drain: the gateway restarts; reconnect (after the `reconnect` frame's delay) and resume. */
  SERVICE_RESTART: 1012,
  /** Slow consumer: reconnect and resume from the last seq; nothing durable is lost. */
  TRY_AGAIN_LATER: 1013,
  UNAUTHENTICATED: 4401,
  FORBIDDEN: 4403,
  /**
   * The member already holds WS_MAX_SOCKETS_PER_MEMBER sockets on this gateway: close one of them
   * before opening another; reconnecting at once is refused the same way.
   */
  TOO_MANY_CONNECTIONS: 4429,
} as const;
