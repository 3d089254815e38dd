/**
 * The SDK as an outsider gets it (`npm run sdk:smoke`, a CI step): builds, packs
 * `@communities/contracts` and `@communities/client`, installs the tarballs into a fresh project
 * in a temp directory outside the repo (third-party dependencies from the registry), then
 *   1. requires it from CommonJS and imports it from ESM in this Node, loading no zod;
 *   2. type-checks the README's example and a small .cts file against the packed types;
 *   3. bundles a browser entry with esbuild (platform=browser): a node built-in fails the build;
 *   4. runs the README's example (packages/client/examples/quickstart.mts, compiled) against a
 *      real standalone on a free port with a temp DATA_DIR: it logs in, subscribes, posts over
 *      REST and exits 0 once its message came back over the WebSocket.
 * Every step is bounded in time; the standalone and the temp directory are removed at the end
 * (SDK_SMOKE_KEEP=1 keeps the directory for a look).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';

const REPO = join(__dirname, '..');
const EXAMPLE = join(REPO, 'packages/client/examples/quickstart.mts');
const README = join(REPO, 'packages/client/README.md');
const TSC = join(REPO, 'node_modules/typescript/bin/tsc');
/** Third-party packages the fresh project adds itself, as a user following the README would. */
const THIRD_PARTY = ['ws@^8', '@types/ws@^8', '@types/node@^20'];

const started = Date.now();
let lap = started;
function step(name: string): void {
  const now = Date.now();
  console.log(`-- ${name}: ${((now - lap) / 1000).toFixed(1)} s`);
  lap = now;
}

/** Runs a command to completion; its output is shown only when it fails. */
function run(command: string, args: string[], cwd: string, timeoutMs = 120_000): string {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', timeout: timeoutMs });
  if (result.status !== 0) {
    const why = result.error ? result.error.message : `exit ${result.status ?? result.signal}`;
    throw new Error(
      `${command} ${args.join(' ')} (in ${cwd}): ${why}\n${result.stdout}${result.stderr}`,
    );
  }
  return result.stdout;
}

function fail(message: string): never {
  throw new Error(message);
}

/** The README's first ```ts block must be the example file, so the two cannot drift apart. */
function checkReadmeExample(): void {
  const block = /```ts\n([\s\S]*?)```/.exec(readFileSync(README, 'utf8'))?.[1];
  if (block?.trim() !== readFileSync(EXAMPLE, 'utf8').trim()) {
    fail('packages/client/README.md: the first ```ts block is not examples/quickstart.mts');
  }
}

function pack(dir: string): string[] {
  mkdirSync(dir);
  run(
    'npm',
    ['pack', '-w', 'packages/contracts', '-w', 'packages/client', '--pack-destination', dir],
    REPO,
  );
  const tarballs = readdirSync(dir)
    .filter((name) => name.endsWith('.tgz'))
    .map((name) => join(dir, name));
  for (const tarball of tarballs) {
    const files = run('tar', ['-tzf', tarball], dir).split('\n');
    for (const needed of ['package/dist/index.js', 'package/dist/index.d.ts']) {
      if (!files.includes(needed)) fail(`${tarball} has no ${needed}`);
    }
    const stray = files.filter((f) => /\.test\.|\.tsbuildinfo$/.test(f));
    if (stray.length > 0) fail(`${tarball} ships ${stray.join(', ')}`);
  }
  if (tarballs.length !== 2) fail(`expected two tarballs in ${dir}, found ${tarballs.join(', ')}`);
  return tarballs;
}

