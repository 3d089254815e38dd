import { type TokenService, TokenError } from '@communities/auth';
import { AppError } from '@communities/contracts';
import { type ChannelAccess } from '../connections/connection-registry';
import { type RevocationList } from './revocation-list';

/**
 * Checks the `grant` of a join: a subscription grant from `POST /api/realtime/grants`, issued to
 * this connection's member for exactly this channel, and not issued before a revocation that
 * covers it. Returns what the gateway must remember about the subscription to revoke it later.
 * Every refusal is FORBIDDEN.
 */
export class GrantVerifier {
  constructor(
    private readonly tokens: TokenService,
    private readonly revocations: RevocationList,
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
    try {
      const claims = await this.tokens.verifyGrant(grant, memberId, channel);
      if (this.revocations.isGrantRevoked(claims)) {
        throw new AppError('FORBIDDEN', 'grant refused: access was revoked after it was issued');
      }
      return { communityId: claims.cid, membershipBound: claims.mb };
    } catch (error) {
      if (error instanceof TokenError) {
        throw new AppError('FORBIDDEN', `grant refused: ${error.message}`);
      }
      throw error;
    }
  }
}
