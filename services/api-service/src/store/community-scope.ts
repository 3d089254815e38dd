import type { Filter } from './document-db';

/** Which communities a search covers: one of them, or all except some (the hidden ones). */
export type CommunityScope = { communityId: string } | { except: string[] };

/** The `community_id` condition of a scope (threads and messages both carry `community_id`). */
export function scopeFilter(scope: CommunityScope): Filter {
  if ('communityId' in scope) return { community_id: scope.communityId };
  return scope.except.length ? { community_id: { $nin: scope.except } } : {};
}
