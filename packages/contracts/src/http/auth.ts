import { z } from 'zod';
import { CommunityChannel, ThreadChannel } from '../channels';
import { IsoDateTime, ObjectIdString } from '../ids';

/**
 * Passwords: 8 to 128 characters (NIST SP 800-63B: length, not composition rules). The upper bound
 * keeps the slow hash's input small; it is never stored or returned.
 */
export const Password = z.string().min(8).max(128);

export const LoginBody = z.strictObject({
  login: z.string().min(1).max(254).describe('username or email, case-insensitively'),
  password: z.string().min(1).max(128),
});
export type LoginBody = z.infer<typeof LoginBody>;

export const RefreshBody = z.strictObject({
  refresh_token: z.string().min(1).max(512),
});
export type RefreshBody = z.infer<typeof RefreshBody>;

export const ChangePasswordBody = z.strictObject({
  current_password: z.string().min(1).max(128),
  new_password: Password,
});
export type ChangePasswordBody = z.infer<typeof ChangePasswordBody>;

/**
 * Answer of login and refresh. The access token is a short-lived JWT sent as
 * `Authorization: Bearer <token>`; the refresh token is opaque, single-use (each refresh returns a
 * new one) and revoked by logout, password change and deactivation.
 */
export const TokenPair = z
  .strictObject({
    token_type: z.literal('Bearer'),
    access_token: z.string(),
    expires_in: z.number().int().positive().describe('seconds until the access token expires'),
    refresh_token: z.string(),
    refresh_expires_in: z
      .number()
      .int()
      .positive()
      .describe('seconds until the refresh token expires'),
    member_id: ObjectIdString,
  })
  .meta({ id: 'TokenPair' });
export type TokenPair = z.infer<typeof TokenPair>;

/** Channels a client may ask a subscription grant for (the global channel needs none). */
export const GrantableChannel = z.union([CommunityChannel, ThreadChannel]);
export type GrantableChannel = z.infer<typeof GrantableChannel>;

export const GrantRequestBody = z.strictObject({
  channels: z
    .array(GrantableChannel)
    .min(1)
    .max(50)
    .describe('`community:{id}` and `thread:{id}` channels to join over WebSocket'),
});
export type GrantRequestBody = z.infer<typeof GrantRequestBody>;

export const Grant = z
  .strictObject({
    channel: GrantableChannel,
    grant: z.string().describe('pass as `grant` in `join_community` / `join_thread`'),
    expires_at: IsoDateTime.describe('the grant must be used before this; the subscription stays'),
  })
  .meta({ id: 'SubscriptionGrant' });
export type Grant = z.infer<typeof Grant>;

export const GrantResponse = z
  .strictObject({ grants: z.array(Grant) })
  .meta({ id: 'SubscriptionGrants' });
export type GrantResponse = z.infer<typeof GrantResponse>;

export const MemberIdParams = z.strictObject({
  id: ObjectIdString,
  member_id: ObjectIdString,
});
