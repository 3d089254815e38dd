import { type TokenService, TokenError } from '@communities/auth';
import { type AccessClaims, AppError } from '@communities/contracts';
import { type RevocationCheck } from './revocation-check';

/**
 * Decides whether an access token may open `/ws/{user_id}`. Throws `AppError`: UNAUTHENTICATED
 * (invalid, expired or revoked token: log in or refresh, then reconnect), FORBIDDEN (a valid
 * token of another member) or SERVICE_UNAVAILABLE (revocations cannot be checked: retry later). The upgrade maps these to HTTP 401 / 403, an `authenticate` frame to
 * close codes 4401 / 4403. Messages are safe to show to the client.
 */
export class Authenticator {
  constructor(
    private readonly tokens: TokenService,
    private readonly revocations: RevocationCheck,
  ) {}

  async authenticate(token: string, pathUserId: string): Promise<AccessClaims> {
    let claims: AccessClaims;
    try {
      claims = await this.tokens.verifyAccess(token);
    } catch (error) {
      if (error instanceof TokenError) {
        throw new AppError(
          'UNAUTHENTICATED',
          error.reason === 'expired' ? 'token expired' : 'invalid token',
        );
      }
      throw error;
    }
    if (claims.sub !== pathUserId) {
      throw new AppError('FORBIDDEN', 'the token belongs to another user than the path');
    }
    // Last, and the caller admits the socket without yielding to I/O (see RevocationCheck).
    if (await this.revocations.isAccessRevoked(claims)) {
      throw new AppError('UNAUTHENTICATED', 'session revoked; log in again');
    }
    return claims;
  }
}
