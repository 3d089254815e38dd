import { TokenService, parseSigningKeys } from '@communities/auth';
import { type GrantableChannel, TOKEN_ISSUER_DEFAULT } from '@communities/contracts';

/**
 * The key ring of a bench run, given as AUTH_JWT_KEYS to our gateway and api-service. The servers
 * listen on 127.0.0.1 only and hold nothing but bench data, so a fixed key is fine here.
 */
export const BENCH_AUTH_JWT_KEYS = 'bench:bench-only-signing-key-never-use-it-elsewhere';

/** The community every bench room (thread) belongs to, as a grant states it. */
const BENCH_COMMUNITY_ID = 'c0c0c0c0c0c0c0c0c0c0c0c0';

/**
 * The load generator signs what the api-service would hand out (an access token at login, a grant
 * from `POST /api/realtime/grants`), with the same `TokenService` and key, so a fan-out of 10,000
 * sockets needs no 10,000 logins. The lifetimes are the api-service's defaults.
 */
const tokens = new TokenService({
  keys: parseSigningKeys(BENCH_AUTH_JWT_KEYS),
  issuer: TOKEN_ISSUER_DEFAULT,
  accessTtlSeconds: 900,
  grantTtlSeconds: 60,
});

/** Simulated user `user`'s member id: 24 lowercase hex, one per user. */
export function benchMemberId(user: number): string {
  return `be0c${user.toString(16).padStart(20, '0')}`;
}

/** An access token of `memberId` (token version 0: a member who never changed the password). */
export async function accessToken(memberId: string): Promise<string> {
  return (await tokens.signAccess(memberId, 0)).token;
}

/** A grant of `memberId` for one bench room's channel, in a public community. */
export async function grantFor(memberId: string, channel: string): Promise<string> {
  const issued = await tokens.signGrant({
    memberId,
    channel: channel as GrantableChannel,
    communityId: BENCH_COMMUNITY_ID,
    basis: { accessEpoch: 'bench' },
  });
  return issued.token;
}
