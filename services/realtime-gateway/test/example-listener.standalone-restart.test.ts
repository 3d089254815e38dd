/**
 * `npm run example:listen` against a real `npm start` that is stopped and started again, as a
 * developer does: the new process signs with a new random key (no AUTH_JWT_KEYS), so the
 * listener's token is refused with 4401; it must log in again and resume, not exit. Both are
 * separate processes run from source (tsx), the standalone on a fixed free port and one DATA_DIR.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@communities/test-support';

const REPO = join(__dirname, '..', '..', '..');
const PASSWORD = 'listener-password-1';

const children = new Set<ChildProcess>();
process.on('exit', () => children.forEach((child) => child.kill('SIGKILL')));

/** A TypeScript entry of the repo as its own process, with its output kept line by line. */
class Child {
  readonly lines: string[] = [];
  readonly exited: Promise<number | null>;
  private readonly child: ChildProcess;
  private readonly waiters = new Set<() => void>();

  constructor(
    script: string,
    args: string[],
    env: Record<string, string>,
    private readonly label: string,
  ) {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '--conditions=@communities/source', script, ...args],
      { cwd: REPO, env: { PATH: process.env.PATH ?? '', ...env }, stdio: 'pipe' },
    );
    children.add(child);
    this.exited = new Promise((resolve) =>
      child.once('exit', (code) => {
        children.delete(child);
        resolve(code);
        this.waiters.forEach((wake) => wake());
      }),
    );
    let partial = '';
    const keep = (chunk: Buffer): void => {
      const parts = (partial + chunk.toString()).split('\n');
      partial = parts.pop() ?? '';
      this.lines.push(...parts);
      this.waiters.forEach((wake) => wake());
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    this.child = child;
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Resolves with the first line (from `from` on) that matches; fails after `timeoutMs`. */
  async line(pattern: RegExp, from = 0, timeoutMs = 45_000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const index = this.lines.findIndex((line, i) => i >= from && pattern.test(line));
      if (index >= 0) return index;
      if (!this.alive || Date.now() > deadline) {
        throw new Error(`${this.label}: no line ${pattern} (alive: ${this.alive}):\n${this.text}`);
      }
      await new Promise<void>((resolve) => {
        const wake = () => (this.waiters.delete(wake), clearTimeout(timer), resolve());
        const timer = setTimeout(wake, 250);
        this.waiters.add(wake);
      });
    }
  }

  get text(): string {
    return this.lines.join('\n');
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    if (this.alive) this.child.kill(signal);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    const code = await this.exited;
    clearTimeout(timer);
    return code;
  }
}

async function startStandalone(port: number, dataDir: string): Promise<Child> {
  const standalone = new Child(
    'services/standalone/src/main.ts',
    [],
    {
      HOST: '127.0.0.1',
      PORT: String(port),
      DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
      AUTH_PASSWORD_HASH_COST: '10',
      // The restart is the subject; a drain spread over seconds would only slow it down.
      WS_DRAIN_WINDOW_MS: '0',
    },
    'standalone',
  );
  const deadline = Date.now() + 45_000;
  while (Date.now() < deadline && standalone.alive) {
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`).then(
      (response) => response.status === 200,
      () => false,
    );
    if (ready) return standalone;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await standalone.stop('SIGKILL');
  throw new Error(`standalone not ready:\n${standalone.text}`);
}

async function post<T>(api: string, path: string, body: unknown, token?: string): Promise<T> {
  const response = await fetch(`${api}/api${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token !== undefined && { authorization: `Bearer ${token}` }),
    },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`POST ${path}: ${response.status} ${text}`);
  return JSON.parse(text) as T;
}

const logIn = async (api: string, login: string): Promise<string> =>
  (await post<{ access_token: string }>(api, '/auth/login', { login, password: PASSWORD }))
    .access_token;

describe('npm run example:listen across a restart of npm start', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'listen-restart-'));
  let standalone: Child | undefined;
  let listener: Child | undefined;

  afterAll(async () => {
    await listener?.stop('SIGINT');
    await standalone?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('logs in again after the new key refuses its token, resumes, and prints what follows', async () => {
    const port = await freePort();
    const api = `http://127.0.0.1:${port}`;
    standalone = await startStandalone(port, dataDir);
    const username = `listener_${process.pid}`;
    await post(api, '/members/', {
      username,
      email: `${username}@example.com`,
      password: PASSWORD,
      full_name: 'Listener',
      bio: '',
    });
    let token = await logIn(api, username);
    const community = await post<{ id: string }>(api, '/communities/', { name: 'Restarts' }, token);
    const thread = await post<{ id: string }>(
      api,
      `/threads/community/${community.id}`,
      { title: 'Still there?' },
      token,
    );

    listener = new Child(
      'services/realtime-gateway/scripts/listen.ts',
      [thread.id, '--login', username, '--url', `ws://127.0.0.1:${port}`],
      { COMMUNITIES_PASSWORD: PASSWORD },
      'listener',
    );
    // A first join starts at the thread's present: post only once it was acked.
    await listener.line(/^following thread:\w+ from seq 0$/);
    await post(api, `/messages/thread/${thread.id}`, { content: 'before the restart' }, token);
    await listener.line(/^message #1 .*: before the restart$/);

    await standalone.stop();
    const afterRestart = listener.lines.length;
    standalone = await startStandalone(port, dataDir);
    await expect(logIn(api, username)).resolves.toEqual(expect.any(String));
    await listener.line(/^disconnected 4401/, afterRestart);
    await listener.line(/^logged in again: the access token was refused$/, afterRestart);
    await listener.line(/^connected \(connection 2\)/, afterRestart);

    token = await logIn(api, username);
    await post(api, `/messages/thread/${thread.id}`, { content: 'after the restart' }, token);
    await listener.line(/^message #2 .*: after the restart$/, afterRestart);
    expect(listener.alive).toBe(true);
    expect(listener.lines.filter((line) => /^message #1 /.test(line))).toHaveLength(1);
    expect(await listener.stop('SIGINT')).toBe(0);
  }, 120_000);
});
