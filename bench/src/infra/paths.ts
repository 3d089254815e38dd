import { dirname, join, resolve } from 'node:path';

/** The repository root (bench/ lives directly under it). */
export const REPO_ROOT = resolve(__dirname, '..', '..', '..');
export const BENCH_ROOT = join(REPO_ROOT, 'bench');
export const RESULTS_DIR = join(BENCH_ROOT, 'results');
export const BASELINES_DIR = join(BENCH_ROOT, 'baselines');

/**
 * The entry file (`src/main.ts`) of one of our services, found through its package name: with the
 * `@communities/source` condition the package resolves to `src/index.ts`, and `main.ts` sits
 * beside it. The benchmark runs the same entry point production runs, unmodified.
 */
export function serviceMain(packageName: string): string {
  return join(dirname(require.resolve(packageName)), 'main.ts');
}
