/**
 * Jest global setup: decides once per run which real backends the integration suites use.
 *
 * - MONGO_URL / REDIS_URL set: use them (CI, `npm run backends`, or your own servers).
 * - unset, Docker engine reachable: start containers with testcontainers (mongo:7, redis:7).
 * - unset, no Docker: with CI=true the run fails; otherwise one line says which integration
 *   suites are skipped and why, and everything else runs.
 */
const fs = require('node:fs');

const started = [];

function dockerReachable() {
  if (process.env.DOCKER_HOST) return true;
  try {
    return fs.statSync('/var/run/docker.sock').isSocket();
  } catch {
    return false;
  }
}

async function startMongo() {
  const { MongoDBContainer } = require('@testcontainers/mongodb');
  const container = await new MongoDBContainer('mongo:7').start();
  started.push(container);
  return `${container.getConnectionString()}?directConnection=true`;
}

async function startRedis() {
  const { GenericContainer } = require('testcontainers');
  const container = await new GenericContainer('redis:7').withExposedPorts(6379).start();
  started.push(container);
  return `redis://${container.getHost()}:${container.getMappedPort(6379)}`;
}

const BACKENDS = [
  { env: 'MONGO_URL', name: 'MongoDB', start: startMongo },
  { env: 'REDIS_URL', name: 'Redis', start: startRedis },
];

module.exports = async function globalSetup() {
  const ci = process.env.CI === 'true';
  const docker = dockerReachable();
  const missing = [];
  for (const backend of BACKENDS) {
    if (process.env[backend.env]) continue;
    if (docker) {
      try {
        process.env[backend.env] = await backend.start();
        process.env[`${backend.env}_FROM`] = 'testcontainers';
        continue;
      } catch (error) {
        if (ci) throw error;
      }
    }
    missing.push(backend);
  }
  if (missing.length > 0 && ci) {
    throw new Error(
      `CI=true but ${missing.map((b) => b.env).join(' and ')} unset and no Docker engine: ` +
        'integration suites must not be skipped in CI (run scripts/test-backends.sh start).',
    );
  }
  for (const backend of missing) {
    process.stdout.write(
      `\n[integration] ${backend.name} suites skipped: ${backend.env} is not set and no Docker engine is reachable (run \`npm run backends\` to start one).\n`,
    );
  }
  globalThis.__COMMUNITIES_CONTAINERS__ = started;
};
