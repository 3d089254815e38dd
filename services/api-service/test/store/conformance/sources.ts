import { type ChildProcess, fork } from 'node:child_process';
import path from 'node:path';
import type { SourceContext } from './raw-ops';
import {
  runWorkload,
  type WorkloadName,
  type WorkloadParams,
  type WorkloadResult,
} from './workloads';

const REPO_ROOT = path.join(__dirname, '..', '..', '..', '..', '..');
const WORKER = path.join(__dirname, 'conformance-worker.ts');

/** The callers that race each other: two OS processes on a server engine, or one process. */
export interface Sources {
  /** How the sources race, for the report: `2 processes` or `1 process`. */
  readonly label: string;
  /** Starts `name` in every source at once; one result per source, in source order. */
  run<K extends WorkloadName>(name: K, params: WorkloadParams<K>): Promise<WorkloadResult<K>[]>;
  close(): Promise<void>;
}

/**
 * Sources inside this process, side by side on one event loop: the only concurrency an
 * in-process engine such as NeDB ever sees.
 */
export class InProcessSources implements Sources {
  readonly label = '1 process';

  constructor(private readonly contexts: SourceContext[]) {}

  run<K extends WorkloadName>(name: K, params: WorkloadParams<K>): Promise<WorkloadResult<K>[]> {
    return Promise.all(this.contexts.map((context) => runWorkload(name, context, params)));
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

export type WorkerRequest = { id: number; name: WorkloadName; params: unknown };
export type WorkerReply =
  { ready: true } | { id: number; result: unknown } | { id: number; error: string };

/** One child process running conformance-worker.ts, answering workload requests over IPC. */
class WorkerProcess {
  private nextId = 0;
  private readonly pending = new Map<
    number,
    { resolve: (value: unknown) => void; reject: (error: Error) => void }
  >();
  private readonly exited: Promise<void>;

  private constructor(private readonly child: ChildProcess) {
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    child.on('message', (reply: WorkerReply) => {
      if ('ready' in reply) return;
      const waiting = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      if ('error' in reply) waiting?.reject(new Error(reply.error));
      else waiting?.resolve(reply.result);
    });
    child.once('exit', (code, signal) => {
      for (const waiting of this.pending.values()) {
        waiting.reject(new Error(`conformance worker exited (${code ?? signal})`));
      }
      this.pending.clear();
    });
  }

  static start(args: string[]): Promise<WorkerProcess> {
    const child = fork(WORKER, args, {
      cwd: REPO_ROOT,
      execArgv: ['--import', 'tsx', '--conditions=@communities/source'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error('conformance worker not ready in 30 s')),
        30_000,
      );
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`conformance worker exited with ${code} before it was ready`));
      });
      child.once('message', () => {
        clearTimeout(timer);
        resolve(new WorkerProcess(child));
      });
    });
  }

  request(name: WorkloadName, params: unknown): Promise<unknown> {
    const id = this.nextId++;
    const reply = new Promise<unknown>((resolve, reject) =>
      this.pending.set(id, { resolve, reject }),
    );
    this.child.send({ id, name, params } satisfies WorkerRequest);
    return reply;
  }

  /** Closing the IPC channel tells the worker to close its connections and exit. */
  async stop(): Promise<void> {
    if (this.child.connected) this.child.disconnect();
    const killer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await this.exited;
    clearTimeout(killer);
  }
}

/** `count` OS processes, each with its own connections to the server at `url`. */
export class ProcessSources implements Sources {
  private constructor(private readonly workers: WorkerProcess[]) {}

  get label(): string {
    return `${this.workers.length} processes`;
  }

  static async start(url: string, dbName: string, count = 2): Promise<ProcessSources> {
    const workers = await Promise.all(
      Array.from({ length: count }, (_, source) =>
        WorkerProcess.start([url, dbName, String(source)]),
      ),
    );
    return new ProcessSources(workers);
  }

  async run<K extends WorkloadName>(
    name: K,
    params: WorkloadParams<K>,
  ): Promise<WorkloadResult<K>[]> {
    const results = await Promise.all(this.workers.map((worker) => worker.request(name, params)));
    return results as WorkloadResult<K>[];
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((worker) => worker.stop()));
  }
}