const CJS_CHECK = `
const sdk = require('@communities/client');
for (const name of ['RealtimeClient', 'RealtimeClientError', 'HttpError', 'backoffDelay']) {
  if (typeof sdk[name] !== 'function') throw new Error('require: no ' + name);
}
const loaded = Object.keys(require.cache).filter((f) => /node_modules[\\\\/](zod|@communities[\\\\/]contracts)/.test(f));
if (loaded.length > 0) throw new Error('require loaded ' + loaded.join(', '));
console.log('require: ok');
`;
const ESM_CHECK = `
import { RealtimeClient, RealtimeClientError, HttpError } from '@communities/client';
import sdk from '@communities/client';
if (typeof RealtimeClient !== 'function' || typeof RealtimeClientError !== 'function') throw new Error('import: named exports missing');
if (sdk.HttpError !== HttpError) throw new Error('import: default and named exports differ');
console.log('import: ok');
`;
/** Types that are not \`any\`: each @ts-expect-error must meet an error, or tsc fails. */
const CTS_CHECK = `
import { RealtimeClient, RealtimeClientError, type RealtimeClientOptions } from '@communities/client';
const options: RealtimeClientOptions = {
  wsUrl: 'ws://localhost:5001',
  apiUrl: 'http://localhost:5001',
  memberId: '0123456789abcdef01234567',
  getAccessToken: ({ rejected }) => Promise.resolve(rejected ? 'new' : 'cached'),
};
export const client = new RealtimeClient(options);
export const code: RealtimeClientError['code'] = 'UNAUTHENTICATED';
// @ts-expect-error not an error code
export const wrong: RealtimeClientError['code'] = 'NOPE';
client.subscribeThread('0123456789abcdef01234567', {
  onMessage: (message) => message.seq.toFixed(),
  // @ts-expect-error a thread subscription has no such handler
  onTyping: () => undefined,
});
`;
const TSCONFIG = {
  compilerOptions: {
    target: 'ES2022',
    module: 'nodenext',
    moduleResolution: 'nodenext',
    strict: true,
    skipLibCheck: false,
    types: ['node'],
    outDir: 'build',
  },
  files: ['quickstart.mts', 'check-types.cts'],
};
const BROWSER_ENTRY = `
import { RealtimeClient } from '@communities/client';
// The browser's WebSocket and fetch are the defaults.
export const client = new RealtimeClient({
  wsUrl: 'wss://example.test',
  apiUrl: 'https://example.test',
  memberId: '0123456789abcdef01234567',
  getAccessToken: async () => 'token',
});
`;

async function bundleForBrowser(app: string): Promise<void> {
  const result = await build({
    absWorkingDir: app,
    entryPoints: ['browser.mjs'],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    write: false,
    outfile: 'browser.bundle.js',
    metafile: true,
    logLevel: 'silent',
  }).catch((error: unknown) => fail(`esbuild (platform=browser): ${String(error)}`));
  const inputs = Object.keys(result.metafile.inputs);
  const heavy = inputs.filter((f) => /node_modules\/(zod|@communities\/contracts)\//.test(f));
  if (heavy.length > 0) fail(`the browser bundle pulls in ${heavy.join(', ')}`);
  const code = result.outputFiles[0]?.text ?? '';
  const nodeOnly = /\b(process\.|Buffer\b|require\()/.exec(code);
  if (nodeOnly) fail(`the browser bundle refers to ${nodeOnly[0]}`);
  console.log(`browser bundle: ${(code.length / 1024).toFixed(1)} kB from ${inputs.length} files`);
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() =>
        address && typeof address === 'object' ? resolve(address.port) : reject(new Error('port')),
      );
    });
  });
}

