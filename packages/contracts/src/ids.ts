import { z } from 'zod';

/**
 * Every entity id crossing a boundary is a MongoDB ObjectId rendered as 24 lowercase hex digits.
 * One canonical spelling keeps string comparisons (e.g. `thread.community_id === community.id`)
 * and channel names exact.
 */
export const ObjectIdString = z
  .string()
  .regex(/^[0-9a-f]{24}$/, 'must be a 24-character lowercase hex id')
  .describe('24-character lowercase hex id');
export type ObjectIdString = z.infer<typeof ObjectIdString>;

/** Timestamps are ISO 8601 in UTC with milliseconds, e.g. `2026-01-31T12:00:00.000Z`. */
export const IsoDateTime = z.iso.datetime().describe('ISO 8601 timestamp (UTC)');
export type IsoDateTime = z.infer<typeof IsoDateTime>;

export function isObjectIdString(value: unknown): value is ObjectIdString {
  return ObjectIdString.safeParse(value).success;
}
