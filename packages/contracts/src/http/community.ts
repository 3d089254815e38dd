import { z } from 'zod';
import { IsoDateTime, ObjectIdString } from '../ids';
import { PageQuery } from './pagination';
import { WebUrl } from './web-url';

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
    avatar_url: z
      .string()
      .nullable()
      .describe('an absolute http(s) URL, or null (also for a value stored before that rule)'),
  })
  .meta({ id: 'Community' });
export type Community = z.infer<typeof Community>;

export const CreateCommunityBody = z.strictObject({
  name: z.string().trim().min(1).max(100),
  description: z.string().max(2000).default(''),
  created_by: ObjectIdString.optional().describe(
    'optional: the authenticated member, who becomes the owner; any other id is refused (403)',
  ),
  is_public: z.boolean().default(true),
  tags: Tags.default([]),
  avatar_url: WebUrl.nullable().default(null),
});
export type CreateCommunityBody = z.infer<typeof CreateCommunityBody>;

export const UpdateCommunityBody = z
  .strictObject({
    name: z.string().trim().min(1).max(100),
    description: z.string().max(2000),
    is_public: z.boolean(),
    tags: Tags,
    avatar_url: WebUrl.nullable(),
  })
  .partial()
  .refine((body) => Object.keys(body).length > 0, 'at least one field is required');
export type UpdateCommunityBody = z.infer<typeof UpdateCommunityBody>;

/**
 * Body of join and leave, optional: the acting member is the authenticated one. A `member_id`
 * naming anyone else is refused (403); to remove someone else, moderators use
 * `DELETE /api/communities/{id}/members/{member_id}`.
 */
export const MembershipBody = z
  .strictObject({ member_id: ObjectIdString.optional() })
  .optional()
  .transform((body) => body ?? {});
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

export const CommunityRole = z
  .enum(['owner', 'moderator', 'member'])
  .describe('owner: the creator; moderators are named by the owner or another moderator');
export type CommunityRole = z.infer<typeof CommunityRole>;

/** Invites a member to a private community; joining it needs an invitation. */
export const InvitationBody = z.strictObject({ member_id: ObjectIdString });
export type InvitationBody = z.infer<typeof InvitationBody>;

export const Invitation = z
  .strictObject({
    community_id: ObjectIdString,
    member_id: ObjectIdString,
    invited_by: ObjectIdString,
    created_at: IsoDateTime,
  })
  .meta({ id: 'Invitation' });
export type Invitation = z.infer<typeof Invitation>;

export const RoleResult = z
  .strictObject({
    community_id: ObjectIdString,
    member_id: ObjectIdString,
    role: CommunityRole,
  })
  .meta({ id: 'RoleResult' });
export type RoleResult = z.infer<typeof RoleResult>;

export const CommunityListQuery = PageQuery;
export type CommunityListQuery = z.infer<typeof CommunityListQuery>;
