import { execFileSync } from 'node:child_process';
import type { EngineTraits } from './contract/fixtures';

const PROBE = `
const { MongoClient } = require('mongodb');
const client = new MongoClient(process.argv[1], { serverSelectionTimeoutMS: 5000 });
client.db().admin().command({ buildInfo: 1 })
  .then((info) => process.stdout.write(JSON.stringify({ ferretdb: 'ferretdbVersion' in info })))
  .finally(() => client.close());
`;

/**
 * What the server at `url` guarantees. FerretDB answers `buildInfo` with a `ferretdbVersion`.
 * Asked in a child process because jest collects tests synchronously and which tests apply
 * depends on the answer.
 */
export function mongoServerTraits(url: string): EngineTraits & { server: string } {
  const output = execFileSync(process.execPath, ['-e', PROBE, url], {
    cwd: __dirname,
    encoding: 'utf8',
    timeout: 15_000,
  });
  const { ferretdb } = JSON.parse(output) as { ferretdb: boolean };
  return { atomicUpdates: !ferretdb, server: ferretdb ? 'FerretDB' : 'MongoDB' };
}
