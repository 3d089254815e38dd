import { createHash, randomBytes } from 'node:crypto';

/** One HMAC key, named by its `kid` (the JWT header that says which key signed a token). */
export interface SigningKey {
  kid: string;
  secret: Uint8Array;
}

/**
 * The key ring: the first key signs; every key verifies. Rotation: add the new key first, keep
 * the old one after it until the longest-lived token it signed has expired (the access-token and
 * grant lifetimes), then drop it.
 */
export interface SigningKeys {
  active: SigningKey;
  byKid: ReadonlyMap<string, SigningKey>;
}

export const MIN_SECRET_CHARS = 32;

/**
 * Parses `kid:secret[,kid:secret...]`. Secrets are used as given (UTF-8) and must be at least
 * 32 characters (256 bits of a random base64 string); kids are `[A-Za-z0-9._-]{1,64}`.
 * Throws with a message naming the problem, never the secret.
 */
export function parseSigningKeys(spec: string): SigningKeys {
  const entries = spec
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part.length > 0);
  if (entries.length === 0) throw new Error('at least one key is required ("kid:secret")');
  const keys: SigningKey[] = entries.map((entry, index) => {
    const colon = entry.indexOf(':');
    if (colon <= 0) throw new Error(`key ${index + 1} must look like "kid:secret"`);
    const kid = entry.slice(0, colon);
    const secret = entry.slice(colon + 1);
    if (!/^[A-Za-z0-9._-]{1,64}$/.test(kid)) {
      throw new Error(`key ${index + 1}: kid must be 1-64 of [A-Za-z0-9._-]`);
    }
    if (secret.length < MIN_SECRET_CHARS) {
      throw new Error(`key "${kid}": secret must be at least ${MIN_SECRET_CHARS} characters`);
    }
    return { kid, secret: new TextEncoder().encode(secret) };
  });
  const byKid = new Map<string, SigningKey>();
  for (const key of keys) {
    if (byKid.has(key.kid)) throw new Error(`key "${key.kid}" appears twice`);
    byKid.set(key.kid, key);
  }
  return { active: keys[0]!, byKid };
}

/**
 * A key for one process's lifetime, for the embedded default when no key is configured: tokens
 * die with the process, which is acceptable on a laptop and refused in production by config.
 */
export function ephemeralSigningKeys(): SigningKeys {
  const secret = randomBytes(32);
  const kid = `ephemeral-${createHash('sha256').update(secret).digest('hex').slice(0, 8)}`;
  const key = { kid, secret: new Uint8Array(secret) };
  return { active: key, byKid: new Map([[kid, key]]) };
}
