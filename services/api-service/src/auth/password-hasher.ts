import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

const KEY_BYTES = 32;
const SALT_BYTES = 16;
const R = 8;
const P = 1;

function derive(password: string, salt: Buffer, logN: number): Promise<Buffer> {
  const N = 2 ** logN;
  // scrypt needs 128 * N * r bytes; give it that plus headroom (Node's default cap is 32 MiB).
  const options: ScryptOptions = { N, r: R, p: P, maxmem: 128 * N * R + 1024 * 1024 };
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFKC'), salt, KEY_BYTES, options, (error, key) =>
      error ? reject(error) : resolve(key),
    );
  });
}

/**
 * Passwords are stored as `scrypt$<logN>$<salt b64>$<hash b64>` (r=8, p=1). The cost is in the
 * stored string, so raising AUTH_PASSWORD_HASH_COST later keeps old hashes verifiable.
 */
export class PasswordHasher {
  /** A real hash of a random password: verified against when the login names nobody. */
  private dummy: Promise<string> | undefined;

  constructor(private readonly logN: number) {}

  async hash(password: string): Promise<string> {
    const salt = randomBytes(SALT_BYTES);
    const key = await derive(password, salt, this.logN);
    return `scrypt$${this.logN}$${salt.toString('base64')}$${key.toString('base64')}`;
  }

  /**
   * Compares in constant time. With `stored` undefined (no such account) a dummy hash is still
   * computed, so a login for an unknown name takes as long as one with a wrong password.
   */
  async verify(password: string, stored: string | undefined): Promise<boolean> {
    this.dummy ??= this.hash(randomBytes(16).toString('hex'));
    const parts = (stored ?? (await this.dummy)).split('$');
    const [scheme, logN, salt, hash] = parts;
    if (parts.length !== 4 || scheme !== 'scrypt' || !logN || !salt || !hash) return false;
    const expected = Buffer.from(hash, 'base64');
    const actual = await derive(password, Buffer.from(salt, 'base64'), Number(logN));
    return stored !== undefined && expected.length === actual.length
      ? timingSafeEqual(expected, actual)
      : false;
  }
}
