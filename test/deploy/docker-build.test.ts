import { spawn, type ChildProcess } from 'node:child_process';
import {
  accessSync,
  constants,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseSigningKeys, TokenService } from '@communities/auth';
import WebSocket from 'ws';
import {
  buildSteps,
  envOf,
  execForm,
  finalStage,
  IMAGES,
  loadDockerfile,
  type ImageName,
} from './support/dockerfile';
import { ROOT, cleanEnv, execFileAsync, readText } from './support/files';
import { freePort } from '@communities/test-support';

const TOOLS = path.join(ROOT, 'scripts/deploy/tools.sh');

/**
 * The images' build and run steps without a Docker engine. From a clean copy of the workspace
 * (the files git tracks or would track: no node_modules, no dist), run the RUN lines of each
 * Dockerfile that call scripts/docker/build.sh — read from the Dockerfile, so they cannot drift —
 * with `/out` replaced by a directory per image. Then run each bundle as its image would (its
 * WORKDIR is the bundle, its ENV, its CMD), answer /healthz and /readyz, pass the image's own
 * HEALTHCHECK command, and exit 0 on SIGTERM.
 *
 * `deps` (npm ci) is the same step in every Dockerfile; it runs once here, from the npm cache
 * (--prefer-offline), as a Docker builder reuses the layer. Under a minute and a half on an idle
 * two-core machine, most of it npm ci and tsc.
 */
const BUILD_TIMEOUT_MS = 8 * 60_000;

let work: string;
const bundles = new Map<ImageName, string>();

/** Files of the work tree that git tracks or would track (untracked, not ignored), that exist. */
async function workspaceFiles(): Promise<string[]> {
  const { stdout } = await execFileAsync(
    'git',
    ['ls-files', '--cached', '--others', '--exclude-standard', '-z'],
    { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 },
  );
  return stdout
    .split('\0')
    .filter((file) => file !== '' && existsSync(path.join(ROOT, file)))
    .filter((file) => statSync(path.join(ROOT, file)).isFile());
}

async function buildSh(args: string[], cwd: string): Promise<void> {
  try {
    await execFileAsync('bash', ['scripts/docker/build.sh', ...args], {
      cwd,
      env: cleanEnv({ NPM_CI_FLAGS: '--prefer-offline' }),
      maxBuffer: 64 * 1024 * 1024,
    });
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`build.sh ${args.join(' ')} failed:\n${stderr ?? ''}\n${stdout ?? ''}`, {
      cause: error,
    });
  }
}

/** A tmpfs when there is one: npm ci writes ~800 packages, and a disk makes that much slower. */
function scratchDir(): string {
  try {
    accessSync('/dev/shm', constants.W_OK);
    return '/dev/shm';
  } catch {
    return os.tmpdir();
  }
}

beforeAll(async () => {
  work = mkdtempSync(path.join(scratchDir(), 'communities-docker-build-'));
  const source = path.join(work, 'workspace');
  for (const file of await workspaceFiles()) {
    mkdirSync(path.dirname(path.join(source, file)), { recursive: true });
    copyFileSync(path.join(ROOT, file), path.join(source, file));
  }
  expect(existsSync(path.join(source, 'node_modules'))).toBe(false);

  const steps = IMAGES.map((image) => ({ image, steps: buildSteps(loadDockerfile(image)) }));
  for (const { image, steps: list } of steps) {
    expect(list.map(([phase]) => phase)).toEqual(['deps', 'compile', 'bundle']);
    expect(list.slice(1).map((step) => step[1])).toEqual([image, image]);
  }
  await buildSh(['deps'], source);
  // Compiles run one after the other and share the workspace's incremental build (the packages
  // compile once), as image builds in one builder would; each bundle (mostly npm ci, I/O) runs
  // as soon as its compile is done, beside the next compile.
  let compiled: Promise<void> = Promise.resolve();
  await Promise.all(
    steps.map(({ image, steps: list }) => {
      const [, compile, bundle] = list as [string[], string[], string[]];
      const out = path.join(work, `image-${image}`);
      compiled = compiled.then(() => buildSh(compile, source));
      return compiled
        .then(() =>
          buildSh(
            bundle.map((arg) => (arg === '/out' ? out : arg)),
            source,
          ),
        )
        .then(() => void bundles.set(image, out));
    }),
  );
}, BUILD_TIMEOUT_MS);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

