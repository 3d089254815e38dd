import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { createRateLimiter, type RateLimiter } from '../../src/http/rate-limit';
import { openApi, storeKinds, type ApiHarness } from '../support/api-harness';
import { armable, rateLimitScenarios, type OpenLimitedApi } from '../support/auth-fixtures';
import { loginLockoutScenarios } from '../support/login-lockout-scenarios';

/** The rate limits through the app, counted in process (the embedded default, one replica). */
describe.each(storeKinds())('rate limits in process (%s store)', (kind) => {
  const opened: { h: ApiHarness; limiter: RateLimiter }[] = [];
  afterEach(async () => {
    for (const { h, limiter } of opened.splice(0)) {
      await limiter.close();
      await h.close();
    }
  });

  const open: OpenLimitedApi = async (settings) => {
    const { limiter, arm } = armable(
      createRateLimiter(settings, {
        logger: pino({ level: 'silent' }),
        keyPrefix: `rl:test:${randomBytes(6).toString('hex')}`,
      }),
    );
    const h = await openApi(kind, { limiter });
    opened.push({ h, limiter });
    return { app: h.app, arm };
  };

  rateLimitScenarios(open);

  describe('login failures', () => {
    loginLockoutScenarios(open);
  });
});
