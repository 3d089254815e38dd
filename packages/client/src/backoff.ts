/**
 * Reconnect delays: exponential backoff with full jitter (AWS Architecture Blog, "Exponential
 * Backoff And Jitter"): attempt n waits a uniformly random time in [0, min(cap, base · 2^n)),
 * so clients that lost the same gateway at the same moment spread out instead of returning
 * together.
 */
export interface BackoffOptions {
  /** First ceiling, in ms (default 250). */
  baseMs?: number;
  /** Largest ceiling, in ms (default 10 000). */
  capMs?: number;
  /**
   * A connection that stayed up this long (ms, default 10 000) counts as stable: the next
   * disconnection starts again from attempt 0.
   */
  stableAfterMs?: number;
}

export const DEFAULT_BACKOFF: Required<BackoffOptions> = {
  baseMs: 250,
  capMs: 10_000,
  stableAfterMs: 10_000,
};

/** The ceiling of attempt `attempt` (0-based): min(cap, base · 2^attempt). */
export function backoffCeiling(attempt: number, options: Required<BackoffOptions>): number {
  // 2^attempt overflows to Infinity past ~1024; min() keeps it at the cap.
  return Math.min(options.capMs, options.baseMs * 2 ** attempt);
}

/** A delay in [0, ceiling) drawn with `random` (a [0, 1) source, injectable for tests). */
export function backoffDelay(
  attempt: number,
  options: Required<BackoffOptions>,
  random: () => number,
): number {
  return Math.floor(random() * backoffCeiling(attempt, options));
}
