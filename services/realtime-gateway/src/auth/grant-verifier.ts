import { type TokenService, TokenError } from '@communities/auth';
import { AppError, type GrantClaims } from '@communities/contracts';
import { type ChannelAccess } from '../connections/connection-registry';
import { type RevocationCheck } from './revocation-check';

/**
 * Checks the `grant` of a join: a subscription grant from `POST /api/realtime/grants`, issued to
 * this connection's member for exactly this channel, and not resting on anything revoked since
 * (its membership, its community's public epoch, a deleted community or thread). Returns what the
 * gateway must remember about the subscription to revoke it later; the caller joins without
 * yielding to I/O (see RevocationCheck). Every refusal is FORBIDDEN; SERVICE_UNAVAILABLE when
 * revocations cannot be checked.
 */
export class GrantVerifier {
  constructor(
    private readonly tokens: TokenService,
    private readonly revocations: RevocationCheck,
  ) {}

  async verify(
    grant: string | undefined,
    memberId: string,
    channel: string,
  ): Promise<ChannelAccess> {
    if (grant === undefined) {
      throw new AppError(
        'FORBIDDEN',
        `joining ${channel} needs a "grant": request one from POST /api/realtime/grants`,
      );
    }
    let claims: GrantClaims;
    try {
      claims = await this.tokens.verifyGrant(grant, memberId, channel);
    } catch (error) {
      if (error instanceof TokenError) {
        throw new AppError('FORBIDDEN', `grant refused: ${error.message}`);
      }
      throw error;
    }
    if (await this.revocations.isGrantRevoked(claims)) {
      throw new AppError('FORBIDDEN', 'grant refused: access was revoked after it was issued');
    }
    return { communityId: claims.cid, membershipBound: claims.mb };
  }
}