class Standalone {
  private output = '';
  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
  ) {
    child.stdout?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
  }

  /** The built standalone (`npm run build`), as `npm start` runs it, on 127.0.0.1:<free port>. */
  static async start(dataDir: string): Promise<Standalone> {
    const port = await freePort();
    const child = spawn(process.execPath, ['services/standalone/dist/main.js'], {
      cwd: REPO,
      env: {
        PATH: process.env.PATH ?? '',
        HOST: '127.0.0.1',
        PORT: String(port),
        DATA_DIR: dataDir,
        LOG_LEVEL: 'warn',
        // The smoke signs up one member: OWASP's cost (0.3 s and 128 MiB a hash) buys nothing here.
        AUTH_PASSWORD_HASH_COST: '10',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const standalone = new Standalone(child, `http://127.0.0.1:${port}`);
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) fail(`standalone exited:\n${standalone.output}`);
      const ready = await fetch(`${standalone.url}/readyz`).then(
        (r) => r.status === 200,
        () => false,
      );
      if (ready) return standalone;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    standalone.kill();
    return fail(`standalone not ready within 30 s:\n${standalone.output}`);
  }

  /** SIGTERM, then SIGKILL if it has not exited within 10 s. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.kill(), 10_000);
    await exited;
    clearTimeout(timer);
  }

  kill(): void {
    if (this.child.exitCode === null) this.child.kill('SIGKILL');
  }
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
  if (!response.ok) fail(`POST ${path}: ${response.status} ${text}`);
  return JSON.parse(text) as T;
}

/** A member, a community and a thread, over REST as any client would make them. */
async function provision(base: string): Promise<Record<string, string>> {
  const username = `sdk_${randomBytes(3).toString('hex')}`;
  const password = randomBytes(12).toString('hex');
  await call(base, '/members/', {
    username,
    email: `${username}@example.com`,
    password,
    full_name: 'SDK Smoke',
    bio: '',
  });
  const { access_token: token } = await call<{ access_token: string }>(base, '/auth/login', {
    login: username,
    password,
  });
  const community = await call<{ id: string }>(
    base,
    '/communities/',
    { name: 'SDK smoke', description: '', tags: [], is_public: true },
    token,
  );
  const thread = await call<{ id: string }>(
    base,
    `/threads/community/${community.id}`,
    { title: 'Does the SDK install?', content: '' },
    token,
  );
  return {
    COMMUNITIES_URL: base,
    COMMUNITIES_LOGIN: username,
    COMMUNITIES_PASSWORD: password,
    THREAD_ID: thread.id,
  };
}

/** Runs the compiled README example; resolves with its output once it exited 0 (≤ 20 s). */
async function runExample(app: string, env: Record<string, string>): Promise<string> {
  const child = spawn(process.execPath, ['build/quickstart.mjs'], {
    cwd: app,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  clearTimeout(timer);
  if (code !== 0) fail(`the README example exited ${code ?? 'on a signal (20 s)'}:\n${output}`);
  if (!/arrived over the WebSocket/.test(output)) fail(`the README example said:\n${output}`);
  return output;
}

async function main(): Promise<void> {
  checkReadmeExample();
  const root = mkdtempSync(join(tmpdir(), 'sdk-smoke-'));
  let standalone: Standalone | undefined;
  const cleanUp = () => {
    standalone?.kill();
    if (!process.env.SDK_SMOKE_KEEP) rmSync(root, { recursive: true, force: true });
  };
  process.once('SIGINT', () => (cleanUp(), process.exit(130)));
  process.once('SIGTERM', () => (cleanUp(), process.exit(143)));
  try {
    console.log(`sdk smoke in ${root}`);
    run('npm', ['run', 'build', '--silent'], REPO, 300_000);
    step('built');

    const tarballs = pack(join(root, 'tarballs'));
    step(`packed ${tarballs.map((t) => t.slice(root.length + 1)).join(', ')}`);

    const app = join(root, 'app');
    mkdirSync(app);
    writeFileSync(
      join(app, 'package.json'),
      JSON.stringify({ name: 'sdk-smoke-app', private: true, type: 'module' }, null, 2),
    );
    run('npm', ['install', '--no-audit', '--no-fund', ...tarballs, ...THIRD_PARTY], app);
    step(`installed the tarballs and ${THIRD_PARTY.join(', ')} into a fresh project`);

    writeFileSync(join(app, 'check.cjs'), CJS_CHECK);
    writeFileSync(join(app, 'check.mjs'), ESM_CHECK);
    process.stdout.write(run(process.execPath, ['check.cjs'], app));
    process.stdout.write(run(process.execPath, ['check.mjs'], app));
    copyFileSync(EXAMPLE, join(app, 'quickstart.mts'));
    writeFileSync(join(app, 'check-types.cts'), CTS_CHECK);
    writeFileSync(join(app, 'tsconfig.json'), JSON.stringify(TSCONFIG, null, 2));
    run(process.execPath, [TSC, '-p', 'tsconfig.json'], app);
    console.log('tsc (strict, nodenext, skipLibCheck false): the example and check-types.cts ok');
    step('Node CommonJS, ESM and TypeScript');

    writeFileSync(join(app, 'browser.mjs'), BROWSER_ENTRY);
    await bundleForBrowser(app);
    step('browser bundle');

    standalone = await Standalone.start(join(root, 'data'));
    const env = await provision(standalone.url);
    step(
      `standalone on ${standalone.url}, member ${env.COMMUNITIES_LOGIN}, thread ${env.THREAD_ID}`,
    );
    process.stdout.write(
      (await runExample(app, env))
        .split('\n')
        .filter(Boolean)
        .map((line) => `  example: ${line}\n`)
        .join(''),
    );
    await standalone.stop();
    step('README example against the standalone');
  } finally {
    cleanUp();
  }
  console.log(`sdk smoke passed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

main().catch((error: unknown) => {
  console.error(`sdk smoke FAILED: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
