import { join } from 'node:path';
import { BASELINES_DIR, RESULTS_DIR, serviceMain } from './infra/paths';
import { freePort } from './infra/ports';
import { ServerProcess } from './infra/server-process';
import { BENCH_AUTH_JWT_KEYS } from './loadgen/auth';
import { type ServerKind } from './loadgen/protocols';

export const PROFILE_DIR = join(RESULTS_DIR, 'profiles');

export interface LaunchContext {
  cpus: string | undefined;
  redisUrl: string;
  cpuProf: boolean;
}

/** `--cpu-prof` into `profiles/<name>/`; the server process keeps the main thread's profile. */
function profiling(ctx: LaunchContext, name: string): { nodeFlags: string[]; profileDir?: string } {
  if (!ctx.cpuProf) return { nodeFlags: [] };
  const profileDir = join(PROFILE_DIR, name);
  return { nodeFlags: ['--cpu-prof', '--cpu-prof-dir', profileDir], profileDir };
}

/**
 * Starts one realtime server on a fresh port. Ours is the gateway's own `main.ts` with its shipped
 * defaults (LOG_LEVEL info, 1 MiB slow-consumer limit, …) and the bench's AUTH_JWT_KEYS, which it
 * requires (the load generator signs its sockets' tokens and grants with them); only the heartbeat
 * interval is set when a scenario gives one, and then every server gets the same.
 */
export async function startRealtimeServer(
  kind: ServerKind,
  ctx: LaunchContext,
  name: string,
  heartbeatMs?: number,
): Promise<ServerProcess> {
  const port = await freePort();
  const beat = heartbeatMs === undefined ? undefined : String(heartbeatMs);
  switch (kind) {
    case 'ours':
      return ServerProcess.start({
        name,
        script: serviceMain('@communities/realtime-gateway'),
        port,
        cpus: ctx.cpus,
        env: {
          HOST: '127.0.0.1',
          REDIS_URL: ctx.redisUrl,
          LOG_LEVEL: 'info',
          AUTH_JWT_KEYS: BENCH_AUTH_JWT_KEYS,
          ...(beat && { WS_HEARTBEAT_MS: beat }),
        },
        ...profiling(ctx, name),
      });
    case 'socketio':
      return ServerProcess.start({
        name,
        script: join(BASELINES_DIR, 'socketio-server.ts'),
        port,
        cpus: ctx.cpus,
        env: { REDIS_URL: ctx.redisUrl, ...(beat && { PING_INTERVAL_MS: beat }) },
        ...profiling(ctx, name),
      });
    case 'ws':
      return ServerProcess.start({
        name,
        script: join(BASELINES_DIR, 'ws-raw-server.ts'),
        port,
        cpus: ctx.cpus,
        env: { ...(beat && { HEARTBEAT_MS: beat }) },
        ...profiling(ctx, name),
      });
  }
}

export interface ApiLaunch extends LaunchContext {
  mongoUrl: string;
  dbName: string;
  logLevel: string;
}

/**
 * The api-service's own `main.ts` on MongoDB (FerretDB here) and Redis, with the bench's
 * AUTH_JWT_KEYS and its rate limits off: the REST scenario's load is one member posting as fast
 * as it can, which the per-member write limit (120/60 s) would answer with 429 after 120 requests.
 */
export async function startApiService(ctx: ApiLaunch, name: string): Promise<ServerProcess> {
  return ServerProcess.start({
    name,
    script: serviceMain('@communities/api-service'),
    port: await freePort(),
    cpus: ctx.cpus,
    env: {
      HOST: '127.0.0.1',
      MONGO_URL: ctx.mongoUrl,
      MONGO_DB_NAME: ctx.dbName,
      REDIS_URL: ctx.redisUrl,
      LOG_LEVEL: ctx.logLevel,
      AUTH_JWT_KEYS: BENCH_AUTH_JWT_KEYS,
      RATE_LIMIT_LOGIN_PER_IP: 'off',
      RATE_LIMIT_LOGIN_PER_ACCOUNT: 'off',
      RATE_LIMIT_SIGNUP_PER_IP: 'off',
      RATE_LIMIT_WRITES_PER_MEMBER: 'off',
      RATE_LIMIT_WRITES_PER_IP: 'off',
    },
    ...profiling(ctx, name),
  });
}

export async function startBareExpress(ctx: LaunchContext, name: string): Promise<ServerProcess> {
  return ServerProcess.start({
    name,
    script: join(BASELINES_DIR, 'express-bare.ts'),
    port: await freePort(),
    cpus: ctx.cpus,
    env: {},
    ...profiling(ctx, name),
  });
}
