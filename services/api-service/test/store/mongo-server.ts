import { execFileSync } from 'node:child_process';
import path from 'node:path';
import type { Capability } from '../../src/store/capabilities';
import type { EngineTraits } from './contract/fixtures';

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

/**
 * What the server at `url` guarantees the contract suite: atomic updates are its declared
 * atomic single-document updates and findOneAndUpdate (both lacking on FerretDB 1.x).
 */
export function mongoServerTraits(url: string): EngineTraits & { server: string } {
  const { capabilities, server } = mongoServer(url);
  const atomicUpdates =
    capabilities.includes('atomicSingleDocumentUpdates') &&
    capabilities.includes('atomicFindOneAndUpdate');
  return { atomicUpdates, server };
}
