import { TokenService, parseSigningKeys } from '@communities/auth';
import { type RevocationRegister } from '@communities/broker';
import { TOKEN_ISSUER_DEFAULT, revocationKeys } from '@communities/contracts';
import { Authenticator } from './authenticator';
import { RevocationCheck } from './revocation-check';
import { RevocationList } from './revocation-list';

const MEMBER = 'aaaaaaaaaaaaaaaaaaaaaaaa';
const NOW = Date.parse('2030-01-01T00:00:00Z');

function setup() {
  const tokens = (now = NOW) =>
    new TokenService({
      keys: parseSigningKeys(`k1:${'s'.repeat(32)}`),
      issuer: TOKEN_ISSUER_DEFAULT,
      accessTtlSeconds: 900,
      grantTtlSeconds: 60,
      now: () => now,
    });
  const revocations = new RevocationList(60_000, 100, () => NOW);
  /** The broker's register, as seen from this gateway: what other gateways heard of too. */
  const register = new Map<string, number>();
  let registerDown = false;
  const reader: RevocationRegister = {
    readRevocations: (keys) =>
      registerDown
        ? Promise.reject(new Error('connection lost'))
        : Promise.resolve(keys.map((key) => register.get(key))),
  };
  const authenticator = new Authenticator(tokens(), new RevocationCheck(reader, revocations));
  const failRegister = () => {
    registerDown = true;
  };
  return { tokens, revocations, register, failRegister, authenticator };
}

describe('Authenticator', () => {
  it("returns the claims of a valid token for the path's user", async () => {
    const { tokens, authenticator } = setup();
    const { token } = await tokens().signAccess(MEMBER, 3);
    await expect(authenticator.authenticate(token, MEMBER)).resolves.toMatchObject({
      sub: MEMBER,
      tv: 3,
    });
  });

  it('refuses an invalid or expired token as UNAUTHENTICATED, saying which', async () => {
    const { tokens, authenticator } = setup();
    const expired = (await tokens(NOW - 3600_000).signAccess(MEMBER, 0)).token;
    await expect(authenticator.authenticate(expired, MEMBER)).rejects.toMatchObject({
      code: 'UNAUTHENTICATED',
      message: 'token expired',
    });
    await expect(authenticator.authenticate('a.b.c', MEMBER)).rejects.toMatchObject({
      code: 'UNAUTHENTICATED',
      message: 'invalid token',
    });
  });

  it('refuses a token of an older token version than its member’s revocation', async () => {
    const { tokens, revocations, authenticator } = setup();
    const { token } = await tokens(NOW - 10_000).signAccess(MEMBER, 0);
    const { token: replacement } = await tokens().signAccess(MEMBER, 1);
    await expect(authenticator.authenticate(token, MEMBER)).resolves.toBeDefined();
    revocations.record([{ key: revocationKeys.member(MEMBER), value: 1 }]);
    await expect(authenticator.authenticate(replacement, MEMBER)).resolves.toBeDefined();
    await expect(authenticator.authenticate(token, MEMBER)).rejects.toMatchObject({
      code: 'UNAUTHENTICATED',
    });
  });

  it('refuses a token the register revoked though this gateway never heard of it (a restart)', async () => {
    const { tokens, register, authenticator } = setup();
    const { token } = await tokens().signAccess(MEMBER, 2);
    register.set(revocationKeys.member(MEMBER), 3);
    await expect(authenticator.authenticate(token, MEMBER)).rejects.toMatchObject({
      code: 'UNAUTHENTICATED',
      message: 'session revoked; log in again',
    });
  });

  it('fails closed, as SERVICE_UNAVAILABLE, while the register cannot be read', async () => {
    const { tokens, failRegister, authenticator } = setup();
    const { token } = await tokens().signAccess(MEMBER, 0);
    failRegister();
    await expect(authenticator.authenticate(token, MEMBER)).rejects.toMatchObject({
      code: 'SERVICE_UNAVAILABLE',
    });
  });

  it("refuses a valid token of another user than the path's as FORBIDDEN", async () => {
    const { tokens, authenticator } = setup();
    const { token } = await tokens().signAccess(MEMBER, 0);
    await expect(
      authenticator.authenticate(token, 'bbbbbbbbbbbbbbbbbbbbbbbb'),
    ).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });
});
