/**
 * Which real backends this test run has. The jest global setup already decided (and printed why
 * a suite is skipped); suites only ask. With CI=true a missing backend never reaches here: the
 * global setup failed the run.
 */
export type Backend = 'MONGO_URL' | 'REDIS_URL';

export function backendUrl(backend: Backend): string | undefined {
  return process.env[backend] || undefined;
}

/** `describe` when the backend is available, `describe.skip` otherwise. */
export function describeWithBackend(backend: Backend): jest.Describe {
  return backendUrl(backend) ? describe : describe.skip;
}

/** A database name unique to this test file and run, so parallel workers never share data. */
export function uniqueDbName(prefix: string): string {
  const worker = process.env.JEST_WORKER_ID ?? '0';
  return `${prefix}_${worker}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
}

export { eventually } from './eventually';
export { RedisServerProcess, hasRedisServerBinary } from './redis-server';
export {
  WsTestClient,
  type WsAuthVia,
  type WsClose,
  type WsFrame,
  type WsOpenOptions,
} from './ws-test-client';
export { freePort } from './ports';
