import { TokenService, parseSigningKeys } from '@communities/auth';
import { type GrantableChannel, TOKEN_ISSUER_DEFAULT } from '@communities/contracts';
import { newId } from './events';

/** The key the test gateways verify with (AUTH_JWT_KEYS), standing in for the api-service's. */
export const TEST_KEY_SPEC = `test-key:${'k'.repeat(40)}`;

export interface SignerOptions {
  /** Another key ring, e.g. the right kid with the wrong secret. */
  keySpec?: string;
  /** When the token is issued (ms); defaults to now. */
  issuedAt?: number;
  accessTtlSeconds?: number;
  grantTtlSeconds?: number;
}

/** Signs the way the api-service does, from `TEST_KEY_SPEC` unless told otherwise. */
export function signer(options: SignerOptions = {}): TokenService {
  const issuedAt = options.issuedAt;
  return new TokenService({
    keys: parseSigningKeys(options.keySpec ?? TEST_KEY_SPEC),
    issuer: TOKEN_ISSUER_DEFAULT,
    accessTtlSeconds: options.accessTtlSeconds ?? 900,
    grantTtlSeconds: options.grantTtlSeconds ?? 60,
    ...(issuedAt !== undefined && { now: () => issuedAt }),
  });
}

/** `tokenVersion`: the member's token version (`tv`), 0 unless a revocation moved it. */
export async function accessToken(
  memberId: string,
  options: SignerOptions & { tokenVersion?: number } = {},
): Promise<string> {
  return (await signer(options).signAccess(memberId, options.tokenVersion ?? 0)).token;
}

export interface GrantOptions extends SignerOptions {
  communityId?: string;
  membershipBound?: boolean;
  /** The membership a membership-bound grant rests on; a fresh id by default. */
  membershipId?: string;
  /** The access epoch a public grant rests on; `initial` by default. */
  accessEpoch?: string;
}

export async function grant(
  memberId: string,
  channel: GrantableChannel,
  options: GrantOptions = {},
): Promise<string> {
  const communityId =
    options.communityId ?? (channel.startsWith('community:') ? channel.slice(10) : '0'.repeat(24));
  const issued = await signer(options).signGrant({
    memberId,
    channel,
    communityId,
    basis: options.membershipBound
      ? { membershipId: options.membershipId ?? newId() }
      : { accessEpoch: options.accessEpoch ?? 'initial' },
  });
  return issued.token;
}

/** A `join_thread` action carrying a grant for `memberId` (a thread of `communityId`). */
export async function joinThread(
  memberId: string,
  threadId: string,
  options: GrantOptions = {},
): Promise<Record<string, unknown>> {
  const token = await grant(memberId, `thread:${threadId}`, options);
  return { action: 'join_thread', thread_id: threadId, grant: token };
}

/** A `join_community` action carrying a grant for `memberId`. */
export async function joinCommunity(
  memberId: string,
  communityId: string,
  options: GrantOptions = {},
): Promise<Record<string, unknown>> {
  const token = await grant(memberId, `community:${communityId}`, { ...options, communityId });
  return { action: 'join_community', community_id: communityId, grant: token };
}

const base64url = (value: object): string =>
  Buffer.from(JSON.stringify(value)).toString('base64url');

/**
 * An unsigned JWT (`alg: none`) with otherwise valid access-token claims: what an attacker sends
 * hoping the verifier trusts the header's algorithm.
 */
export function unsignedAccessToken(memberId: string): string {
  const now = Math.floor(Date.now() / 1000);
  const header = { alg: 'none', typ: 'at+jwt', kid: 'test-key' };
  const payload = {
    sub: memberId,
    tv: 0,
    iss: TOKEN_ISSUER_DEFAULT,
    aud: 'communities',
    iat: now,
    exp: now + 900,
  };
  return `${base64url(header)}.${base64url(payload)}.`;
}
