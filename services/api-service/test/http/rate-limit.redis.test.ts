import { randomBytes } from 'node:crypto';
import { backendUrl, describeWithBackend, eventually } from '@communities/test-support';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import request from 'supertest';
import { createRateLimiter, type RateLimitSettings } from '../../src/http/rate-limit';
import { openApi, storeKinds, type ApiHarness, type StoreKind } from '../support/api-harness';
import {
  armable,
  expectRateLimited,
  limitsOnly,
  rateLimitScenarios,
  signUpFrom,
} from '../support/auth-fixtures';
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

  /** One api replica: its own store and its own Redis connection, counting under `keyPrefix`. */
  async function replica(kind: StoreKind, settings: RateLimitSettings, keyPrefix: string) {
    const redis = await openClient(url);
    clients.push(redis);
    const { limiter, arm } = armable(
      createRateLimiter(settings, { redis, keyPrefix, logger: silent }),
    );
    const h = await openApi(kind, { limiter });
    harnesses.push(h);
    return { h, app: h.app, arm, redis };
  }

  describe.each(storeKinds())('through one api replica (%s store)', (kind) => {
    rateLimitScenarios(async (settings) => {
      const { app, arm } = await replica(kind, settings, uniquePrefix());
      return { app, arm };
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

    it('count login attempts on one account together, whichever replica is asked', async () => {
      const keyPrefix = uniquePrefix();
      const settings = limitsOnly({ loginPerAccount: window });
      const a = await replica(kind, settings, keyPrefix);
      const b = await replica(kind, settings, keyPrefix);
      const target = await createMember(a.app);
      a.arm();
      b.arm();
      const guess = (app: typeof a.app, password: string) =>
        request(app).post('/api/auth/login').send({ login: target.username, password });

      const guesses = await Promise.all([
        guess(a.app, 'guess one'),
        guess(b.app, 'guess two'), // b does not even know the account: counted all the same
        guess(a.app, 'guess three'),
      ]);

      for (const res of guesses) expectError(res, 401, 'INVALID_CREDENTIALS');
      expectRateLimited(await guess(a.app, TEST_PASSWORD), 1);
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
