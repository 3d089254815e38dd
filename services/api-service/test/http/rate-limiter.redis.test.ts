import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { Writable } from 'node:stream';
import {
  RedisServerProcess,
  backendUrl,
  describeWithBackend,
  eventually,
  hasRedisServerBinary,
} from '@communities/test-support';
import { Redis } from 'ioredis';
import { pino, type Logger } from 'pino';
import { createRateLimiter, type RateLimitSettings } from '../../src/http/rate-limit';
import { accountKey } from '../../src/http/rate-limit-keys';
import { loginFailuresContract } from './login-failures.contract';
import {
  allow,
  limits,
  loginRefusal,
  rateLimiterContract,
  refusal,
  type OpenLimiter,
} from './rate-limiter.contract';

/** A client set up as the service should set up its own: fail fast, never queue. */
function openClient(url: string): Redis {
  const client = new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: 1000,
    retryStrategy: () => 100,
  });
  client.on('error', () => undefined); // reconnects are expected in the outage tests
  return client;
}

async function openReadyClient(url: string): Promise<Redis> {
  const client = openClient(url);
  await eventually(() => client.status === 'ready');
  return client;
}

const uniquePrefix = () => `rl:test:${randomBytes(6).toString('hex')}`;
const silent = pino({ level: 'silent' });

/** A logger whose lines the test can read. */
function recordingLogger(): { logger: Logger; lines: () => { level: number; msg: string }[] } {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(chunk.toString());
      callback();
    },
  });
  return {
    logger: pino({ level: 'debug' }, sink),
    lines: () => lines.map((line) => JSON.parse(line) as { level: number; msg: string }),
  };
}

/** A port on which nothing listens. */
async function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === 'object' && address ? address.port : 1));
    });
  });
}

const TEN_PER_MINUTE = { points: 3, durationSeconds: 60 };

