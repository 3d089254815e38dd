/**
 * Builds the web app (services/web → services/web/dist, which the standalone serves at `/`) when
 * dist/ is missing or older than any of its inputs: `npm start` runs it first, so a fresh clone's
 * `npm install && npm start` serves the app, and so does a checkout with changed sources. A no-op
 * (a few stat calls) when the build is current. `--force` builds regardless.
 *
 *   tsx scripts/web-build.ts [--force]
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.join(__dirname, '..');
const WEB = path.join(ROOT, 'services', 'web');
const BUILT = path.join(WEB, 'dist', 'index.html');
/** What the bundle is made of: the app, and the client it bundles from source. */
const INPUTS = [
  path.join(WEB, 'src'),
  path.join(WEB, 'public'),
  path.join(WEB, 'index.html'),
  path.join(WEB, 'vite.config.mts'),
  path.join(WEB, 'package.json'),
  path.join(ROOT, 'packages', 'client', 'src'),
];

function newestChange(target: string): number {
  if (!existsSync(target)) return 0;
  const stat = statSync(target);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs; // a deleted file changes its directory
  for (const entry of readdirSync(target)) {
    newest = Math.max(newest, newestChange(path.join(target, entry)));
  }
  return newest;
}

/** True when dist/ is there and no input changed since it was built. */
export function webBuildIsCurrent(): boolean {
  if (!existsSync(BUILT)) return false;
  const built = statSync(BUILT).mtimeMs;
  return INPUTS.every((input) => newestChange(input) <= built);
}

/** Builds unless current; throws if the build fails. */
export function ensureWebBuild({ force = false } = {}): void {
  if (!force && webBuildIsCurrent()) return;
  process.stderr.write(
    '[web] building services/web (dist/ is missing or older than its sources)\n',
  );
  const result = spawnSync('npx', ['--no-install', 'vite', 'build', '--logLevel', 'warn'], {
    cwd: WEB,
    stdio: 'inherit',
  });
  if (result.status !== 0) throw new Error(`vite build failed (exit ${result.status})`);
}

if (require.main === module) {
  try {
    ensureWebBuild({ force: process.argv.includes('--force') });
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
}
