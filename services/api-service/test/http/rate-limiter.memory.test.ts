import { pino } from 'pino';
import { createRateLimiter } from '../../src/http/rate-limit';
import { loginFailuresContract } from './login-failures.contract';
import { rateLimiterContract, type OpenLimiter } from './rate-limiter.contract';

describe('RateLimiter in process memory (the embedded default)', () => {
  // Each limiter has its own maps, so the default key prefix isolates the tests well enough.
  const open: OpenLimiter = (settings) =>
    Promise.resolve(createRateLimiter(settings, { logger: pino({ level: 'silent' }) }));

  rateLimiterContract(open);

  describe('login failures', () => {
    loginFailuresContract(open);
  });
});
