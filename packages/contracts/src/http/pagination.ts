import { z } from 'zod';

export const DEFAULT_PAGE_LIMIT = 50;
export const MAX_PAGE_LIMIT = 100;

/**
 * Every list is a keyset page: `limit` (default 50, max 100) and an opaque `cursor` taken from the
 * previous page's `next_cursor`. Cursors are positions in the list's sort order, never offsets.
 */
export const PageQuery = z.strictObject({
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(MAX_PAGE_LIMIT)
    .default(DEFAULT_PAGE_LIMIT)
    .describe(`page size, 1-${MAX_PAGE_LIMIT}`),
  cursor: z
    .string()
    .min(1)
    .max(512)
    .regex(/^[A-Za-z0-9_-]+$/, 'must be a cursor returned by a previous page')
    .optional()
    .describe('opaque cursor from the previous page'),
});
export type PageQuery = z.infer<typeof PageQuery>;

export function pageOf<T extends z.ZodType>(item: T) {
  return z.strictObject({
    items: z.array(item),
    next_cursor: z
      .string()
      .nullable()
      .describe('pass as `cursor` to get the next page; null on the last page'),
  });
}
export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

/** Search terms: trimmed, 1-200 characters, matched case-insensitively as a literal substring. */
export const SearchText = z.string().trim().min(1).max(200).describe('text to search for');
