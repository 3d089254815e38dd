import { execFileSync } from 'node:child_process';
import path from 'node:path';
import type { Capability } from '../../src/store/capabilities';

const REPO_ROOT = path.join(__dirname, '..', '..', '..', '..');

export interface MongoServer {
  engine: 'mongodb' | 'ferretdb';
  /** What src/store/capabilities.ts declares for that engine (and topology). */
  capabilities: Capability[];
  /** `MongoDB` or `FerretDB`, for suite titles. */
  server: string;
}

/**
 * The engine at `url` and its declared capabilities, as the Mongo adapter detects them at open.
 * Asked in a child process because jest collects tests synchronously and which tests apply
 * depends on the answer.
 */
export function mongoServer(url: string): MongoServer {
  const output = execFileSync(
    process.execPath,
    [
      '--import',
      'tsx',
      '--conditions=@communities/source',
      path.join(__dirname, 'probe-engine.ts'),
      url,
    ],
    { cwd: REPO_ROOT, encoding: 'utf8', timeout: 30_000 },
  );
  const { engine, capabilities } = JSON.parse(output) as Omit<MongoServer, 'server'>;
  return { engine, capabilities, server: engine === 'ferretdb' ? 'FerretDB' : 'MongoDB' };
}

/** Which server answers at `url`, to name it in a suite's title. */
export function mongoServerName(url: string): string {
  return mongoServer(url).server;
}
