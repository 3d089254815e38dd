import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';

const ROOT = path.join(__dirname, '..', '..', '..');
const OUTPUT_LINES = 40;

/** Killed when the test process exits, however it ends. */
const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/**
 * `npm start`'s process (services/standalone/src/main.ts from source) on a given port and
 * DATA_DIR, so that a second one can take over both: a server restart as an operator does it.
 * No AUTH_JWT_KEYS unless given: each process signs with its own random key, as `npm start` does.
 */
export class StandaloneProcess {
  private readonly output: string[] = [];
  private readonly exited: Promise<void>;

  private constructor(
    readonly port: number,
    private readonly child: ChildProcess,
  ) {
    running.add(child);
    this.exited = new Promise((resolve) =>
      child.once('exit', () => {
        running.delete(child);
        resolve();
      }),
    );
    const keep = (chunk: Buffer) => {
      this.output.push(...chunk.toString().split('\n').filter(Boolean));
      this.output.splice(0, Math.max(0, this.output.length - OUTPUT_LINES));
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
  }

  static async start(
    port: number,
    dataDir: string,
    env: Record<string, string> = {},
  ): Promise<StandaloneProcess> {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '--conditions=@communities/source', 'services/standalone/src/main.ts'],
      {
        cwd: ROOT,
        env: {
          PATH: process.env.PATH ?? '',
          HOME: process.env.HOME ?? '',
          ...(process.env.TMPDIR && { TMPDIR: process.env.TMPDIR }),
          HOST: '127.0.0.1',
          PORT: String(port),
          DATA_DIR: dataDir,
          LOG_LEVEL: 'warn',
          ...env,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const standalone = new StandaloneProcess(port, child);
    await standalone.untilReady();
    return standalone;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** SIGTERM (a graceful stop: sockets closed with 1001), then waits for the exit. */
  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    await this.exited;
  }

  recentOutput(): string {
    return this.output.join('\n');
  }

  private async untilReady(timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.child.exitCode !== null) {
        throw new Error(`the standalone exited before it was ready:\n${this.recentOutput()}`);
      }
      try {
        if ((await fetch(`${this.url}/readyz`)).status === 200) return;
      } catch {
        // not listening yet
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    this.child.kill('SIGKILL');
    throw new Error(`the standalone was not ready within ${timeoutMs} ms:\n${this.recentOutput()}`);
  }
}
