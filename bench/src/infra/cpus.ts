import { spawnSync } from 'node:child_process';
import { cpus } from 'node:os';

export interface CpuPlan {
  /** `taskset -c` lists, or undefined when pinning is not possible here. */
  server: string | undefined;
  loadgen: string | undefined;
  note: string;
}

function hasTaskset(): boolean {
  return spawnSync('taskset', ['-V'], { stdio: 'ignore' }).status === 0;
}

const PLAN_ENV = 'BENCH_CPU_PLAN';

/** The machine's cores, not this process's affinity (the load generator runs pinned to one). */
export function machineCores(): number {
  return cpus().length;
}

/**
 * Servers get the last core, the load generator (and the Redis server we start) the others. On a
 * single core, or without `taskset`, nothing is pinned and the report says so. Made once by the
 * launching process and handed to the pinned load generator in the environment.
 */
export function planCpus(): CpuPlan {
  const handed = process.env[PLAN_ENV];
  if (handed) return JSON.parse(handed) as CpuPlan;
  const cores = machineCores();
  if (cores < 2) return { server: undefined, loadgen: undefined, note: 'one core: not pinned' };
  if (!hasTaskset()) {
    return { server: undefined, loadgen: undefined, note: 'taskset not found: not pinned' };
  }
  const last = cores - 1;
  const loadgen = last === 1 ? '0' : `0-${last - 1}`;
  return {
    server: String(last),
    loadgen,
    note: `server on core ${last}; load generator, publisher and Redis on core(s) ${loadgen}`,
  };
}

/** Wraps a command so it runs with the hard fd limit as its soft limit, pinned to `cpus`. */
export function launcher(cpus: string | undefined, command: string[]): [string, string[]] {
  const pinned = cpus === undefined ? command : ['taskset', '-c', cpus, ...command];
  return ['sh', ['-c', 'ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec "$@"', 'sh', ...pinned]];
}

export function planEnv(plan: CpuPlan): Record<string, string> {
  return { [PLAN_ENV]: JSON.stringify(plan) };
}
