import { AppError } from '@communities/contracts';
import { TokenError, type TokenService } from '@communities/auth';
import type { MemberRepository } from '../modules/members/member.repository';

/** The authenticated member a request acts as. */
export interface Actor {
  id: string;
}

const unauthenticated = (message: string) => new AppError('UNAUTHENTICATED', message);

/**
 * Turns an `Authorization` header into an Actor. A present but unusable header is an error (401),
 * never silently anonymous: a client with a stale token must learn it. Besides the signature and
 * expiry, the member must still be active and the token's version current (a password change or
 * a deactivation bumps it), which costs one read by `_id` per authenticated request.
 */
export class Authenticator {
  constructor(
    private readonly tokens: TokenService,
    private readonly members: MemberRepository,
  ) {}

  async fromHeader(header: string | undefined): Promise<Actor | undefined> {
    if (header === undefined) return undefined;
    const match = /^Bearer ([A-Za-z0-9._~+/=-]+)$/i.exec(header.trim());
    if (!match) throw unauthenticated('the Authorization header must be "Bearer <access token>"');
    let claims;
    try {
      claims = await this.tokens.verifyAccess(match[1]!);
    } catch (error) {
      if (error instanceof TokenError) throw unauthenticated(`access token: ${error.message}`);
      throw error;
    }
    const member = await this.members.credentialsById(claims.sub);
    if (!member?.is_active || member.token_version !== claims.tv) {
      throw unauthenticated('access token: the session has ended; log in again');
    }
    return { id: member.id };
  }
}
