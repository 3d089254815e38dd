import { spawn, spawnSync } from 'node:child_process';
import { Redis } from 'ioredis';
import { track } from './children';
import { launcher } from './cpus';
import { freePort, sleep } from './ports';

export interface RedisHandle {
  url: string;
  /** `own`: a redis-server this run started (pinned, no persistence); `env`: REDIS_URL. */
  source: 'own' | 'env';
  version: string;
  stop(): Promise<void>;
}

function redisServerAvailable(): boolean {
  return spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
}

async function serverVersion(url: string): Promise<string> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  client.on('error', () => {}); // the caller retries while the server starts
  try {
    await client.connect();
    const info = await client.info('server');
    return /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown';
  } finally {
    client.disconnect();
  }
}

/**
 * Our own redis-server on a spare port when `own` (other engineers' suites share the one on 6379)
 * and the binary exists, else the REDIS_URL of the environment; without `own` the other way round.
 */
export async function provideRedis(
  own: boolean,
  envUrl: string | undefined,
  cpus: string | undefined,
): Promise<RedisHandle> {
  if ((own || !envUrl) && redisServerAvailable()) {
    const port = await freePort();
    const [command, args] = launcher(cpus, [
      'redis-server',
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--loglevel',
      'warning',
    ]);
    const child = track(spawn(command, args, { stdio: 'ignore' }));
    const url = `redis://127.0.0.1:${port}`;
    for (let attempt = 0; ; attempt += 1) {
      try {
        const version = await serverVersion(url);
        return {
          url,
          source: 'own',
          version,
          stop: async () => {
            child.kill('SIGTERM');
            await new Promise((resolve) => child.once('exit', resolve));
          },
        };
      } catch (error) {
        if (attempt > 50) throw error;
        await sleep(100);
      }
    }
  }
  if (!envUrl) throw new Error('REDIS_URL is not set and no redis-server binary was found');
  return { url: envUrl, source: 'env', version: await serverVersion(envUrl), stop: async () => {} };
}
