import type { Logger } from 'pino';
import type { RateLimiterAbstract, RateLimiterRes } from 'rate-limiter-flexible';
import { sourceKey } from './rate-limit-keys';
import { tooMany } from './rate-limited-error';

/** One login attempt: the client address it comes from and the account it names (`accountKey`). */
export interface LoginAttempt {
  ip: string;
  account: string;
}

/** Settles an admitted attempt: `true` when it logged in. Never throws. */
export type SettleLogin = (succeeded: boolean) => Promise<void>;

/** For an attempt nothing was held for. */
export const NOTHING_HELD: SettleLogin = () => Promise.resolve();

/** The two counters of failed logins: per (account, source address) and per account. */
export interface FailureCounters {
  source: RateLimiterAbstract;
  account: RateLimiterAbstract;
}

/**
 * Failed logins, counted so that brute force is stopped and nobody can lock an account's owner
 * out (OWASP: lock out the failing source, not the account). One budget of `points` failures per
 * window (RATE_LIMIT_LOGIN_PER_ACCOUNT) applies twice:
 *
 * - per (account, source address): a source that has used the budget up on an account is refused
 *   for that account, right password or not, until its window ends;
 * - per account, from every source: once that is used up, a source that has failed for the
 *   account in its own window is refused too, while one that has not may still try (its first
 *   failure makes it one that has). The owner, from an address they have not been failing from,
 *   can therefore always try their password; a guesser spread over many addresses gets the
 *   budget plus one guess per further address per window.
 *
 * A successful login uses nothing up and clears its source's failures on the account; a refused
 * attempt (no password was checked) counts as nothing. Refusals are 429 with Retry-After.
 *
 * Each attempt takes a point on both counters before its password is checked, at once, so that a
 * burst cannot pass between a check and a count; a success or a refusal gives them back.
 */
export class LoginFailures {
  constructor(
    private readonly counters: FailureCounters,
    private readonly points: number,
    private readonly logger: Logger,
  ) {}

  async admit(attempt: LoginAttempt): Promise<SettleLogin> {
    const keys = { source: sourceKey(attempt.account, attempt.ip), account: attempt.account };
    const [bySource, byAccount] = await Promise.allSettled([
      this.counters.source.penalty(keys.source),
      this.counters.account.penalty(keys.account),
    ]);
    if (bySource.status === 'fulfilled' && byAccount.status === 'fulfilled') {
      return this.decide(keys, bySource.value, byAccount.value);
    }
    // The store and its insurance both failed: let the attempt through rather than turning a
    // limiter fault into an outage (as `RateLimiter.check` does), giving back what was taken.
    const err: unknown = [bySource, byAccount].find(
      (result): result is PromiseRejectedResult => result.status === 'rejected',
    )?.reason;
    this.logger.error({ err, kind: 'login' }, 'rate limit check failed');
    await this.giveBack(keys, {
      source: bySource.status === 'fulfilled',
      account: byAccount.status === 'fulfilled',
    });
    return NOTHING_HELD;
  }

  /** `bySource` and `byAccount`: the counters with this attempt's point taken. */
  private async decide(
    keys: { source: string; account: string },
    bySource: RateLimiterRes,
    byAccount: RateLimiterRes,
  ): Promise<SettleLogin> {
    // Held before this attempt: failures, and attempts whose password is still being checked.
    const sourceFailed = bySource.consumedPoints - 1;
    const accountFailed = byAccount.consumedPoints - 1;
    let waitMs: number | undefined;
    if (sourceFailed >= this.points) waitMs = bySource.msBeforeNext;
    else if (accountFailed >= this.points && sourceFailed > 0) {
      // Either window ending lets this source try again.
      waitMs = Math.min(bySource.msBeforeNext, byAccount.msBeforeNext);
    }
    if (waitMs !== undefined) {
      await this.giveBack(keys, { source: true, account: true });
      throw tooMany('login attempts', waitMs);
    }
    // A failure keeps the points taken: they are the failure, counted.
    return (succeeded) => (succeeded ? this.succeeded(keys) : Promise.resolve());
  }

  private async succeeded(keys: { source: string; account: string }): Promise<void> {
    await this.settle([
      this.counters.source.delete(keys.source),
      this.counters.account.reward(keys.account),
    ]);
  }

  private async giveBack(
    keys: { source: string; account: string },
    held: { source: boolean; account: boolean },
  ): Promise<void> {
    await this.settle([
      ...(held.source ? [this.counters.source.reward(keys.source)] : []),
      ...(held.account ? [this.counters.account.reward(keys.account)] : []),
    ]);
  }

  /** Waits for the updates; one that failed leaves a point too many (logged), never an error. */
  private async settle(updates: Promise<unknown>[]): Promise<void> {
    for (const result of await Promise.allSettled(updates)) {
      if (result.status === 'rejected') {
        this.logger.error({ err: result.reason as unknown }, 'login failure count not updated');
      }
    }
  }
}
