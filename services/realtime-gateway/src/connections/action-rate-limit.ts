import { type RateSpec } from '@communities/auth';
import { AppError } from '@communities/contracts';

/**
 * One connection's current window: created by its first counted action and kept by the connection
 * itself, so an idle connection holds nothing and a closed one drops it with the rest of its state
 * (no timer, no shared map to clean up).
 */
export interface ActionWindow {
  /** When the window ends (ms since the epoch); the next action after it opens a new one. */
  endsAt: number;
  used: number;
}

/**
 * WS_RATE_LIMIT_ACTIONS: at most `points` client actions per connection in each fixed window of
 * `durationSeconds`, starting at the first action after the previous window ended. Over the limit
 * the action is refused with RATE_LIMITED, saying when the window ends; the connection stays open.
 * `authenticate` is never counted (it is handled before).
 */
export class ActionRateLimit {
  constructor(
    private readonly spec: RateSpec,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Counts one action in `window` (undefined: the connection has none yet) and returns the window
   * to keep; throws RATE_LIMITED past the limit.
   */
  consume(window: ActionWindow | undefined): ActionWindow {
    const now = this.now();
    if (window === undefined || window.endsAt <= now) {
      return { endsAt: now + this.spec.durationSeconds * 1000, used: 1 };
    }
    window.used += 1;
    if (window.used <= this.spec.points) return window;
    const retryInSeconds = Math.max(1, Math.ceil((window.endsAt - now) / 1000));
    throw new AppError(
      'RATE_LIMITED',
      `more than ${this.spec.points} actions in ${this.spec.durationSeconds} s; ` +
        `retry in ${retryInSeconds} s`,
    );
  }
}
