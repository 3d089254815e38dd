import { type ActionWindow } from './action-rate-limit';

/**
 * What all the admitted sockets of one member on this gateway share: their count, and the one
 * action window WS_RATE_LIMIT_ACTIONS counts them in (the window is inline: no second object).
 */
export interface MemberQuota extends ActionWindow {
  sockets: number;
}

/**
 * Per member, not per socket: WS_MAX_SOCKETS_PER_MEMBER, and the state behind the action limit,
 * so another socket buys neither more actions nor a fresh window. An entry exists only while the
 * member has an admitted socket here and goes with the last one: nothing is kept for members who
 * left, and there is no timer.
 */
export class MemberQuotas {
  private readonly members = new Map<string, MemberQuota>();

  constructor(private readonly maxSocketsPerMember: number) {}

  /**
   * Counts one more socket of `userId` and returns the member's shared quota; undefined, counting
   * nothing, when they already hold the maximum.
   */
  admit(userId: string): MemberQuota | undefined {
    const quota = this.members.get(userId);
    if (quota === undefined) {
      const created: MemberQuota = { sockets: 1, endsAt: 0, used: 0 };
      this.members.set(userId, created);
      return created;
    }
    if (quota.sockets >= this.maxSocketsPerMember) return undefined;
    quota.sockets += 1;
    return quota;
  }

  /** Once per admitted socket of `userId`, when it closed; the last one drops the member. */
  release(userId: string): void {
    const quota = this.members.get(userId);
    if (quota === undefined) return;
    quota.sockets -= 1;
    if (quota.sockets === 0) this.members.delete(userId);
  }

  /** Members with at least one admitted socket on this gateway. */
  get memberCount(): number {
    return this.members.size;
  }
}
