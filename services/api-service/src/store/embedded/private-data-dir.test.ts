import { chmod, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import * as fs from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { preparePrivateDataDir } from './private-data-dir';

jest.mock('node:fs/promises', () => {
  const actual = jest.requireActual<typeof fs>('node:fs/promises');
  return { ...actual, chmod: jest.fn(actual.chmod) };
});

describe('preparePrivateDataDir', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'communities-private-'));
    await chmod(dir, 0o755);
    jest.mocked(fs.chmod).mockClear();
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('warns and carries on when the directory is not its own to change', async () => {
    await writeFile(path.join(dir, 'members.db'), '', { mode: 0o644 });
    jest
      .mocked(fs.chmod)
      .mockRejectedValueOnce(Object.assign(new Error('EPERM'), { code: 'EPERM' }));
    const logger = { info: jest.fn(), warn: jest.fn() };

    await preparePrivateDataDir(dir, logger);

    expect(logger.warn).toHaveBeenCalledWith(
      expect.objectContaining({ path: dir, wanted: '700' }),
      'cannot tighten embedded store permissions: not the owner',
    );
    expect((await stat(path.join(dir, 'members.db'))).mode & 0o777).toBe(0o600);
    expect(logger.info).toHaveBeenCalledWith(
      expect.objectContaining({ path: path.join(dir, 'members.db'), from: '644', to: '600' }),
      'tightened embedded store permissions',
    );
  });

  it('fails on any other error, e.g. a read-only filesystem', async () => {
    jest
      .mocked(fs.chmod)
      .mockRejectedValueOnce(Object.assign(new Error('EROFS'), { code: 'EROFS' }));

    await expect(preparePrivateDataDir(dir)).rejects.toThrow('EROFS');
  });
});
