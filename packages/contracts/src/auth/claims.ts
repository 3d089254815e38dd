import { z } from 'zod';
import { CommunityChannel, ThreadChannel } from '../channels';
import { ObjectIdString } from '../ids';

/** A community's access epoch: opaque, unique per period of being public. */
export const AccessEpoch = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/);

/**
 * JWT claims that cross from the api-service (which signs) to the gateway (which verifies). Both
 * kinds are HS256 JWTs with a `kid` header; they differ in `typ` and `aud`, so one can never be
 * used as the other.
 */
export const TOKEN_ISSUER_DEFAULT = 'communities-api';
export const ACCESS_TOKEN_TYPE = 'at+jwt';
export const ACCESS_TOKEN_AUDIENCE = 'communities';
export const GRANT_TOKEN_TYPE = 'grant+jwt';
export const GRANT_TOKEN_AUDIENCE = 'communities-realtime';

export const AccessClaims = z.object({
  sub: ObjectIdString.describe('the member'),
  tv: z
    .number()
    .int()
    .nonnegative()
    .describe("the member's token version; a password change bumps it, ending older tokens"),
  iat: z.number().int(),
  exp: z.number().int(),
});
export type AccessClaims = z.infer<typeof AccessClaims>;

/**
 * A subscription grant: the api-service's statement that member `sub` may join channel `ch`,
 * which belongs to community `cid`. `mb` (membership-bound) is true when the community is private,
 * so the gateway drops the subscription when the membership ends.
 *
 * A grant also names what its access rests on, so a revocation can end it exactly, with no clock
 * involved: `mid`, the membership it was issued on (a private community; a rejoin is a new
 * membership with a new id), or `ae`, the community's access epoch (a public community; turning
 * it private starts a new epoch and revokes the old one). See `grantRevocationKeys`.
 */
export const GrantClaims = z
  .object({
    sub: ObjectIdString,
    ch: z.union([CommunityChannel, ThreadChannel]),
    cid: ObjectIdString,
    mb: z.boolean(),
    mid: ObjectIdString.optional().describe('the membership a membership-bound grant rests on'),
    ae: AccessEpoch.optional().describe('the access epoch a public grant rests on'),
    iat: z.number().int(),
    exp: z.number().int(),
  })
  .refine((claims) => (claims.mb ? claims.mid !== undefined : claims.ae !== undefined), {
    message: 'a grant names its membership (mb) or its access epoch (public)',
  });
export type GrantClaims = z.infer<typeof GrantClaims>;
