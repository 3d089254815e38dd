import { MIN_SECRET_CHARS, ephemeralSigningKeys, parseSigningKeys } from './signing-keys';

const SECRET_A = 'a'.repeat(MIN_SECRET_CHARS);
const SECRET_B = 'b'.repeat(MIN_SECRET_CHARS + 8);

describe('parseSigningKeys', () => {
  it('makes the first key the signing key and every key a verifying one', () => {
    const keys = parseSigningKeys(` new:${SECRET_A} , old:${SECRET_B} `);
    expect(keys.active.kid).toBe('new');
    expect([...keys.byKid.keys()]).toEqual(['new', 'old']);
    expect(Buffer.from(keys.byKid.get('old')!.secret).toString()).toBe(SECRET_B);
  });

  it('keeps colons inside the secret', () => {
    const secret = `${'c'.repeat(MIN_SECRET_CHARS)}:with:colons`;
    expect(Buffer.from(parseSigningKeys(`k1:${secret}`).active.secret).toString()).toBe(secret);
  });

  it.each([
    ['nothing', '', /at least one key/],
    ['only commas', ' , ', /at least one key/],
    ['no colon', 'just-a-secret', /key 1 must look like "kid:secret"/],
    ['an empty kid', `:${SECRET_A}`, /key 1 must look like "kid:secret"/],
    ['a kid with spaces', `my key:${SECRET_A}`, /key 1: kid must be/],
    ['a kid too long', `${'k'.repeat(65)}:${SECRET_A}`, /key 1: kid must be/],
    [
      'a short secret',
      `k1:${'s'.repeat(MIN_SECRET_CHARS - 1)}`,
      /"k1": secret must be at least 32/,
    ],
    ['a kid twice', `k1:${SECRET_A},k1:${SECRET_B}`, /"k1" appears twice/],
  ])('refuses %s, naming the problem', (_name, spec, message) => {
    expect(() => parseSigningKeys(spec)).toThrow(message);
  });

  it('never puts a secret in its error messages', () => {
    const shortSecret = 'tooshort-but-secret';
    let message = '';
    try {
      parseSigningKeys(`k1:${SECRET_A},k2:${shortSecret}`);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/"k2"/);
    expect(message).not.toContain(shortSecret);
    expect(message).not.toContain(SECRET_A);
  });
});

describe('ephemeralSigningKeys', () => {
  it('makes a fresh 256-bit key each time, named after its own hash', () => {
    const [first, second] = [ephemeralSigningKeys(), ephemeralSigningKeys()];
    expect(first.active.secret).toHaveLength(32);
    expect(first.active.kid).toMatch(/^ephemeral-[0-9a-f]{8}$/);
    expect(first.active.kid).not.toBe(second.active.kid);
    expect(Buffer.from(first.active.secret).equals(Buffer.from(second.active.secret))).toBe(false);
    expect(first.byKid.get(first.active.kid)).toBe(first.active);
  });
});
