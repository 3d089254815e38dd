import { type ChildProcess, spawn } from 'node:child_process';
import {
  closeSync,
  mkdirSync,
  openSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
} from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { track } from './children';
import { launcher } from './cpus';
import { REPO_ROOT, RESULTS_DIR } from './paths';
import { sleep } from './ports';
import { type ProbeReply, type ProbeRequest } from './probe-types';

export interface ServerSpec {
  /** Short name, also the log file's name. */
  name: string;
  /** The TypeScript entry file to run. */
  script: string;
  port: number;
  env: Record<string, string>;
  /** `taskset -c` list; undefined: not pinned. */
  cpus: string | undefined;
  /** Extra node flags, e.g. `--cpu-prof`. */
  nodeFlags?: string[];
  /**
   * With `--cpu-prof`: the directory given to `--cpu-prof-dir`. Node writes one profile per thread
   * (tsx's loader runs in a worker); after exit the main thread's (the largest) is kept as
   * `<dir>.cpuprofile`.
   */
  profileDir?: string;
  /** Readiness: GET this path until it answers 200. */
  healthPath?: string;
  startTimeoutMs?: number;
}

const PROBE_AGENT = pathToFileURL(join(__dirname, 'probe-agent.ts')).href;
let logDir = join(RESULTS_DIR, 'logs');

/** Where server logs go: `<report dir>/logs`, so a smoke run never overwrites a full run's. */
export function setLogDir(dir: string): void {
  logDir = dir;
}

export function currentLogDir(): string {
  return logDir;
}

/**
 * A server under test, in its own process: `node` with tsx and the `@communities/source` condition
 * (so workspace packages resolve to their sources, as in `npm start`), the probe agent preloaded,
 * `--expose-gc` for the memory figures, its fd limit raised to the hard limit, pinned with taskset.
 * Its stdout and stderr go to `bench/results/logs/<name>.log`.
 */
export class ServerProcess {
  private nextProbe = 0;
  private exitStatus: number | string | null | undefined;
  private readonly waiting = new Map<number, (reply: ProbeReply) => void>();
  readonly exited: Promise<number | null>;

  private constructor(
    readonly spec: ServerSpec,
    private readonly child: ChildProcess,
    readonly logFile: string,
  ) {
    this.exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        this.exitStatus = signal ?? code;
        resolve(code);
      }),
    );
    // A failed `send` (the server went away) is reported by `probe`, never as an uncaught error.
    child.on('error', () => {});
    child.on('message', (message: ProbeReply) => {
      this.waiting.get(message.probe)?.(message);
      this.waiting.delete(message.probe);
    });
  }

  static async start(spec: ServerSpec): Promise<ServerProcess> {
    mkdirSync(logDir, { recursive: true });
    const logFile = join(logDir, `${spec.name}.log`);
    const log = openSync(logFile, 'w');
    const node = [
      process.execPath,
      '--conditions=@communities/source',
      '--import',
      'tsx',
      '--import',
      PROBE_AGENT,
      '--expose-gc',
      ...(spec.nodeFlags ?? []),
      spec.script,
    ];
    const [command, args] = launcher(spec.cpus, node);
    const child = track(
      spawn(command, args, {
        cwd: REPO_ROOT,
        env: { ...process.env, ...spec.env, PORT: String(spec.port) },
        stdio: ['ignore', log, log, 'ipc'],
      }),
    );
    closeSync(log);
    const server = new ServerProcess(spec, child, logFile);
    await server.waitHealthy(spec.startTimeoutMs ?? 60_000);
    return server;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get port(): number {
    return this.spec.port;
  }

  /** The server's own CPU time and memory (after full GCs with `gc`), and its fds if asked. */
  probe(options: { gc?: boolean; fds?: boolean } = {}): Promise<ProbeReply> {
    const id = (this.nextProbe += 1);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new Error(`${this.spec.name}: no probe reply within 15 s`));
      }, 15_000);
      this.waiting.set(id, (reply) => {
        clearTimeout(timer);
        resolve(reply);
      });
      const request: ProbeRequest = { probe: id, ...options };
      const fail = (why: string): void => {
        clearTimeout(timer);
        this.waiting.delete(id);
        reject(new Error(`${this.spec.name}: ${why}\n${this.logTail(5)}`));
      };
      if (!this.child.connected) {
        fail(`no IPC channel (server exit status: ${String(this.exitStatus ?? 'running')})`);
        return;
      }
      this.child.send(request, (error) => {
        if (error) fail(`probe not sent: ${error.message}`);
      });
    });
  }

  /** SIGTERM (graceful: profiles are written on exit), SIGKILL after `graceMs`. */
  async stop(graceMs = 15_000): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
    if (this.spec.profileDir) keepMainProfile(this.spec.profileDir);
  }

  logTail(lines = 20): string {
    try {
      return readFileSync(this.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  }

  private async waitHealthy(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let exitCode: number | null | undefined;
    void this.exited.then((code) => (exitCode = code));
    const path = this.spec.healthPath ?? '/healthz';
    while (Date.now() < deadline) {
      if (exitCode !== undefined) {
        throw new Error(`${this.spec.name} exited (${exitCode}) at start:\n${this.logTail()}`);
      }
      if ((await httpStatus(this.spec.port, path)) === 200) return;
      await sleep(100);
    }
    await this.stop(1000);
    throw new Error(`${this.spec.name} not healthy within ${timeoutMs} ms:\n${this.logTail()}`);
  }
}

function httpStatus(port: number, path: string): Promise<number> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path, timeout: 1000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
    req.end();
  });
}

/**
 * Runs a script to completion in its own pinned process (e.g. the driver-only insert baseline)
 * and resolves with the one message it sends over IPC.
 */
export async function runTask<T>(
  name: string,
  script: string,
  env: Record<string, string>,
  cpus: string | undefined,
): Promise<T> {
  mkdirSync(logDir, { recursive: true });
  const logFile = join(logDir, `${name}.log`);
  const log = openSync(logFile, 'w');
  const [command, args] = launcher(cpus, [
    process.execPath,
    '--conditions=@communities/source',
    '--import',
    'tsx',
    script,
  ]);
  const child = track(
    spawn(command, args, {
      cwd: REPO_ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', log, log, 'ipc'],
    }),
  );
  closeSync(log);
  return new Promise<T>((resolve, reject) => {
    let result: T | undefined;
    child.once('message', (message: T) => (result = message));
    child.once('exit', (code) => {
      if (result !== undefined) resolve(result);
      else reject(new Error(`${name} exited (${code}) without a result:\n${tail(logFile)}`));
    });
  });
}

function tail(file: string): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-20).join('\n');
  } catch {
    return '(no log)';
  }
}

function keepMainProfile(dir: string): void {
  let files: string[];
  try {
    files = readdirSync(dir).filter((file) => file.endsWith('.cpuprofile'));
  } catch {
    return;
  }
  const largest = files
    .map((file) => ({ file, size: statSync(join(dir, file)).size }))
    .sort((a, b) => b.size - a.size)[0];
  if (largest) renameSync(join(dir, largest.file), `${dir}.cpuprofile`);
  rmSync(dir, { recursive: true, force: true });
}
