import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';
import { MongoClient } from 'mongodb';
import { type BenchConfig } from '../config';
import { BASELINES_DIR } from '../infra/paths';
import { runTask, type ServerProcess } from '../infra/server-process';
import { type Progress } from '../progress';
import { type LaunchContext, startApiService, startBareExpress } from '../servers';
import { round } from '../stats';

export interface LoadRun {
  requestsPerS: number;
  ok: number;
  non2xx: number;
  errors: number;
  p50Ms: number;
  p99Ms: number;
  /** The server process's CPU time ÷ wall time during the run (1 = one core). */
  serverCpuUtil: number;
}

export interface DriverRun {
  insertsPerS: number;
  inserted: number;
  elapsedMs: number;
  /** The driver process's CPU time ÷ wall time over the timed inserts. */
  cpuUtil: number;
}

export interface RestResult {
  concurrency: number;
  durationS: number;
  logLevel: string;
  postBodyBytes: number;
  postPath: string;
  getPath: string;
  post: LoadRun[];
  driverInsert: DriverRun[];
  getOurs: LoadRun[];
  getBare: LoadRun[];
  error?: string;
}

/** ~150 characters: the POST body is ~210 bytes of JSON. */
const CONTENT =
  'Benchmark message: the quick brown fox jumps over the lazy dog while the gateway fans the ' +
  'event out to every socket in the thread, once per subscriber.';

/** A POST body and the member's access token it is sent with. */
interface Post {
  body: string;
  token: string;
}

