import {
  ACCESS_TOKEN_AUDIENCE,
  ACCESS_TOKEN_TYPE,
  AccessClaims,
  GRANT_TOKEN_AUDIENCE,
  GRANT_TOKEN_TYPE,
  GrantClaims,
  type GrantableChannel,
} from '@communities/contracts';
import { SignJWT, errors, jwtVerify, type JWTHeaderParameters, type JWTPayload } from 'jose';
import type { z } from 'zod';
import type { SigningKeys } from './signing-keys';

/** Why a token was refused; the message is safe to show to the client. */
export class TokenError extends Error {
  constructor(
    readonly reason: 'expired' | 'invalid',
    message: string,
  ) {
    super(message);
    this.name = 'TokenError';
  }
}

export interface TokenServiceOptions {
  keys: SigningKeys;
  issuer: string;
  accessTtlSeconds: number;
  grantTtlSeconds: number;
  /** Seconds of clock skew tolerated between the signer and a verifier. */
  clockToleranceSeconds?: number;
  /** For tests: the current time in ms. */
  now?: () => number;
}

export interface IssuedToken {
  token: string;
  expiresAt: Date;
}

/**
 * Signs and verifies the two JWT kinds. Verification pins HS256 (so `alg: none` and algorithm
 * confusion are refused), picks the key by `kid`, and checks `typ`, `iss`, `aud` and `exp` before
 * the claims are parsed with their contract schema.
 */
export class TokenService {
  private readonly now: () => number;

  constructor(private readonly options: TokenServiceOptions) {
    this.now = options.now ?? Date.now;
  }

  get accessTtlSeconds(): number {
    return this.options.accessTtlSeconds;
  }

  signAccess(memberId: string, tokenVersion: number): Promise<IssuedToken> {
    return this.sign(
      { tv: tokenVersion },
      memberId,
      ACCESS_TOKEN_TYPE,
      ACCESS_TOKEN_AUDIENCE,
      this.options.accessTtlSeconds,
    );
  }

  verifyAccess(token: string): Promise<AccessClaims> {
    return this.verify(token, ACCESS_TOKEN_TYPE, ACCESS_TOKEN_AUDIENCE, AccessClaims);
  }

  signGrant(grant: {
    memberId: string;
    channel: GrantableChannel;
    communityId: string;
    /** What the access rests on: the membership (a private community) or the access epoch. */
    basis: { membershipId: string } | { accessEpoch: string };
  }): Promise<IssuedToken> {
    const basis =
      'membershipId' in grant.basis
        ? { mb: true, mid: grant.basis.membershipId }
        : { mb: false, ae: grant.basis.accessEpoch };
    return this.sign(
      { ch: grant.channel, cid: grant.communityId, ...basis },
      grant.memberId,
      GRANT_TOKEN_TYPE,
      GRANT_TOKEN_AUDIENCE,
      this.options.grantTtlSeconds,
    );
  }

  /** Verifies a grant and that it was issued to `memberId` for `channel`. */
  async verifyGrant(token: string, memberId: string, channel: string): Promise<GrantClaims> {
    const claims = await this.verify(token, GRANT_TOKEN_TYPE, GRANT_TOKEN_AUDIENCE, GrantClaims);
    if (claims.sub !== memberId) throw new TokenError('invalid', 'the grant is for another member');
    if (claims.ch !== channel) throw new TokenError('invalid', 'the grant is for another channel');
    return claims;
  }

  private async sign(
    claims: JWTPayload,
    subject: string,
    typ: string,
    audience: string,
    ttlSeconds: number,
  ): Promise<IssuedToken> {
    const { kid, secret } = this.options.keys.active;
    const issuedAt = Math.floor(this.now() / 1000);
    const expiresAt = issuedAt + ttlSeconds;
    const token = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256', typ, kid })
      .setSubject(subject)
      .setIssuer(this.options.issuer)
      .setAudience(audience)
      .setIssuedAt(issuedAt)
      .setExpirationTime(expiresAt)
      .sign(secret);
    return { token, expiresAt: new Date(expiresAt * 1000) };
  }

  private async verify<S extends z.ZodType>(
    token: string,
    typ: string,
    audience: string,
    schema: S,
  ): Promise<z.infer<S>> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, (header: JWTHeaderParameters) => this.keyFor(header), {
        algorithms: ['HS256'],
        typ,
        issuer: this.options.issuer,
        audience,
        clockTolerance: this.options.clockToleranceSeconds ?? 5,
        currentDate: new Date(this.now()),
        requiredClaims: ['sub', 'exp', 'iat'],
      }));
    } catch (error) {
      if (error instanceof errors.JWTExpired) throw new TokenError('expired', 'the token expired');
      throw new TokenError('invalid', 'the token is invalid');
    }
    const parsed = schema.safeParse(payload);
    if (!parsed.success) throw new TokenError('invalid', 'the token is invalid');
    return parsed.data;
  }

  private keyFor(header: JWTHeaderParameters): Uint8Array {
    const key = header.kid ? this.options.keys.byKid.get(header.kid) : undefined;
    if (!key) throw new TokenError('invalid', 'unknown signing key');
    return key.secret;
  }
}
