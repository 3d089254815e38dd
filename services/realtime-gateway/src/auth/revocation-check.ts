import { type RevocationRegister } from '@communities/broker';
import {
  type AccessClaims,
  AppError,
  type GrantClaims,
  grantRevocationKeys,
  revocationKeys,
} from '@communities/contracts';
import { type RevocationList } from './revocation-list';

/**
 * Whether a token or a grant was revoked: the broker's register (every revocation, whichever
 * gateway heard of it, before or after this one started), then this gateway's mirror (see
 * RevocationList). Callers act on a "no" without yielding to I/O, so a revocation is exact: once
 * it is recorded, nothing issued before it is admitted again. Fails closed: when the register
 * cannot be read the answer is SERVICE_UNAVAILABLE, never a guess.
 */
export class RevocationCheck {
  constructor(
    private readonly register: RevocationRegister,
    private readonly local: RevocationList,
  ) {}

  async isAccessRevoked(claims: AccessClaims): Promise<boolean> {
    const [floor] = await this.read([revocationKeys.member(claims.sub)]);
    return this.local.isAccessRevoked(claims, floor);
  }

  async isGrantRevoked(claims: GrantClaims): Promise<boolean> {
    const values = await this.read(grantRevocationKeys(claims));
    return values.some((value) => value !== undefined) || this.local.isGrantRevoked(claims);
  }

  private async read(keys: string[]): Promise<(number | undefined)[]> {
    try {
      return await this.register.readRevocations(keys);
    } catch {
      throw new AppError('SERVICE_UNAVAILABLE', 'access cannot be checked right now; retry');
    }
  }
}
