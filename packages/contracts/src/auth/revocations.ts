import { parseChannel } from '../channels';
import { assertNever } from '../events/domain-event';
import { type AccessRevokedData } from '../events/payloads';
import { type AccessClaims, type GrantClaims } from './claims';

/**
 * The revocation register: what every gateway replica, and a restarted one, must refuse. It is a
 * map of keys to numbers, written by the broker atomically with each `access_revoked` publish
 * (a key only ever grows: the larger of two values stays) and read by a gateway before it admits
 * a socket or a join. Exact by construction: a grant names the membership or the access epoch it
 * was issued on, so "issued before the revocation" needs no clock.
 *
 * - `member:{id}` = the member's token version: access tokens with a lower `tv` are refused;
 * - `membership:{id}`, `public:{community}:{epoch}`, `community:{id}`, `thread:{id}` = 1: any
 *   grant resting on that membership or epoch, of that community, or for that thread is refused.
 */
export interface RevocationEntry {
  key: string;
  value: number;
}

/**
 * How long the register keeps an entry: longer than any token or grant it must refuse (access
 * tokens live at most 24 h, the api-service's AUTH_ACCESS_TTL_SECONDS maximum; grants far less).
 */
export const REVOCATION_TTL_SECONDS = 25 * 60 * 60;

export const revocationKeys = {
  member: (memberId: string) => `member:${memberId}`,
  membership: (membershipId: string) => `membership:${membershipId}`,
  publicAccess: (communityId: string, epoch: string) => `public:${communityId}:${epoch}`,
  community: (communityId: string) => `community:${communityId}`,
  thread: (threadId: string) => `thread:${threadId}`,
};

/** What one `access_revoked` adds to the register. */
export function revocationEntries(data: AccessRevokedData): RevocationEntry[] {
  switch (data.scope) {
    case 'member':
      return [{ key: revocationKeys.member(data.member_id), value: data.token_version }];
    case 'membership':
      return [{ key: revocationKeys.membership(data.membership_id), value: 1 }];
    case 'community':
      if (data.reason === 'deleted') {
        return [{ key: revocationKeys.community(data.community_id), value: 1 }];
      }
      return data.access_epoch === undefined
        ? []
        : [{ key: revocationKeys.publicAccess(data.community_id, data.access_epoch), value: 1 }];
    case 'thread':
      return [{ key: revocationKeys.thread(data.thread_id), value: 1 }];
    default:
      return assertNever(data);
  }
}

/** The keys whose presence refuses a grant: its community, its thread, and what it rests on. */
export function grantRevocationKeys(claims: GrantClaims): string[] {
  const keys = [revocationKeys.community(claims.cid)];
  const channel = parseChannel(claims.ch);
  if (channel?.kind === 'thread') keys.push(revocationKeys.thread(channel.id));
  if (claims.mb && claims.mid !== undefined) keys.push(revocationKeys.membership(claims.mid));
  if (!claims.mb && claims.ae !== undefined) {
    keys.push(revocationKeys.publicAccess(claims.cid, claims.ae));
  }
  return keys;
}

/** Whether the register's value for `member:{sub}` refuses this access token. */
export function isAccessTokenRevoked(claims: AccessClaims, floor: number | undefined): boolean {
  return floor !== undefined && claims.tv < floor;
}
