import { chmod, mkdir, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';

/**
 * The datafiles hold password and refresh-token hashes: the data directory is the service
 * user's alone (0700) and so is every datafile (0600). NeDB is given these modes for what it
 * creates; what an older install created with NeDB's defaults (0755, 0644) is tightened here.
 */
export const DATA_DIR_MODE = 0o700;
export const DATAFILE_MODE = 0o600;

/** NeDB's datafiles: `<collection>.db`, and `<collection>.db~` while a compaction writes. */
const DATAFILE = /\.db~?$/;

type Log = Pick<Logger, 'info' | 'warn'>;

/** Takes away every permission bit beyond `mode`; a narrower mode is left as it is. */
async function tighten(file: string, mode: number, logger: Log | undefined): Promise<void> {
  const current = (await stat(file)).mode & 0o777;
  if ((current & ~mode) === 0) return;
  const next = current & mode;
  try {
    await chmod(file, next);
    logger?.info(
      { path: file, from: current.toString(8), to: next.toString(8) },
      'tightened embedded store permissions',
    );
  } catch (error) {
    // Not ours to change (a volume mounted with another owner): the store still works, and
    // the operator is told what to fix.
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') throw error;
    logger?.warn(
      { path: file, mode: current.toString(8), wanted: next.toString(8) },
      'cannot tighten embedded store permissions: not the owner',
    );
  }
}

/** Creates `dir` (0700) or tightens it and the datafiles already in it. */
export async function preparePrivateDataDir(dir: string, logger?: Log): Promise<void> {
  await mkdir(dir, { recursive: true, mode: DATA_DIR_MODE });
  await tighten(dir, DATA_DIR_MODE, logger);
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.isFile() && DATAFILE.test(entry.name)) {
      await tighten(path.join(dir, entry.name), DATAFILE_MODE, logger);
    }
  }
}
