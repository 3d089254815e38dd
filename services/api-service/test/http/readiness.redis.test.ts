import {
  RedisServerProcess,
  backendUrl,
  eventually,
  hasRedisServerBinary,
  uniqueDbName,
} from '@communities/test-support';
import { pino } from 'pino';
import request from 'supertest';
import { loadApiConfig } from '../../src/config';
import { createApiService, type ApiService } from '../../src/service';
import { MongoDocumentDb } from '../../src/store/mongo/mongo-document-db';
import { CuttableProxy } from '../support/cuttable-proxy';
import {
  expectError,
  expectStatus,
  metricValue,
  postMessage,
  seedThread,
} from '../support/fixtures';

// Kills and restarts a redis-server of its own; the store cases also need MONGO_URL.
const describeOwnRedis =
  backendUrl('REDIS_URL') && hasRedisServerBinary() ? describe : describe.skip;
const describeOwnRedisAndMongo = backendUrl('MONGO_URL') ? describeOwnRedis : describe.skip;

const silent = pino({ level: 'silent' });

/** The service as main.ts wires it, on the given store URL (else embedded) and Redis. */
function configFor(redisUrl: string, store: { MONGO_URL: string; MONGO_DB_NAME: string } | null) {
  return loadApiConfig({
    REDIS_URL: redisUrl,
    ...(store ?? { EMBEDDED_IN_MEMORY: 'true' }),
    LOG_LEVEL: 'silent',
    PORT: '0',
    HOST: '127.0.0.1',
    AUTH_PASSWORD_HASH_COST: '10',
  });
}

const readyz = async (api: ApiService) => request(api.app).get('/readyz');
const brokerConnected = (api: ApiService) => metricValue(api.app, 'broker_connected');

describeOwnRedis('GET /readyz of the api-service while Redis is down', () => {
  let redis: RedisServerProcess;
  let api: ApiService;

  beforeEach(async () => {
    redis = await RedisServerProcess.start();
    api = await createApiService(configFor(redis.url, null), silent, {
      outbox: { intervalMs: 50, retryBaseMs: 50, retryMaxMs: 200 },
    });
    await api.start();
    await eventually(() => api.bus.ready());
  });

  afterEach(async () => {
    await api.stop();
    await redis.kill();
  });

  it('stays 200 while writes are taken, and reports the outage as broker_connected 0', async () => {
    const { owner, thread } = await seedThread(api.app);
    expect(await brokerConnected(api)).toBe(1);

    await redis.kill();
    await eventually(() => !api.bus.ready());

    const res = await readyz(api);
    expectStatus(res, 200);
    expect(res.body).toEqual({ status: 'ready' });
    expect(await brokerConnected(api)).toBe(0);
    // What readiness promises: a write is stored, its event waits in the outbox.
    await postMessage(api.app, thread.id, owner.id, { content: 'during the outage' });
    await eventually(async () => (await metricValue(api.app, 'events_outbox_pending')) === 1);

    await redis.restart();
    await eventually(async () => (await brokerConnected(api)) === 1, { timeoutMs: 10_000 });
    expectStatus(await readyz(api), 200);
  });
});

describeOwnRedisAndMongo('GET /readyz of the api-service while MongoDB is unreachable', () => {
  let redis: RedisServerProcess;
  let proxy: CuttableProxy;
  let api: ApiService;
  let db: MongoDocumentDb;
  const dbName = uniqueDbName('communities_readiness');

  beforeAll(async () => {
    redis = await RedisServerProcess.start();
    const mongo = new URL(backendUrl('MONGO_URL')!);
    proxy = await CuttableProxy.start({ host: mongo.hostname, port: Number(mongo.port || 27017) });
    // MongoDB is reached only through the proxy, so cutting it is the store going away.
    const url = `mongodb://127.0.0.1:${proxy.listeningPort}/`;
    db = await MongoDocumentDb.connect(url, dbName);
    api = await createApiService(
      configFor(redis.url, { MONGO_URL: url, MONGO_DB_NAME: dbName }),
      silent,
      { db },
    );
    await api.start();
    await eventually(() => api.bus.ready());
  });

  afterAll(async () => {
    await proxy.restore();
    await api.stop();
    await db.dropDatabase();
    await db.close();
    await proxy.cut();
    await redis.kill();
  });

  it('answers 503 SERVICE_UNAVAILABLE while the store is cut off, though the broker is up', async () => {
    expectStatus(await readyz(api), 200);

    await proxy.cut();

    expectError(await readyz(api), 503, 'SERVICE_UNAVAILABLE');
    expect(await brokerConnected(api)).toBe(1);
    expectStatus(await request(api.app).get('/healthz'), 200);

    await proxy.restore();
    await eventually(async () => (await readyz(api)).status === 200, { timeoutMs: 15_000 });
  });

  it('answers 503 while both are down, with broker_connected 0', async () => {
    await proxy.cut();
    await redis.kill();
    await eventually(() => !api.bus.ready());

    expectError(await readyz(api), 503, 'SERVICE_UNAVAILABLE');
    expect(await brokerConnected(api)).toBe(0);

    await proxy.restore();
    await eventually(async () => (await readyz(api)).status === 200, { timeoutMs: 15_000 });
    // Ready again before the broker is back: the store is what readiness is about.
    expect(await brokerConnected(api)).toBe(0);
    await redis.restart();
    await eventually(async () => (await brokerConnected(api)) === 1, { timeoutMs: 10_000 });
  });
});
