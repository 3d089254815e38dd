import { z } from 'zod';
import { IsoDateTime, ObjectIdString } from '../ids';
import { PageQuery, SearchText } from './pagination';
import { WebUrl } from './web-url';

const Attachments = z.array(WebUrl).max(10);

/**
 * A sender's own id for a message (e.g. a UUID), generated before the first attempt and sent
 * again with every retry of the same message: the server stores the message once per author and
 * key, and a retry gets the stored one back.
 */
export const ClientMsgId = z.string().min(1).max(128);

/** A message's position in its thread: 1 for the first message posted, one more for each next. */
export const MessageSeq = z.number().int().positive();

export const Message = z
  .strictObject({
    id: ObjectIdString,
    thread_id: ObjectIdString,
    community_id: ObjectIdString.describe(
      "the thread's community (kept for cascades and sharding)",
    ),
    content: z.string(),
    author: ObjectIdString,
    created_at: IsoDateTime,
    edited_at: IsoDateTime.nullable(),
    is_edited: z.boolean(),
    reply_to: ObjectIdString.nullable(),
    attachments: z
      .array(z.string())
      .describe('absolute http(s) URLs (one stored before that rule that is not is left out)'),
    seq: MessageSeq.describe(
      'position in the thread, assigned at posting: increasing and never reused. Numbers are skipped where messages were deleted, and where two api replicas raced on the same post (a retry sent to both)',
    ),
    client_msg_id: ClientMsgId.nullable().describe(
      "the sender's idempotency key (`client_msg_id` or `Idempotency-Key`), null when none was given",
    ),
  })
  .meta({ id: 'Message' });
export type Message = z.infer<typeof Message>;

export const CreateMessageBody = z.strictObject({
  content: z.string().trim().min(1).max(10000),
  author: ObjectIdString.optional().describe(
    'optional: the authenticated member; any other id is refused (403)',
  ),
  reply_to: ObjectIdString.nullable().default(null).describe('a message of the same thread'),
  attachments: Attachments.default([]),
  client_msg_id: ClientMsgId.optional().describe(
    'idempotency key: a retry with the same key returns the first message (200, ' +
      '`Idempotent-Replayed: true`) instead of posting again; same as the `Idempotency-Key` header',
  ),
});
export type CreateMessageBody = z.infer<typeof CreateMessageBody>;

export const UpdateMessageBody = z
  .strictObject({
    content: z.string().trim().min(1).max(10000),
    attachments: Attachments,
  })
  .partial()
  .refine((body) => Object.keys(body).length > 0, 'at least one field is required');
export type UpdateMessageBody = z.infer<typeof UpdateMessageBody>;

/**
 * Request headers of `POST /api/messages/thread/{id}` (Node lower-cases header names). Other
 * headers pass through unchecked.
 */
export const CreateMessageHeaders = z.object({
  'idempotency-key': ClientMsgId.optional().describe(
    'idempotency key, as `client_msg_id` in the body (both given and different: 400)',
  ),
});
export type CreateMessageHeaders = z.infer<typeof CreateMessageHeaders>;

/** Messages of a thread (and replies to a message) in chronological order, oldest first. */
export const MessageListQuery = PageQuery;
export type MessageListQuery = z.infer<typeof MessageListQuery>;

/**
 * A thread's messages: chronological by default; with `after_seq`, those with a greater `seq` in
 * `seq` order (catching up after a gap in live events).
 */
export const ThreadMessagesQuery = PageQuery.extend({
  after_seq: z.coerce
    .number()
    .int()
    .min(0)
    .optional()
    // The OpenAPI type spelled out: null coerces to 0, which the generator would read as nullable.
    .meta({
      type: 'integer',
      minimum: 0,
      description: 'only messages with a greater `seq`, in `seq` order (0: from the first)',
    }),
});
export type ThreadMessagesQuery = z.infer<typeof ThreadMessagesQuery>;

export const MessageSearchQuery = PageQuery.extend({
  q: SearchText,
  thread_id: ObjectIdString.optional().describe('only messages of this thread'),
});
export type MessageSearchQuery = z.infer<typeof MessageSearchQuery>;
