import { type RateSpec } from '@communities/auth';
import { AppError } from '@communities/contracts';

/**
 * The current window of whoever the limit applies to (a member's `MemberQuota`), kept by that
 * holder so it is dropped with the rest of its state (no timer, no map of windows to clean up).
 * `endsAt` 0: no window yet.
 */
export interface ActionWindow {
  /** When the window ends (ms since the epoch); the next action after it opens a new one. */
  endsAt: number;
  used: number;
}

/**
 * WS_RATE_LIMIT_ACTIONS: at most `points` client actions per member per gateway (every socket of
 * the member counts in one window) in each fixed window of `durationSeconds`, starting at the
 * first action after the previous window ended. Over the limit the action is refused with
 * RATE_LIMITED, saying when the window ends; the connection stays open. `authenticate` is never
 * counted (it is handled before).
 */
export class ActionRateLimit {
  constructor(
    private readonly spec: RateSpec,
    private readonly now: () => number = Date.now,
  ) {}

  /** Counts one action in `window`, opening a new one if it ended; throws RATE_LIMITED past the limit. */
  consume(window: ActionWindow): void {
    const now = this.now();
    if (window.endsAt <= now) {
      window.endsAt = now + this.spec.durationSeconds * 1000;
      window.used = 1;
      return;
    }
    window.used += 1;
    if (window.used <= this.spec.points) return;
    const retryInSeconds = Math.max(1, Math.ceil((window.endsAt - now) / 1000));
    throw new AppError(
      'RATE_LIMITED',
      `more than ${this.spec.points} actions in ${this.spec.durationSeconds} s; ` +
        `retry in ${retryInSeconds} s`,
    );
  }
}
