/**
 * How a password hash is stored. Current format, PHC-like, every parameter recorded:
 *
 *   $scrypt$ln=<log2 N>,r=<block size>,p=<parallelism>$<salt>$<hash>   (base64, unpadded)
 *
 * Older releases stored `scrypt$<log2 N>$<salt>$<hash>` with r=8, p=1 implied; it is still read.
 */
export interface ScryptParams {
  logN: number;
  r: number;
  p: number;
}

export interface ParsedHash {
  params: ScryptParams;
  salt: Buffer;
  hash: Buffer;
  /** The old format, which does not record r and p. */
  legacy: boolean;
}

/**
 * What a stored hash may ask for: at most 1 GiB of scrypt memory (128·N·r bytes) and p ≤ 16, so
 * a corrupted or planted value cannot make one login exhaust the process.
 */
const MAX_LOG_N = 20;
const MAX_R = 32;
const MAX_P = 16;
const MAX_MEMORY_BYTES = 1024 * 1024 * 1024;

const PHC_PARAMS = /^ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})$/;
const B64 = /^[A-Za-z0-9+/]+={0,2}$/;

const unpadded = (bytes: Buffer) => bytes.toString('base64').replace(/=+$/, '');

export function formatHash({ logN, r, p }: ScryptParams, salt: Buffer, hash: Buffer): string {
  return `$scrypt$ln=${logN},r=${r},p=${p}$${unpadded(salt)}$${unpadded(hash)}`;
}

function withinLimits({ logN, r, p }: ScryptParams): boolean {
  return (
    logN >= 1 &&
    logN <= MAX_LOG_N &&
    r >= 1 &&
    r <= MAX_R &&
    p >= 1 &&
    p <= MAX_P &&
    128 * 2 ** logN * r <= MAX_MEMORY_BYTES
  );
}

function bytes(text: string | undefined): Buffer | undefined {
  if (!text || !B64.test(text)) return undefined;
  const decoded = Buffer.from(text, 'base64');
  return decoded.length >= 8 ? decoded : undefined;
}

/** The parts of a stored hash; undefined for anything malformed or beyond the limits above. */
export function parseHash(stored: string): ParsedHash | undefined {
  const parts = stored.split('$');
  let params: ScryptParams;
  let encoded: [string | undefined, string | undefined];
  let legacy: boolean;
  if (parts.length === 5 && parts[0] === '' && parts[1] === 'scrypt') {
    const match = PHC_PARAMS.exec(parts[2] ?? '');
    if (!match) return undefined;
    params = { logN: Number(match[1]), r: Number(match[2]), p: Number(match[3]) };
    encoded = [parts[3], parts[4]];
    legacy = false;
  } else if (parts.length === 4 && parts[0] === 'scrypt' && /^\d{1,2}$/.test(parts[1] ?? '')) {
    params = { logN: Number(parts[1]), r: 8, p: 1 };
    encoded = [parts[2], parts[3]];
    legacy = true;
  } else {
    return undefined;
  }
  const salt = bytes(encoded[0]);
  const hash = bytes(encoded[1]);
  if (!salt || !hash || !withinLimits(params)) return undefined;
  return { params, salt, hash, legacy };
}
