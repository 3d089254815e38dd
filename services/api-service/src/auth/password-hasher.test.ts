import { PasswordHasher } from './password-hasher';

describe('PasswordHasher', () => {
  const hasher = new PasswordHasher(10);

  it('verifies the password it hashed and refuses another', async () => {
    const stored = await hasher.hash('correct horse battery');
    await expect(hasher.verify('correct horse battery', stored)).resolves.toBe(true);
    await expect(hasher.verify('correct horse battery!', stored)).resolves.toBe(false);
  });

  it('salts each hash, so one password never hashes twice to the same string', async () => {
    const [a, b] = await Promise.all([hasher.hash('same password'), hasher.hash('same password')]);
    expect(a).not.toBe(b);
    expect(a).toMatch(/^scrypt\$10\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    expect(a).not.toContain('same password');
  });

  it('keeps verifying hashes made with an older cost after the cost is raised', async () => {
    const stored = await new PasswordHasher(11).hash('rotated cost');
    await expect(hasher.verify('rotated cost', stored)).resolves.toBe(true);
  });

  it('refuses when there is no stored hash (unknown account) and when it is malformed', async () => {
    await expect(hasher.verify('anything', undefined)).resolves.toBe(false);
    await expect(hasher.verify('anything', 'plaintext')).resolves.toBe(false);
  });
});
