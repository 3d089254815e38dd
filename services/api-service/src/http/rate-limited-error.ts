import { AppError } from '@communities/contracts';

/** 429: the message says how long to wait; `Retry-After` carries the same number. */
export class RateLimitedError extends AppError {
  constructor(
    readonly retryAfterSeconds: number,
    message: string,
  ) {
    super('RATE_LIMITED', message);
  }
}

/** The refusal of `what` (e.g. "login attempts") for `waitMs`, rounded up to whole seconds. */
export function tooMany(what: string, waitMs: number): RateLimitedError {
  const seconds = Math.max(1, Math.ceil(waitMs / 1000));
  return new RateLimitedError(seconds, `too many ${what}; retry in ${seconds} s`);
}