describeWithBackend('REDIS_URL')('RateLimiter on Redis', () => {
  const url = backendUrl('REDIS_URL') ?? '';
  let redis: Redis;

  beforeAll(async () => {
    redis = await openReadyClient(url);
  });
  afterAll(() => {
    redis.disconnect();
  });

  describe('the shared contract', () => {
    const open: OpenLimiter = (settings) =>
      Promise.resolve(
        createRateLimiter(settings, { redis, keyPrefix: uniquePrefix(), logger: silent }),
      );

    rateLimiterContract(open);

    describe('login failures', () => {
      loginFailuresContract(open);
    });
  });

  it('shares the count between replicas on one Redis', async () => {
    const other = await openReadyClient(url);
    const keyPrefix = uniquePrefix();
    const settings: RateLimitSettings = limits({ writesPerMember: TEN_PER_MINUTE });
    const replicaA = createRateLimiter(settings, { redis, keyPrefix, logger: silent });
    const replicaB = createRateLimiter(settings, { redis: other, keyPrefix, logger: silent });
    try {
      await allow(replicaA, 'write', { ip: '198.51.100.1', memberId: 'm1' }, 2);
      await allow(replicaB, 'write', { ip: '198.51.100.2', memberId: 'm1' });

      expect(
        await refusal(replicaA, 'write', { ip: '198.51.100.1', memberId: 'm1' }),
      ).toBeDefined();
      expect(
        await refusal(replicaB, 'write', { ip: '198.51.100.2', memberId: 'm1' }),
      ).toBeDefined();
    } finally {
      await Promise.all([replicaA.close(), replicaB.close()]);
      other.disconnect();
    }
  });

  it('keeps its keys under its prefix, and no login name in Redis', async () => {
    const keyPrefix = uniquePrefix();
    const limiter = createRateLimiter(
      limits({ loginPerIp: TEN_PER_MINUTE, loginPerAccount: TEN_PER_MINUTE }),
      { redis, keyPrefix, logger: silent },
    );
    const ip = '198.51.100.1';
    try {
      await limiter.check('login', { ip });
      const unknown = accountKey(undefined, 'Ada@Example.com');
      const member = accountKey('a'.repeat(24), 'ada');
      expect(await loginRefusal(limiter, { ip, account: unknown })).toBeUndefined();
      expect(await loginRefusal(limiter, { ip, account: member })).toBeUndefined();

      const keys = (await redis.keys(`${keyPrefix}:*`)).sort();
      const hashed = '[A-Za-z0-9_-]{43}';
      expect(keys).toHaveLength(5);
      expect(keys[0]).toMatch(new RegExp(`^${keyPrefix}:login_account:login:${hashed}$`));
      expect(keys[1]).toBe(`${keyPrefix}:login_account:member:${'a'.repeat(24)}`);
      expect(keys[2]).toBe(`${keyPrefix}:login_ip:${ip}`);
      expect(keys[3]).toMatch(new RegExp(`^${keyPrefix}:login_source:login:${hashed}:${ip}$`));
      expect(keys[4]).toBe(`${keyPrefix}:login_source:member:${'a'.repeat(24)}:${ip}`);
      expect(keys.join(' ').toLowerCase()).not.toContain('ada');
    } finally {
      await limiter.close();
    }
  });

  it('keeps limiting in process when Redis cannot be reached, and says so once', async () => {
    const unreachable = openClient(`redis://127.0.0.1:${await closedPort()}`);
    const { logger, lines } = recordingLogger();
    const limiter = createRateLimiter(limits({ writesPerIp: TEN_PER_MINUTE }), {
      redis: unreachable,
      keyPrefix: uniquePrefix(),
      logger,
    });
    try {
      await allow(limiter, 'write', { ip: '198.51.100.1' }, 3);
      const refused = await refusal(limiter, 'write', { ip: '198.51.100.1' });

      expect(refused?.retryAfterSeconds).toBeGreaterThan(0);
      await allow(limiter, 'write', { ip: '198.51.100.2' });
      const warnings = lines().filter((l) => l.level === 40);
      expect(warnings.map((l) => l.msg)).toEqual([
        'rate-limit store unavailable; limiting per process until it is back',
      ]);
    } finally {
      await limiter.close();
      unreachable.disconnect();
    }
  });

  it('keeps counting login failures in process when Redis cannot be reached', async () => {
    const unreachable = openClient(`redis://127.0.0.1:${await closedPort()}`);
    const limiter = createRateLimiter(limits({ loginPerAccount: TEN_PER_MINUTE }), {
      redis: unreachable,
      keyPrefix: uniquePrefix(),
      logger: silent,
    });
    const account = accountKey('a'.repeat(24), 'ada');
    try {
      for (let i = 0; i < TEN_PER_MINUTE.points; i += 1) {
        expect(await loginRefusal(limiter, { ip: '198.51.100.1', account })).toBeUndefined();
      }

      expect(await loginRefusal(limiter, { ip: '198.51.100.1', account })).toBeDefined();
      expect(
        await loginRefusal(limiter, { ip: '198.51.100.2', account }, 'succeeds'),
      ).toBeUndefined();
    } finally {
      await limiter.close();
      unreachable.disconnect();
    }
  });

  const describeOwnRedis = hasRedisServerBinary() ? describe : describe.skip;

  describeOwnRedis('when its Redis goes down and comes back', () => {
    let server: RedisServerProcess;
    let client: Redis;

    beforeEach(async () => {
      server = await RedisServerProcess.start();
      client = await openReadyClient(server.url);
    });
    afterEach(async () => {
      client.disconnect();
      await server.kill();
    });

    it('limits per process during the outage and shares counts again afterwards', async () => {
      const keyPrefix = uniquePrefix();
      const { logger, lines } = recordingLogger();
      const limiter = createRateLimiter(limits({ writesPerMember: TEN_PER_MINUTE }), {
        redis: client,
        keyPrefix,
        logger,
      });
      const write = { ip: '198.51.100.1', memberId: 'm1' };
      try {
        await allow(limiter, 'write', write);
        expect(await client.keys(`${keyPrefix}:*`)).toHaveLength(1);

        await server.kill();
        await eventually(() => client.status !== 'ready');
        await allow(limiter, 'write', write, 3);
        expect(await refusal(limiter, 'write', write)).toBeDefined();

        await server.restart();
        await eventually(() => client.status === 'ready', { timeoutMs: 10_000 });
        // Redis restarted empty (no persistence): counting starts again there, not in process.
        await allow(limiter, 'write', write);
        expect(await client.keys(`${keyPrefix}:*`)).toHaveLength(1);
        expect(lines().map((l) => l.msg)).toEqual([
          'rate-limit store unavailable; limiting per process until it is back',
          'rate-limit store back; limits are shared again',
        ]);
      } finally {
        await limiter.close();
      }
    });
  });
});
