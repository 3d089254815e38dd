import { z } from 'zod';
import { AccessEpoch } from '../auth/claims';
import { ObjectIdString } from '../ids';
import { Community } from '../http/community';
import { Message } from '../http/message';
import { Thread } from '../http/thread';

/** Data of each event type. The map below is the single place an event's payload is defined. */
export const MemberJoinedData = z.strictObject({
  community_id: ObjectIdString,
  member_id: ObjectIdString,
  member_count: z.number().int().nonnegative(),
});
export const MemberLeftData = MemberJoinedData;
export const NewThreadData = z.strictObject({ thread: Thread });
export const ThreadUpdatedData = z.strictObject({ thread: Thread });
export const ThreadDeletedData = z.strictObject({
  thread_id: ObjectIdString,
  community_id: ObjectIdString,
});
export const NewMessageData = z.strictObject({ message: Message });
export const MessageUpdatedData = z.strictObject({ message: Message });
export const MessageDeletedData = z.strictObject({
  message_id: ObjectIdString,
  thread_id: ObjectIdString,
});
export const TypingData = z.strictObject({ thread_id: ObjectIdString, user_id: z.string() });
export const CommunityCreatedData = z.strictObject({ community: Community });
export const CommunityUpdatedData = z.strictObject({ community: Community });
export const CommunityDeletedData = z.strictObject({ community_id: ObjectIdString });

/**
 * Internal, on `gateway:access`: what a gateway must stop delivering, decided by the api-service.
 * - `member`: the member's sessions end (deactivated, password changed); their sockets close.
 * - `membership`: the member left or was removed from a private community; their subscriptions
 *   to it and its threads end, and no grant issued on that membership joins again.
 * - `community`: every subscription to the community and its threads ends (it turned private or
 *   was deleted); members ask for new grants. Turning private revokes the public grants of the
 *   epoch that ended; a deletion revokes every grant of the community.
 * - `thread`: the thread was deleted; its subscriptions and grants end.
 *
 * The broker records each one in the revocation register (see `revocationEntries`) atomically
 * with publishing it, so a gateway that missed the event, or started after it, still refuses.
 */
export const AccessRevokedData = z.discriminatedUnion('scope', [
  z.strictObject({
    scope: z.literal('member'),
    member_id: ObjectIdString,
    reason: z.enum(['deactivated', 'password_changed']),
    token_version: z
      .number()
      .int()
      .nonnegative()
      .describe("the member's token version now: access tokens with a lower `tv` are revoked"),
  }),
  z.strictObject({
    scope: z.literal('membership'),
    community_id: ObjectIdString,
    member_id: ObjectIdString,
    membership_id: ObjectIdString.describe('the membership that ended (grants name it as `mid`)'),
    reason: z.enum(['left', 'removed']),
  }),
  z.strictObject({
    scope: z.literal('community'),
    community_id: ObjectIdString,
    reason: z.enum(['became_private', 'deleted']),
    access_epoch: AccessEpoch.optional().describe(
      'with `became_private`: the public epoch that ended (grants name it as `ae`)',
    ),
  }),
  z.strictObject({
    scope: z.literal('thread'),
    thread_id: ObjectIdString,
    community_id: ObjectIdString,
    reason: z.literal('deleted'),
  }),
]);
export type AccessRevokedData = z.infer<typeof AccessRevokedData>;

export const EVENT_DATA = {
  member_joined: MemberJoinedData,
  member_left: MemberLeftData,
  new_thread: NewThreadData,
  thread_updated: ThreadUpdatedData,
  thread_deleted: ThreadDeletedData,
  new_message: NewMessageData,
  message_updated: MessageUpdatedData,
  message_deleted: MessageDeletedData,
  typing: TypingData,
  stop_typing: TypingData,
  community_created: CommunityCreatedData,
  community_updated: CommunityUpdatedData,
  community_deleted: CommunityDeletedData,
  access_revoked: AccessRevokedData,
} as const;

export type EventType = keyof typeof EVENT_DATA;
export type EventData<T extends EventType> = z.infer<(typeof EVENT_DATA)[T]>;
