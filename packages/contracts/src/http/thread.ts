import { z } from 'zod';
import { IsoDateTime, ObjectIdString } from '../ids';
import { PageQuery, SearchText } from './pagination';

const Tags = z.array(z.string().trim().min(1).max(50)).max(20);

export const Thread = z
  .strictObject({
    id: ObjectIdString,
    community_id: ObjectIdString,
    title: z.string(),
    content: z.string(),
    created_by: ObjectIdString,
    created_at: IsoDateTime,
    updated_at: IsoDateTime,
    message_count: z.number().int().nonnegative(),
    last_activity: IsoDateTime,
    is_pinned: z.boolean(),
    tags: z.array(z.string()),
  })
  .meta({ id: 'Thread' });
export type Thread = z.infer<typeof Thread>;

export const CreateThreadBody = z.strictObject({
  title: z.string().trim().min(1).max(200),
  content: z.string().max(20000).default(''),
  created_by: ObjectIdString.optional().describe(
    'optional: the authenticated member; any other id is refused (403)',
  ),
  tags: Tags.default([]),
});
export type CreateThreadBody = z.infer<typeof CreateThreadBody>;

export const UpdateThreadBody = z
  .strictObject({
    title: z.string().trim().min(1).max(200),
    content: z.string().max(20000),
    tags: Tags,
  })
  .partial()
  .refine((body) => Object.keys(body).length > 0, 'at least one field is required');
export type UpdateThreadBody = z.infer<typeof UpdateThreadBody>;

/** Threads of a community: pinned first, then by `last_activity`, newest first. */
export const ThreadListQuery = PageQuery;
export type ThreadListQuery = z.infer<typeof ThreadListQuery>;

export const ThreadSearchQuery = PageQuery.extend({
  q: SearchText,
  community_id: ObjectIdString.optional().describe('only threads of this community'),
});
export type ThreadSearchQuery = z.infer<typeof ThreadSearchQuery>;
