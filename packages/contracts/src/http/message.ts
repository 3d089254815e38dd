import { z } from 'zod';
import { IsoDateTime, ObjectIdString } from '../ids';
import { PageQuery, SearchText } from './pagination';

const Attachments = z.array(z.url().max(2048)).max(10);

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
    attachments: z.array(z.string()),
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

/** Messages of a thread (and replies to a message) in chronological order, oldest first. */
export const MessageListQuery = PageQuery;
export type MessageListQuery = z.infer<typeof MessageListQuery>;

export const MessageSearchQuery = PageQuery.extend({
  q: SearchText,
  thread_id: ObjectIdString.optional().describe('only messages of this thread'),
});
export type MessageSearchQuery = z.infer<typeof MessageSearchQuery>;
