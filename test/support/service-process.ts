import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { freePort } from '@communities/test-support';

const REPO_ROOT = join(__dirname, '..', '..');
const EXIT_WITH_PARENT = join(__dirname, 'exit-with-parent.cjs');
/** Lines of a service's output kept for the failure message. */
const OUTPUT_LINES = 40;

/**
 * Every service process still running, whichever test file started it: killed when this process
 * exits, so a test that failed (or a worker torn down) before its afterAll never leaves one behind.
 */
const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** `standalone` is `npm start`'s process: both services on one port. */
export type ServiceName = 'api-service' | 'realtime-gateway' | 'standalone';

/**
 * One service run from source as its own OS process, exactly as `main.ts` runs in production, so
 * that SIGKILL and SIGTERM are real signals to a real process. Shared by the fault and browser
 * suites.
 */
export class ServiceProcess {
  private readonly output: string[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  private constructor(
    readonly label: string,
    readonly port: number,
    private readonly child: ChildProcess,
  ) {
    running.add(child);
    this.exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        running.delete(child);
        resolve({ code, signal });
      }),
    );
    const keep = (chunk: Buffer): void => {
      this.output.push(...chunk.toString().split('\n').filter(Boolean));
      this.output.splice(0, Math.max(0, this.output.length - OUTPUT_LINES));
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
  }

  /**
   * Spawns `services/<service>/src/main.ts` on `port` (a free one by default: pass the port of a
   * stopped one to take over from it) and resolves once `/readyz` is 200.
   */
  static async start(
    service: ServiceName,
    label: string,
    env: Record<string, string>,
    port?: number,
  ): Promise<ServiceProcess> {
    port ??= await freePort();
    const child = spawn(
      process.execPath,
      [
        '--require',
        EXIT_WITH_PARENT,
        '--import',
        'tsx',
        '--conditions=@communities/source',
        `services/${service}/src/main.ts`,
      ],
      {
        cwd: REPO_ROOT,
        // Only what node needs from ours: nothing of this run's MONGO_URL / REDIS_URL leaks in.
        env: {
          PATH: process.env.PATH ?? '',
          HOME: process.env.HOME ?? '',
          ...(process.env.TMPDIR && { TMPDIR: process.env.TMPDIR }),
          HOST: '127.0.0.1',
          PORT: String(port),
          LOG_LEVEL: 'warn',
          ...env,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const started = new ServiceProcess(label, port, child);
    await started.untilReady();
    return started;
  }

  get httpUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get wsUrl(): string {
    return `ws://127.0.0.1:${this.port}`;
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Sends `signal` (SIGKILL: a crash; SIGTERM: an orchestrator's stop). */
  signal(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  /** SIGTERM (a graceful stop) unless already gone; resolves once the process has exited. */
  async stop(): Promise<void> {
    if (this.alive) this.child.kill('SIGTERM');
    await this.exited;
  }

  /** SIGKILL unless already gone; resolves once the process has exited. */
  async kill(): Promise<void> {
    if (this.alive) this.child.kill('SIGKILL');
    await this.exited;
  }

  /** The last lines the service wrote (pino JSON), for failure messages. */
  recentOutput(): string {
    return this.output.join('\n');
  }

  /** Polls `/readyz` until it answers 200 (broker and store connected); fails if the process exits. */
  private async untilReady(timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!this.alive) {
        throw new Error(`${this.label} exited before it was ready:\n${this.recentOutput()}`);
      }
      try {
        const response = await fetch(`${this.httpUrl}/readyz`);
        if (response.status === 200) return;
      } catch {
        // not listening yet
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await this.kill();
    throw new Error(`${this.label} not ready within ${timeoutMs} ms:\n${this.recentOutput()}`);
  }
}
