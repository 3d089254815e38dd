import { pino } from 'pino';
import { createRateLimiter } from '../../src/http/rate-limit';
import { rateLimiterContract } from './rate-limiter.contract';

describe('RateLimiter in process memory (the embedded default)', () => {
  // Each limiter has its own maps, so the default key prefix isolates the tests well enough.
  rateLimiterContract((settings) =>
    Promise.resolve(createRateLimiter(settings, { logger: pino({ level: 'silent' }) })),
  );
});
