import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { formatHash, parseHash, type ScryptParams } from './password-hash-format';

const KEY_BYTES = 32;
const SALT_BYTES = 16;
/** OWASP's minimum for scrypt is N=2^17, r=8, p=1; only N (as log2) is configurable. */
const R = 8;
const P = 1;
/**
 * Derivations running at once. Each holds 128·N·r bytes (128 MiB at N=2^17) outside the JS
 * heap for its ~0.3 s; a burst of logins waits here rather than adding up memory without bound.
 */
const CONCURRENT_DERIVATIONS = 2;

/** A counting semaphore: `run` waits while `limit` tasks are running. */
class Gate {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly limit: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.running < this.limit) this.running += 1;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      return await task();
    } finally {
      // Hand the slot straight to the next waiter, or give it back.
      const next = this.waiting.shift();
      if (next) next();
      else this.running -= 1;
    }
  }
}

function derive(password: string, salt: Buffer, params: ScryptParams, length: number) {
  const N = 2 ** params.logN;
  // scrypt needs 128·r·(N + p + 2) bytes; Node refuses more than `maxmem` (32 MiB by default,
  // a quarter of what N=2^17 needs), so allow that plus headroom.
  const options: ScryptOptions = {
    N,
    r: params.r,
    p: params.p,
    maxmem: 128 * params.r * (N + params.p + 2) + 1024 * 1024,
  };
  return new Promise<Buffer>((resolve, reject) => {
    scrypt(password.normalize('NFKC'), salt, length, options, (error, key) =>
      error ? reject(error) : resolve(key),
    );
  });
}

/**
 * scrypt password hashes in a self-describing format (see password-hash-format.ts): each hash
 * is verified with the parameters it records, so raising AUTH_PASSWORD_HASH_COST keeps old
 * hashes working, and `needsRehash` says when a login should store a fresh one.
 */
export class PasswordHasher {
  private readonly params: ScryptParams;
  private readonly gate = new Gate(CONCURRENT_DERIVATIONS);
  /** A real hash of a random password: verified against when the login names nobody. */
  private dummy: Promise<string> | undefined;

  constructor(logN: number) {
    this.params = { logN, r: R, p: P };
  }

  async hash(password: string): Promise<string> {
    const salt = randomBytes(SALT_BYTES);
    const key = await this.gate.run(() => derive(password, salt, this.params, KEY_BYTES));
    return formatHash(this.params, salt, key);
  }

  /**
   * Compares in constant time. With `stored` undefined (no such account) a dummy hash is still
   * computed, so a login for an unknown name takes as long as one with a wrong password. A
   * malformed hash, or one asking for more than the format's limits, is refused uncomputed.
   */
  async verify(password: string, stored: string | undefined): Promise<boolean> {
    this.dummy ??= this.hash(randomBytes(16).toString('hex'));
    const parsed = parseHash(stored ?? (await this.dummy));
    if (!parsed) return false;
    const { params, salt, hash } = parsed;
    const actual = await this.gate.run(() => derive(password, salt, params, hash.length));
    return stored !== undefined && timingSafeEqual(hash, actual);
  }

  /**
   * Whether a hash that just verified should be replaced: it is in the old format (r and p
   * unrecorded), or any parameter is below the configured one. A stronger hash is kept: lowering
   * the setting never weakens stored hashes.
   */
  needsRehash(stored: string): boolean {
    const parsed = parseHash(stored);
    if (!parsed || parsed.legacy || parsed.hash.length < KEY_BYTES) return true;
    const { logN, r, p } = parsed.params;
    return logN < this.params.logN || r < this.params.r || p < this.params.p;
  }
}
