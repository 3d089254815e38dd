import { type ChildProcess } from 'node:child_process';

const live = new Set<ChildProcess>();

/**
 * Every process the harness starts (servers, baselines, Redis) is tracked, so that if the harness
 * itself dies they are killed with it instead of being left running on the machine.
 */
export function track(child: ChildProcess): ChildProcess {
  live.add(child);
  child.once('exit', () => live.delete(child));
  return child;
}

process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});
