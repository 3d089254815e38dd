import { z } from 'zod';
import { IsoDateTime, ObjectIdString } from '../ids';
import { Password } from './auth';
import { PageQuery } from './pagination';
import { WebUrl } from './web-url';

const Username = z
  .string()
  .min(3)
  .max(32)
  .regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits, "_", "." and "-" only');
const Email = z.email().max(254);

export const Member = z
  .strictObject({
    id: ObjectIdString,
    username: z.string(),
    email: z.string().nullable().describe('shown only to the member themself; null for others'),
    full_name: z.string().nullable(),
    avatar_url: z
      .string()
      .nullable()
      .describe('an absolute http(s) URL, or null (also for a value stored before that rule)'),
    bio: z.string().nullable(),
    joined_at: IsoDateTime,
    is_active: z.boolean(),
    communities: z.array(ObjectIdString).describe('ids of the communities the member belongs to'),
  })
  .meta({ id: 'Member' });
export type Member = z.infer<typeof Member>;

const Profile = z.strictObject({
  username: Username.describe('unique, case-insensitively'),
  email: Email.describe('unique, case-insensitively; stored lower-cased'),
  full_name: z.string().trim().min(1).max(100).nullable().optional(),
  avatar_url: WebUrl.nullable().optional(),
  bio: z.string().max(1000).nullable().optional(),
});

/** Sign-up: the profile plus a password, which is stored only as a slow salted hash. */
export const CreateMemberBody = Profile.extend({
  password: Password.describe('8 to 128 characters; never returned'),
});
export type CreateMemberBody = z.infer<typeof CreateMemberBody>;

/** Profile changes; the password changes through `PUT /api/members/{id}/password`. */
export const UpdateMemberBody = Profile.partial().refine(
  (body) => Object.keys(body).length > 0,
  'at least one field is required',
);
export type UpdateMemberBody = z.infer<typeof UpdateMemberBody>;

export const MemberListQuery = PageQuery;
export type MemberListQuery = z.infer<typeof MemberListQuery>;

export const MemberActivity = z
  .strictObject({
    member_id: ObjectIdString,
    communities_joined: z.number().int().nonnegative(),
    threads_created: z.number().int().nonnegative(),
    messages_posted: z.number().int().nonnegative(),
    last_activity: IsoDateTime.nullable().describe(
      'latest of: joining a community, creating a thread, posting a message',
    ),
  })
  .meta({ id: 'MemberActivity' });
export type MemberActivity = z.infer<typeof MemberActivity>;
