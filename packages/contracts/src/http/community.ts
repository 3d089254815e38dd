import { z } from 'zod';
import { IsoDateTime, ObjectIdString } from '../ids';
import { PageQuery } from './pagination';

const Tags = z.array(z.string().trim().min(1).max(50)).max(20);

export const Community = z
  .strictObject({
    id: ObjectIdString,
    name: z.string(),
    description: z.string(),
    created_by: ObjectIdString,
    created_at: IsoDateTime,
    member_count: z.number().int().nonnegative(),
    is_public: z.boolean(),
    tags: z.array(z.string()),
    avatar_url: z.string().nullable(),
  })
  .meta({ id: 'Community' });
export type Community = z.infer<typeof Community>;

export const CreateCommunityBody = z.strictObject({
  name: z.string().trim().min(1).max(100),
  description: z.string().max(2000).default(''),
  created_by: ObjectIdString.describe('the acting member; becomes the first member'),
  is_public: z.boolean().default(true),
  tags: Tags.default([]),
  avatar_url: z.url().max(2048).nullable().default(null),
});
export type CreateCommunityBody = z.infer<typeof CreateCommunityBody>;

export const UpdateCommunityBody = z
  .strictObject({
    name: z.string().trim().min(1).max(100),
    description: z.string().max(2000),
    is_public: z.boolean(),
    tags: Tags,
    avatar_url: z.url().max(2048).nullable(),
  })
  .partial()
  .refine((body) => Object.keys(body).length > 0, 'at least one field is required');
export type UpdateCommunityBody = z.infer<typeof UpdateCommunityBody>;

/** Body of join and leave: the acting member (from the body until authentication arrives). */
export const MembershipBody = z.strictObject({ member_id: ObjectIdString });
export type MembershipBody = z.infer<typeof MembershipBody>;

export const MembershipResult = z
  .strictObject({
    community_id: ObjectIdString,
    member_id: ObjectIdString,
    is_member: z.boolean(),
    changed: z.boolean().describe('false when the call repeated the current state (idempotent)'),
    member_count: z.number().int().nonnegative(),
  })
  .meta({ id: 'MembershipResult' });
export type MembershipResult = z.infer<typeof MembershipResult>;

export const CommunityListQuery = PageQuery;
export type CommunityListQuery = z.infer<typeof CommunityListQuery>;