async function load(
  server: ServerProcess,
  url: string,
  durationS: number,
  concurrency: number,
  post?: Post,
): Promise<LoadRun> {
  const before = await server.probe();
  const started = performance.now();
  const result = await autocannon({
    url,
    connections: concurrency,
    duration: durationS,
    ...(post !== undefined && {
      method: 'POST' as const,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${post.token}` },
      body: post.body,
    }),
  });
  const after = await server.probe();
  const wallUs = (performance.now() - started) * 1000;
  const ok = result['2xx'];
  return {
    requestsPerS: Math.round(ok / (result.duration || durationS)),
    ok,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    serverCpuUtil: round((after.cpuUs - before.cpuUs) / wallUs, 3),
  };
}

async function call<T>(base: string, path: string, body: unknown, token?: string): Promise<T> {
  const response = await fetch(`${base}/api${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token !== undefined && { authorization: `Bearer ${token}` }),
    },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`POST ${path} → ${response.status} ${text}`);
  return JSON.parse(text) as T;
}

const BENCH_PASSWORD = 'bench-password-not-secret';

/**
 * A member who signed up and logged in, their community and a thread to post into, made through
 * the API itself. The member created the community, so they are its owner and may post in it.
 */
async function seed(base: string): Promise<{ threadId: string; memberId: string; token: string }> {
  const tag = Date.now().toString(36);
  const username = `bench_${tag}`;
  await call<{ id: string }>(base, '/members/', {
    username,
    email: `bench.${tag}@example.com`,
    password: BENCH_PASSWORD,
  });
  const login = await call<{ access_token: string; member_id: string }>(base, '/auth/login', {
    login: username,
    password: BENCH_PASSWORD,
  });
  const token = login.access_token;
  const community = await call<{ id: string }>(
    base,
    '/communities/',
    { name: `bench ${tag}` },
    token,
  );
  const thread = await call<{ id: string }>(
    base,
    `/threads/community/${community.id}`,
    { title: 'bench thread' },
    token,
  );
  return { threadId: thread.id, memberId: login.member_id, token };
}

function fmt(run: LoadRun): string {
  const failures = run.non2xx + run.errors;
  return (
    `${run.requestsPerS} req/s, p99 ${run.p99Ms} ms, server CPU ` +
    `${Math.round(run.serverCpuUtil * 100)}%${failures ? `, ${failures} failed` : ''}`
  );
}

/**
 * POST a message through the api-service (MongoDB + Redis) vs the driver's own `insertOne` the
 * same number of times at the same concurrency; then the api-service's small-JSON `GET /healthz`
 * vs a bare Express route. Runs are interleaved (ours, baseline, ours, …) so drift in a noisy
 * machine hits both sides alike.
 */
export async function runRest(
  config: BenchConfig,
  ctx: LaunchContext,
  progress: Progress,
): Promise<RestResult> {
  const { concurrency, durationS, warmupS, logLevel } = config.rest;
  const dbName = `bench_${Date.now().toString(36)}`;
  const result: RestResult = {
    concurrency,
    durationS,
    logLevel,
    postBodyBytes: 0,
    postPath: 'POST /api/messages/thread/:thread_id',
    getPath: 'GET /healthz',
    post: [],
    driverInsert: [],
    getOurs: [],
    getBare: [],
  };
  let api: ServerProcess | undefined;
  let bare: ServerProcess | undefined;
  try {
    progress.update('rest: starting api-service');
    api = await startApiService(
      { ...ctx, mongoUrl: config.mongoUrl, dbName, logLevel },
      'rest-api-service',
    );
    const base = `http://127.0.0.1:${api.port}`;
    const { threadId, memberId, token } = await seed(base);
    // The token says who posts; the spec's `author`, naming that same member, is still accepted
    // and keeps the body what it was before authentication (201 bytes).
    const post = { body: JSON.stringify({ content: CONTENT, author: memberId }), token };
    result.postBodyBytes = Buffer.byteLength(post.body);
    const postUrl = `${base}/api/messages/thread/${threadId}`;

    progress.update(`rest: POST warm-up ${warmupS} s`);
    await load(api, postUrl, warmupS, concurrency, post);
    for (let run = 1; run <= config.runs; run += 1) {
      progress.update(`rest run ${run}/${config.runs}: POST message, c=${concurrency}`);
      const posted = await load(api, postUrl, durationS, concurrency, post);
      result.post.push(posted);
      progress.update(`rest run ${run}/${config.runs}: driver insertOne ×${posted.ok}`);
      const driver = await runTask<{ inserted: number; elapsedMs: number; cpuUs: number }>(
        'rest-driver-insert',
        join(BASELINES_DIR, 'mongo-insert.ts'),
        {
          MONGO_URL: config.mongoUrl,
          MONGO_DB_NAME: dbName,
          SOURCE_COLLECTION: 'messages',
          COUNT: String(Math.max(1, posted.ok)),
          CONCURRENCY: String(concurrency),
          CONTENT,
        },
        ctx.cpus,
      );
      const insertsPerS = Math.round(driver.inserted / (driver.elapsedMs / 1000));
      result.driverInsert.push({
        insertsPerS,
        inserted: driver.inserted,
        elapsedMs: round(driver.elapsedMs),
        cpuUtil: round(driver.cpuUs / (driver.elapsedMs * 1000), 3),
      });
      progress.log(`  rest run ${run}: POST ${fmt(posted)}; driver insertOne ${insertsPerS}/s`);
    }

    bare = await startBareExpress(ctx, 'rest-express-bare');
    const oursUrl = `${base}/healthz`;
    const bareUrl = `http://127.0.0.1:${bare.port}/healthz`;
    progress.update(`rest: GET warm-up ${warmupS} s each`);
    await load(api, oursUrl, warmupS, concurrency);
    await load(bare, bareUrl, warmupS, concurrency);
    for (let run = 1; run <= config.runs; run += 1) {
      progress.update(`rest run ${run}/${config.runs}: GET /healthz ours vs bare Express`);
      const ours = await load(api, oursUrl, durationS, concurrency);
      const baseline = await load(bare, bareUrl, durationS, concurrency);
      result.getOurs.push(ours);
      result.getBare.push(baseline);
      progress.log(`  rest run ${run}: GET ours ${fmt(ours)}; bare Express ${fmt(baseline)}`);
    }
  } catch (error) {
    result.error = error instanceof Error ? error.message : String(error);
    progress.log(`  rest: ERROR ${result.error}`);
  } finally {
    await bare?.stop();
    await api?.stop();
    await dropDatabase(config.mongoUrl, dbName);
  }
  return result;
}

async function dropDatabase(url: string, dbName: string): Promise<void> {
  const client = new MongoClient(url, { serverSelectionTimeoutMS: 5000 });
  try {
    await client.connect();
    await client.db(dbName).dropDatabase();
  } catch {
    // best effort: a leftover bench_* database is harmless
  } finally {
    await client.close();
  }
}
