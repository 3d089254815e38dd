import { type RateSpec } from '@communities/auth';
import { AppError } from '@communities/contracts';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';

/**
 * WS_RATE_LIMIT_ACTIONS: at most `points` client actions per connection in each fixed window of
 * `durationSeconds`. Over the limit the action is refused with RATE_LIMITED, saying when the
 * window ends; the connection stays open. `authenticate` is never counted (it is handled before).
 */
export class ActionRateLimit {
  private readonly limiter: RateLimiterMemory;

  constructor(private readonly spec: RateSpec) {
    this.limiter = new RateLimiterMemory({
      points: spec.points,
      duration: spec.durationSeconds,
      keyPrefix: 'ws-actions',
    });
  }

  /** Counts one action of `connectionId`; throws RATE_LIMITED past the limit. */
  async consume(connectionId: string): Promise<void> {
    try {
      await this.limiter.consume(connectionId);
    } catch (error) {
      if (!(error instanceof RateLimiterRes)) throw error;
      const retryInSeconds = Math.max(1, Math.ceil(error.msBeforeNext / 1000));
      throw new AppError(
        'RATE_LIMITED',
        `more than ${this.spec.points} actions in ${this.spec.durationSeconds} s; ` +
          `retry in ${retryInSeconds} s`,
      );
    }
  }

  /** Drops the connection's counter (and its timer) when it closes. */
  forget(connectionId: string): void {
    void this.limiter.delete(connectionId);
  }
}
