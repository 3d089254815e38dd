import { randomBytes } from 'node:crypto';
import { backendUrl, describeWithBackend, eventually } from '@communities/test-support';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import request from 'supertest';
import { createRateLimiter, type RateLimitSettings } from '../../src/http/rate-limit';
import {
  openApi,
  storeKinds,
  type ApiHarness,
  type StoreHarness,
  type StoreKind,
} from '../support/api-harness';
import {
  armable,
  expectRateLimited,
  fromIp,
  limitsOnly,
  rateLimitScenarios,
  signUpFrom,
  type OpenLimitedApi,
} from '../support/auth-fixtures';
import { loginLockoutScenarios } from '../support/login-lockout-scenarios';
import { TEST_PASSWORD, createMember, expectError, expectStatus } from '../support/fixtures';

/** The rate limits through the app with their counters in Redis, shared by every replica. */
const silent = pino({ level: 'silent' });
const uniquePrefix = () => `rl:test:${randomBytes(6).toString('hex')}`;

/** A client set up as the service sets up its own: fail fast, never queue. */
async function openClient(url: string): Promise<Redis> {
  const client = new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: 1000,
  });
  client.on('error', () => undefined);
  await eventually(() => client.status === 'ready');
  return client;
}

describeWithBackend('REDIS_URL')('rate limits in Redis', () => {
  const url = backendUrl('REDIS_URL') ?? '';
  const clients: Redis[] = [];
  const harnesses: ApiHarness[] = [];

  afterEach(async () => {
    await Promise.all(harnesses.splice(0).map((h) => h.close()));
  });
  afterAll(() => {
    for (const client of clients.splice(0)) client.disconnect();
  });

  /**
   * One api replica: its own Redis connection, counting under `keyPrefix`, and its own store
   * unless it shares `store` with another replica.
   */
  async function replica(
    kind: StoreKind,
    settings: RateLimitSettings,
    keyPrefix: string,
    store?: StoreHarness,
  ) {
    const redis = await openClient(url);
    clients.push(redis);
    const { limiter, arm } = armable(
      createRateLimiter(settings, { redis, keyPrefix, logger: silent }),
    );
    const h = await openApi(kind, { limiter, ...(store ? { store } : {}) });
    harnesses.push(h);
    return { h, app: h.app, arm, redis };
  }

  describe.each(storeKinds())('through one api replica (%s store)', (kind) => {
    const open: OpenLimitedApi = async (settings) => {
      const { app, arm } = await replica(kind, settings, uniquePrefix());
      return { app, arm };
    };

    rateLimitScenarios(open);

    describe('login failures', () => {
      loginLockoutScenarios(open);
    });
  });

  describe.each(storeKinds())('two api replicas on one Redis (%s store)', (kind) => {
    const window = { points: 3, durationSeconds: 1 };

    it('count sign-ups of one address together', async () => {
      const keyPrefix = uniquePrefix();
      const settings = limitsOnly({ signupPerIp: window });
      const a = await replica(kind, settings, keyPrefix);
      const b = await replica(kind, settings, keyPrefix);
      a.arm();
      b.arm();

      const used = await Promise.all([
        signUpFrom(a.app, '203.0.113.20', 'first'),
        signUpFrom(b.app, '203.0.113.20', 'second'),
        signUpFrom(a.app, '203.0.113.20', 'third'),
      ]);

      for (const res of used) expectStatus(res, 201);
      expectRateLimited(await signUpFrom(b.app, '203.0.113.20', 'fourth'), 1);
      expectRateLimited(await signUpFrom(a.app, '203.0.113.20', 'fifth'), 1);
      expectStatus(await signUpFrom(b.app, '203.0.113.21', 'elsewhere'), 201);
    });

    it('count failed logins on one account together, whichever replica is asked', async () => {
      const keyPrefix = uniquePrefix();
      const settings = limitsOnly({ loginPerAccount: { points: 3, durationSeconds: 60 } });
      const a = await replica(kind, settings, keyPrefix);
      // Replicas share the store too: the account is one member for both.
      const b = await replica(kind, settings, keyPrefix, a.h);
      const target = await createMember(a.app);
      a.arm();
      b.arm();
      const guess = (app: typeof a.app, password: string, ip = '198.51.100.40') =>
        request(app)
          .post('/api/auth/login')
          .set(fromIp(ip))
          .send({ login: target.username, password });

      for (const [app, password] of [
        [a.app, 'guess one'],
        [b.app, 'guess two'],
        [a.app, 'guess three'],
      ] as const) {
        expectError(await guess(app, password), 401, 'INVALID_CREDENTIALS');
      }

      expectRateLimited(await guess(b.app, TEST_PASSWORD), 60);
      expectRateLimited(await guess(a.app, TEST_PASSWORD), 60);
      expectStatus(await guess(b.app, TEST_PASSWORD, '198.51.100.41'), 200);
    });

    it('keep counting apart under different key prefixes (the control)', async () => {
      const settings = limitsOnly({ signupPerIp: window });
      const a = await replica(kind, settings, uniquePrefix());
      const b = await replica(kind, settings, uniquePrefix());
      a.arm();
      b.arm();

      const used = await Promise.all(
        ['one', 'two', 'three'].map((name) => signUpFrom(a.app, '203.0.113.30', `a_${name}`)),
      );

      for (const res of used) expectStatus(res, 201);
      expectRateLimited(await signUpFrom(a.app, '203.0.113.30', 'a_four'), 1);
      expectStatus(await signUpFrom(b.app, '203.0.113.30', 'b_one'), 201);
    });
  });
});
