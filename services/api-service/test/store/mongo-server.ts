import { execFileSync } from 'node:child_process';

const PROBE = `
const { MongoClient } = require('mongodb');
const client = new MongoClient(process.argv[1], { serverSelectionTimeoutMS: 5000 });
client.db().admin().command({ buildInfo: 1 })
  .then((info) => process.stdout.write(JSON.stringify({ ferretdb: 'ferretdbVersion' in info })))
  .finally(() => client.close());
`;

/**
 * Which server answers at `url`, to name it in the suite's title. FerretDB answers `buildInfo`
 * with a `ferretdbVersion`. Asked in a child process because jest collects tests synchronously.
 */
export function mongoServerName(url: string): 'FerretDB' | 'MongoDB' {
  const output = execFileSync(process.execPath, ['-e', PROBE, url], {
    cwd: __dirname,
    encoding: 'utf8',
    timeout: 15_000,
  });
  const { ferretdb } = JSON.parse(output) as { ferretdb: boolean };
  return ferretdb ? 'FerretDB' : 'MongoDB';
}
