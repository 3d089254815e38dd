import { randomBytes } from 'node:crypto';
import {
  RedisServerProcess,
  backendUrl,
  hasRedisServerBinary,
  uniqueDbName,
} from '@communities/test-support';
import { MongoClient } from 'mongodb';
import { ServiceProcess } from '../../support/service-process';

/** The drain window of every gateway here: short, so a SIGTERM test takes seconds. */
export const DRAIN_WINDOW_MS = 2000;

/**
 * The fault suites need a MongoDB-compatible server (MONGO_URL, decided by the jest global setup,
 * which fails a CI run without one) and a `redis-server` binary: each suite runs a Redis of its
 * own, to stop and restart it without disturbing anyone else's. Locally, without either, the suite
 * is skipped with one line; with CI=true a missing binary fails the suite (see `FaultStack.start`).
 */
export function describeFaults(): jest.Describe {
  if (!backendUrl('MONGO_URL')) return describe.skip;
  if (hasRedisServerBinary() || process.env.CI === 'true') return describe;
  process.stdout.write(
    '\n[faults] suite skipped: no redis-server binary on PATH (run `npm run backends` to install one).\n',
  );
  return describe.skip;
}

export interface StackOptions {
  /** Prefix of the database name (one database per suite and run). */
  name: string;
  apis: number;
  gateways: number;
}

/**
 * The production topology as separate processes: api-service replicas over one database, gateway
 * replicas, and a Redis of this suite's own (no persistence: a restart starts empty, like a
 * crashed production Redis without AOF). Everything shares one random key ring, as AUTH_JWT_KEYS
 * would be set on every process of a deployment.
 */
export class FaultStack {
  readonly apis: ServiceProcess[] = [];
  readonly gateways: ServiceProcess[] = [];
  redis: RedisServerProcess | undefined;
  private readonly dbName: string;
  private readonly keys = `faults:${randomBytes(32).toString('base64url')}`;

  private constructor(private readonly options: StackOptions) {
    this.dbName = uniqueDbName(`faults_${options.name}`);
  }

  static async start(options: StackOptions): Promise<FaultStack> {
    if (!hasRedisServerBinary()) {
      throw new Error(
        'redis-server is not on PATH: the fault suites run their own Redis (CI=true never skips)',
      );
    }
    const stack = new FaultStack(options);
    try {
      await stack.startAll();
    } catch (error) {
      await stack.stop();
      throw error;
    }
    return stack;
  }

  get redisUrl(): string {
    if (!this.redis) throw new Error('redis not started');
    return this.redis.url;
  }

  gatewayUrls(): string[] {
    return this.gateways.map((gateway) => gateway.wsUrl);
  }

  /** Kills every process (SIGKILL: nothing of a stopped suite needs a graceful end), drops the data. */
  async stop(): Promise<void> {
    await Promise.all([...this.apis, ...this.gateways].map((service) => service.kill()));
    await this.redis?.kill();
    const mongoUrl = backendUrl('MONGO_URL');
    if (!mongoUrl) return;
    const client = await MongoClient.connect(mongoUrl);
    try {
      await client.db(this.dbName).dropDatabase();
    } finally {
      await client.close();
    }
  }

  /** Redis: stopped abruptly, and started again on the same port, empty. */
  async restartRedis(downMs: number): Promise<void> {
    const redis = this.redis!;
    await redis.kill();
    await new Promise((resolve) => setTimeout(resolve, downMs));
    await redis.restart();
  }

  private async startAll(): Promise<void> {
    const redis = await RedisServerProcess.start();
    this.redis = redis;
    process.on('exit', () => void redis.kill());
    const common = { REDIS_URL: redis.url, AUTH_JWT_KEYS: this.keys };
    const apiEnv = {
      ...common,
      MONGO_URL: backendUrl('MONGO_URL')!,
      MONGO_DB_NAME: this.dbName,
      AUTH_PASSWORD_HASH_COST: '10',
      RATE_LIMIT_LOGIN_PER_IP: 'off',
      RATE_LIMIT_LOGIN_PER_ACCOUNT: 'off',
      RATE_LIMIT_SIGNUP_PER_IP: 'off',
      RATE_LIMIT_WRITES_PER_MEMBER: 'off',
      RATE_LIMIT_WRITES_PER_IP: 'off',
    };
    const gatewayEnv = {
      ...common,
      WS_RATE_LIMIT_ACTIONS: 'off',
      WS_DRAIN_WINDOW_MS: String(DRAIN_WINDOW_MS),
    };
    const startApi = async (i: number): Promise<void> => {
      this.apis[i] = await ServiceProcess.start('api-service', `api-${i}`, apiEnv);
    };
    const startGateway = async (i: number): Promise<void> => {
      const label = `gateway-${String.fromCharCode(97 + i)}`;
      this.gateways[i] = await ServiceProcess.start('realtime-gateway', label, gatewayEnv);
    };
    const gateways = Array.from({ length: this.options.gateways }, (_, i) => startGateway(i));
    // The first api creates the collections and indexes alone; the other replicas find them.
    const apis = startApi(0).then(() =>
      allStarted(Array.from({ length: this.options.apis - 1 }, (_, i) => startApi(i + 1))),
    );
    await allStarted([...gateways, apis]);
  }
}

/** Waits for every start, not just the first failure: then `stop()` knows each process that started. */
async function allStarted(starts: Promise<unknown>[]): Promise<void> {
  const results = await Promise.allSettled(starts);
  const failed = results.find((result) => result.status === 'rejected');
  if (failed) throw failed.reason;
}
