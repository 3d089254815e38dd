import { z } from 'zod';
import { ObjectIdString } from '../ids';

/** Path parameters. Ids are validated before any store is asked (400 on a malformed id). */
export const IdParams = z.strictObject({ id: ObjectIdString });
export const CommunityIdParams = z.strictObject({ community_id: ObjectIdString });
export const ThreadIdParams = z.strictObject({ thread_id: ObjectIdString });
export const RepliesParams = z.strictObject({
  thread_id: ObjectIdString,
  message_id: ObjectIdString,
});
export const UsernameParams = z.strictObject({ username: z.string().min(1).max(64) });
