import { z } from 'zod';

/** A rate limit: `points` actions per `durationSeconds`. */
export interface RateSpec {
  points: number;
  durationSeconds: number;
}

/**
 * Config syntax for a rate limit: `"<points>/<seconds>"`, e.g. `"10/60"` = 10 per minute;
 * `"off"` disables the limit (null).
 */
export const RateSpecSetting = z
  .string()
  .trim()
  .regex(/^(off|\d+\/\d+)$/, 'must be "<points>/<seconds>" (e.g. "10/60") or "off"')
  .transform((value): RateSpec | null => {
    if (value === 'off') return null;
    const [points, seconds] = value.split('/').map(Number) as [number, number];
    return { points, durationSeconds: seconds };
  })
  .refine((spec) => spec === null || (spec.points > 0 && spec.durationSeconds > 0), {
    message: 'points and seconds must be positive',
  });

/** A rate-limit setting with its default written in config syntax. */
export function rateSetting(defaultValue: string) {
  return z.string().default(defaultValue).pipe(RateSpecSetting);
}
