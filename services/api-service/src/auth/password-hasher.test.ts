import * as crypto from 'node:crypto';
import { PasswordHasher } from './password-hasher';

jest.mock('node:crypto', () => {
  const actual = jest.requireActual<typeof crypto>('node:crypto');
  return { ...actual, scrypt: jest.fn(actual.scrypt) };
});
const actualScrypt = jest.requireActual<typeof crypto>('node:crypto').scrypt;

const b64 = (bytes: Buffer) => bytes.toString('base64');

/** A hash made by crypto.scrypt itself, so these tests do not trust the code under test. */
function scryptOf(password: string, salt: Buffer, N: number, r: number, p: number): Buffer {
  return crypto.scryptSync(password.normalize('NFKC'), salt, 32, {
    N,
    r,
    p,
    maxmem: 256 * N * r + 1024 * 1024,
  });
}

/** The format before every parameter was recorded: `scrypt$<logN>$<salt>$<hash>`, r=8, p=1. */
function legacyHash(password: string, logN: number): string {
  const salt = crypto.randomBytes(16);
  return `scrypt$${logN}$${b64(salt)}$${b64(scryptOf(password, salt, 2 ** logN, 8, 1))}`;
}

function phcHash(password: string, logN: number, r: number, p: number): string {
  const salt = crypto.randomBytes(16);
  const hash = scryptOf(password, salt, 2 ** logN, r, p);
  const unpadded = (bytes: Buffer) => b64(bytes).replace(/=+$/, '');
  return `$scrypt$ln=${logN},r=${r},p=${p}$${unpadded(salt)}$${unpadded(hash)}`;
}

describe('PasswordHasher', () => {
  const hasher = new PasswordHasher(10);

  it('verifies the password it hashed and refuses another', async () => {
    const stored = await hasher.hash('correct horse battery');
    await expect(hasher.verify('correct horse battery', stored)).resolves.toBe(true);
    await expect(hasher.verify('correct horse battery!', stored)).resolves.toBe(false);
  });

  it('records every parameter in the hash: $scrypt$ln=<log2 N>,r=<r>,p=<p>$<salt>$<hash>', async () => {
    const stored = await hasher.hash('same password');
    expect(stored).toMatch(/^\$scrypt\$ln=10,r=8,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    expect(stored).not.toContain('same password');
  });

  it('salts each hash, so one password never hashes twice to the same string', async () => {
    const [a, b] = await Promise.all([hasher.hash('same password'), hasher.hash('same password')]);
    expect(a).not.toBe(b);
  });

  it('verifies with the parameters the hash records, whatever the configured ones', async () => {
    await expect(
      hasher.verify('rotated cost', await new PasswordHasher(11).hash('rotated cost')),
    ).resolves.toBe(true);
    await expect(hasher.verify('other r and p', phcHash('other r and p', 10, 4, 2))).resolves.toBe(
      true,
    );
    await expect(hasher.verify('other r and p!', phcHash('other r and p', 10, 4, 2))).resolves.toBe(
      false,
    );
  });

  it('keeps verifying the old scrypt$logN$salt$hash format (r=8, p=1)', async () => {
    const stored = legacyHash('from an older release', 10);
    await expect(hasher.verify('from an older release', stored)).resolves.toBe(true);
    await expect(hasher.verify('from an older release!', stored)).resolves.toBe(false);
  });

  it('refuses when there is no stored hash (unknown account) and when it is malformed', async () => {
    await expect(hasher.verify('anything', undefined)).resolves.toBe(false);
    for (const stored of [
      'plaintext',
      '$scrypt$ln=10,r=8$c2FsdA$aGFzaA',
      '$scrypt$ln=x,r=8,p=1$c2FsdA$aGFzaA',
      '$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA',
      'scrypt$$c2FsdA==$aGFzaA==',
    ]) {
      await expect(hasher.verify('anything', stored)).resolves.toBe(false);
    }
  });

  it('refuses, without computing it, a stored hash whose parameters would exhaust memory', async () => {
    jest.mocked(crypto.scrypt).mockClear();
    await hasher.verify('warm the dummy hash', undefined);
    jest.mocked(crypto.scrypt).mockClear();

    for (const stored of [
      `$scrypt$ln=31,r=8,p=1$${b64(Buffer.alloc(16))}$${b64(Buffer.alloc(32))}`,
      `$scrypt$ln=20,r=64,p=1$${b64(Buffer.alloc(16))}$${b64(Buffer.alloc(32))}`,
      `$scrypt$ln=10,r=8,p=1000$${b64(Buffer.alloc(16))}$${b64(Buffer.alloc(32))}`,
      `scrypt$40$${b64(Buffer.alloc(16))}$${b64(Buffer.alloc(32))}`,
    ]) {
      await expect(hasher.verify('anything', stored)).resolves.toBe(false);
    }
    expect(crypto.scrypt).not.toHaveBeenCalled();
  });

  it('hashes at the production default N=2^17, r=8, p=1 (above Node’s default scrypt memory cap)', async () => {
    // One derivation (~0.3 s of CPU): it is the memory cap, not the comparison, under test.
    const stored = await new PasswordHasher(17).hash('owasp minimum');

    const [, , params, salt, hash] = stored.split('$');
    expect(params).toBe('ln=17,r=8,p=1');
    expect(Buffer.from(salt!, 'base64')).toHaveLength(16);
    expect(Buffer.from(hash!, 'base64')).toHaveLength(32);
  });

  it('runs at most two derivations at once, so concurrent logins cannot add up memory without bound', async () => {
    let running = 0;
    let most = 0;
    jest.mocked(crypto.scrypt).mockImplementation((...args: unknown[]) => {
      const done = args.pop() as (error: Error | null, key: Buffer) => void;
      running += 1;
      most = Math.max(most, running);
      (actualScrypt as (...a: unknown[]) => void)(...args, (error: Error | null, key: Buffer) => {
        running -= 1;
        done(error, key);
      });
    });

    const stored = await Promise.all(Array.from({ length: 6 }, (_, i) => hasher.hash(`p${i}`)));
    await Promise.all(stored.map((s, i) => hasher.verify(`p${i}`, s)));

    expect(most).toBe(2);
    jest.mocked(crypto.scrypt).mockImplementation(actualScrypt);
  });
});

describe('PasswordHasher.needsRehash', () => {
  const hasher = new PasswordHasher(12);

  it('is false for a hash made with the configured parameters, or stronger ones', async () => {
    expect(hasher.needsRehash(await hasher.hash('current'))).toBe(false);
    expect(hasher.needsRehash(phcHash('stronger', 13, 8, 1))).toBe(false);
    expect(hasher.needsRehash(phcHash('more parallel', 12, 8, 2))).toBe(false);
  });

  it('is true for a lower cost, a lower r or p, and for the old format, which does not record r and p', async () => {
    expect(hasher.needsRehash(await new PasswordHasher(11).hash('cheaper'))).toBe(true);
    expect(hasher.needsRehash(phcHash('smaller blocks', 12, 4, 1))).toBe(true);
    expect(hasher.needsRehash(phcHash('bigger N, smaller r', 13, 4, 1))).toBe(true);
    expect(hasher.needsRehash(legacyHash('old format', 12))).toBe(true);
    expect(hasher.needsRehash(legacyHash('old format, stronger', 13))).toBe(true);
  });
});
