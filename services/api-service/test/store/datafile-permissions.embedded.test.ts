import { chmod, mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { NedbDocumentDb } from '../../src/store/embedded/nedb-document-db';
import { createRepositories, ensureIndexes } from '../../src/store/repositories';
import { PASSWORD_HASH, at, newMember } from './contract/fixtures';

/**
 * The datafiles hold password and refresh-token hashes: on the real filesystem, only the
 * service's own user may read them, whether the store made them or an older install did.
 */
describe('the embedded store’s data directory and datafiles', () => {
  let parent: string;
  let dataDir: string;
  beforeEach(async () => {
    parent = await mkdtemp(path.join(tmpdir(), 'communities-perms-'));
    dataDir = path.join(parent, 'data');
  });
  afterEach(async () => {
    await rm(parent, { recursive: true, force: true });
  });

  const modeOf = async (file: string) => (await stat(file)).mode & 0o777;
  /** Every datafile's mode by name, `*.db` and NeDB's `*.db~` alike. */
  const fileModes = async () => {
    const modes: Record<string, string> = {};
    for (const name of (await readdir(dataDir)).sort()) {
      modes[name] = (await modeOf(path.join(dataDir, name))).toString(8);
    }
    return modes;
  };

  /** Opens the store, writes a member and a refresh token (hashes), closes (compacts). */
  async function writeCredentials() {
    const db = await NedbDocumentDb.open({ dataDir });
    const repos = createRepositories(db);
    await ensureIndexes(repos);
    const ada = await repos.members.create(newMember({ username: 'ada' }), PASSWORD_HASH, at(1));
    await repos.refreshTokens.insert({
      token_hash: 'f'.repeat(64),
      member_id: ada.id,
      family_id: 'family-1',
      created_at: at(1),
      expires_at: at(1000),
    });
    return db;
  }

  it('creates the data directory 0700 and every datafile 0600, also after appends and compaction', async () => {
    const db = await writeCredentials();

    expect((await modeOf(dataDir)).toString(8)).toBe('700');
    const whileOpen = await fileModes();
    expect(Object.keys(whileOpen)).toEqual(
      expect.arrayContaining(['members.db', 'refresh_tokens.db']),
    );
    expect(new Set(Object.values(whileOpen))).toEqual(new Set(['600']));

    await db.close();

    expect(new Set(Object.values(await fileModes()))).toEqual(new Set(['600']));
    expect((await modeOf(dataDir)).toString(8)).toBe('700');
  });

  it('tightens an existing world-readable data directory and its datafiles when it opens them', async () => {
    await (await writeCredentials()).close();
    // What an install from before this rule left behind.
    await chmod(dataDir, 0o755);
    for (const name of await readdir(dataDir)) await chmod(path.join(dataDir, name), 0o644);
    await writeFile(path.join(dataDir, 'members.db~'), '', { mode: 0o644 });

    const db = await NedbDocumentDb.open({ dataDir });

    expect((await modeOf(dataDir)).toString(8)).toBe('700');
    expect(new Set(Object.values(await fileModes()))).toEqual(new Set(['600']));
    const member = await createRepositories(db).members.getByUsername('ada');
    expect(member?.username).toBe('ada');
    await db.close();
  });

  it('leaves other files in the data directory and narrower modes as they are', async () => {
    await mkdir(dataDir, { mode: 0o700 });
    await writeFile(path.join(dataDir, 'README.txt'), 'notes', { mode: 0o644 });
    await writeFile(path.join(dataDir, 'members.db'), '', { mode: 0o400 });

    await (await NedbDocumentDb.open({ dataDir })).close();

    expect(await fileModes()).toEqual({ 'README.txt': '644', 'members.db': '400' });
  });
});