/** A command of the image run in the bundle: `/app` (WORKDIR) becomes the bundle directory. */
function inBundle(command: string[], bundle: string): string[] {
  return command.map((word) => word.replace(/^\/app(?=\/|$)/, bundle));
}

async function waitForHealthy(port: number, child: ChildProcess, output: () => string) {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`exited ${child.exitCode}:\n${output()}`);
    try {
      const response = await fetch(`http://127.0.0.1:${port}/healthz`);
      await response.arrayBuffer();
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`no /healthz within 20 s:\n${output()}`);
}

interface Running {
  port: number;
  env: Record<string, string>;
  output(): string;
  /** SIGTERM; resolves with the exit code. */
  stop(): Promise<number | null>;
}

/** The signing keys every image run is given (a deployment gives both services the same). */
const IMAGE_KEYS = 'image-test:image-test-signing-key-0123456789abcdef';

/**
 * Runs a bundle as its image would: the image's ENV, then this run's (a free port, the embedded
 * store in a temporary directory, the in-process broker: MONGO_URL and REDIS_URL unset, the
 * signing keys a deployment must give both services), its CMD, in its WORKDIR. Resolves once
 * /healthz answers.
 */
async function startImage(image: ImageName): Promise<Running> {
  const instructions = loadDockerfile(image);
  const runtime = finalStage(instructions);
  const cmd = instructions.find((i) => i.stage === runtime && i.keyword === 'CMD')!;
  const bundle = bundles.get(image)!;
  const port = await freePort();
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    ...Object.fromEntries(envOf(instructions, runtime)),
    PORT: String(port),
    DATA_DIR: mkdtempSync(path.join(work, `data-${image}-`)),
    LOG_LEVEL: 'info',
    AUTH_JWT_KEYS: IMAGE_KEYS,
  };
  const [command, ...args] = inBundle(execForm(cmd.args, 'CMD'), bundle);
  const child = spawn(command!, args, { cwd: bundle, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const stop = () => {
    if (child.exitCode === null) child.kill('SIGTERM');
    return exited;
  };
  try {
    await waitForHealthy(port, child, () => output);
  } catch (error) {
    await stop();
    throw error;
  }
  return { port, env, output: () => output, stop };
}

describe.each(IMAGES)('the %s image, built and run outside Docker', (image) => {
  const instructions = loadDockerfile(image);
  const runtime = finalStage(instructions);
  const at = (keyword: string) =>
    instructions.find((i) => i.stage === runtime && i.keyword === keyword)!;

  it('holds the production dependencies of this service only', () => {
    const bundle = bundles.get(image)!;
    const has = (name: string) => existsSync(path.join(bundle, 'node_modules', name));
    expect(has('typescript') || has('jest') || has('ts-jest') || has('eslint')).toBe(false);
    expect(existsSync(path.join(bundle, `services/${image}/dist/main.js`))).toBe(true);
    expect(existsSync(path.join(bundle, 'services', image, 'src'))).toBe(false);
    // The gateway has no database driver; the REST images have one.
    expect(has('mongodb')).toBe(image !== 'realtime-gateway');
  });

  it('starts with its CMD, answers its probes and HEALTHCHECK, and stops on SIGTERM', async () => {
    const bundle = bundles.get(image)!;
    const service = await startImage(image);
    const healthcheck = inBundle(execForm(at('HEALTHCHECK').args, 'HEALTHCHECK'), bundle);
    const runHealthcheck = () =>
      execFileAsync(healthcheck[0]!, healthcheck.slice(1), { cwd: bundle, env: service.env });
    try {
      for (const probe of ['/healthz', '/readyz']) {
        const response = await fetch(`http://127.0.0.1:${service.port}${probe}`);
        expect({ probe, status: response.status }).toEqual({ probe, status: 200 });
        await response.arrayBuffer();
      }
      await expect(runHealthcheck()).resolves.toBeDefined();
      expect(service.output()).toMatch(/"store":"embedded"|"broker":"in-process"/);
    } finally {
      expect(await service.stop()).toBe(0);
    }
    // Once it is gone, the same HEALTHCHECK reports it unhealthy.
    await expect(runHealthcheck()).rejects.toMatchObject({ code: 1 });
  }, 60_000);
});

/**
 * The compose edge (scripts/deploy/edge/nginx.conf) run by a real nginx in front of the built
 * api-service and gateway: only the upstream and listen addresses, the pid and log files and
 * Docker's DNS resolver are replaced, everything else is the file compose mounts.
 */
describe('the edge in front of the built images', () => {
  const services: Running[] = [];
  let edge: ChildProcess | undefined;
  let base = '';

  beforeAll(async () => {
    const [api, gateway] = await Promise.all([
      startImage('api-service'),
      startImage('realtime-gateway'),
    ]);
    services.push(api, gateway);
    const port = await freePort();
    const prefix = mkdtempSync(path.join(work, 'edge-'));
    const conf = edgeConfig(readText('scripts/deploy/edge/nginx.conf'), {
      listen: `127.0.0.1:${port}`,
      api_service: `http://127.0.0.1:${api.port}`,
      realtime_gateway: `http://127.0.0.1:${gateway.port}`,
    });
    writeFileSync(path.join(prefix, 'nginx.conf'), conf);
    edge = spawn(
      'bash',
      [
        TOOLS,
        'nginx',
        '-p',
        prefix,
        '-e',
        'stderr',
        '-c',
        path.join(prefix, 'nginx.conf'),
        '-g',
        'daemon off;',
      ],
      { env: cleanEnv(), stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let errors = '';
    edge.stderr!.on('data', (chunk: Buffer) => (errors += chunk.toString()));
    base = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 10_000;
    for (;;) {
      try {
        await (await fetch(`${base}/edge/healthz`)).arrayBuffer();
        break;
      } catch (error) {
        if (Date.now() > deadline || edge.exitCode !== null) {
          throw new Error(`the edge did not start: ${errors}`, { cause: error });
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  }, 60_000);

  afterAll(async () => {
    edge?.kill('SIGTERM');
    await Promise.all(services.map((service) => service.stop()));
  });

  it.each([
    ['/openapi.json', 'api-service', /"openapi"/],
    ['/docs', 'api-service', /swagger-ui/],
    ['/redoc', 'api-service', /<redoc/],
    ['/api/communities/', 'api-service', /"next_cursor"/],
    ['/asyncapi.json', 'realtime-gateway', /"asyncapi"/],
  ])('routes %s to the %s', async (route, _service, body) => {
    const response = await fetch(`${base}${route}`);
    expect({ route, status: response.status }).toEqual({ route, status: 200 });
    expect(await response.text()).toMatch(body);
  });

  it('does not expose /metrics', async () => {
    const response = await fetch(`${base}/metrics`);
    await response.arrayBuffer();
    expect(response.status).toBe(404);
  });

  it('upgrades /ws/{user_id} to a WebSocket on the gateway, authenticated by the header', async () => {
    const memberId = '0123456789abcdef01234567';
    const tokens = new TokenService({
      keys: parseSigningKeys(IMAGE_KEYS),
      issuer: 'communities-api',
      accessTtlSeconds: 60,
      grantTtlSeconds: 60,
    });
    const { token } = await tokens.signAccess(memberId, 0);
    const socket = new WebSocket(`${base.replace('http', 'ws')}/ws/${memberId}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    try {
      const first = await new Promise<string>((resolve, reject) => {
        socket.once('message', (data: Buffer) => resolve(data.toString()));
        socket.once('error', reject);
      });
      expect(JSON.parse(first)).toMatchObject({ type: 'connected', user_id: memberId });
    } finally {
      socket.terminate();
    }
  });
});

/** nginx.conf with the compose-only parts replaced for a run on loopback. */
function edgeConfig(
  conf: string,
  at: { listen: string; api_service: string; realtime_gateway: string },
): string {
  const replace = (text: string, pattern: RegExp, value: string) => {
    if (!pattern.test(text)) throw new Error(`nginx.conf: ${String(pattern)} not found`);
    return text.replace(pattern, value);
  };
  let result = replace(conf, /^\s*resolver .*;$/m, '');
  result = replace(result, /^pid .*;$/m, 'pid nginx.pid;');
  result = replace(result, /access_log \S+ edge;/, 'access_log access.log edge;');
  result = replace(result, /error_log \S+ warn;/, 'error_log stderr warn;');
  result = replace(result, /listen 8080;/, `listen ${at.listen};`);
  result = replace(result, /set \$api_service \S+;/, `set $api_service ${at.api_service};`);
  result = replace(
    result,
    /set \$realtime_gateway \S+;/,
    `set $realtime_gateway ${at.realtime_gateway};`,
  );
  return result;
}
