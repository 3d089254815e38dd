import { TOKEN_ISSUER_DEFAULT } from '@communities/contracts';
import { SignJWT } from 'jose';
import { parseSigningKeys } from './signing-keys';
import { TokenError, TokenService, type TokenServiceOptions } from './token-service';

const MEMBER = 'aaaaaaaaaaaaaaaaaaaaaaaa';
const OTHER = 'bbbbbbbbbbbbbbbbbbbbbbbb';
const COMMUNITY = 'cccccccccccccccccccccccc';
const MEMBERSHIP = 'eeeeeeeeeeeeeeeeeeeeeeee';
const THREAD_CHANNEL = 'thread:dddddddddddddddddddddddd';
const NOW = Date.parse('2030-01-01T00:00:00Z');
const SECRET = 's'.repeat(40);

function service(keySpec = `k1:${SECRET}`, options: Partial<TokenServiceOptions> = {}) {
  return new TokenService({
    keys: parseSigningKeys(keySpec),
    issuer: TOKEN_ISSUER_DEFAULT,
    accessTtlSeconds: 900,
    grantTtlSeconds: 60,
    now: () => NOW,
    ...options,
  });
}

const grantFor = (memberId = MEMBER, channel = THREAD_CHANNEL as `thread:${string}`) => ({
  memberId,
  channel,
  communityId: COMMUNITY,
  basis: { membershipId: MEMBERSHIP },
});

async function refusal(promise: Promise<unknown>): Promise<TokenError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof TokenError))
    throw new Error(`expected a TokenError, got ${String(error)}`);
  return error;
}

const encode = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('TokenService', () => {
  it('verifies the access tokens it signs, with their claims and lifetime', async () => {
    const tokens = service();
    const issued = await tokens.signAccess(MEMBER, 7);
    expect(issued.expiresAt).toEqual(new Date(NOW + 900_000));
    expect(await tokens.verifyAccess(issued.token)).toEqual({
      sub: MEMBER,
      tv: 7,
      iat: NOW / 1000,
      exp: NOW / 1000 + 900,
    });
  });

  it('verifies the grants it signs for their member and channel', async () => {
    const tokens = service();
    const { token, expiresAt } = await tokens.signGrant(grantFor());
    expect(expiresAt).toEqual(new Date(NOW + 60_000));
    expect(await tokens.verifyGrant(token, MEMBER, THREAD_CHANNEL)).toMatchObject({
      sub: MEMBER,
      ch: THREAD_CHANNEL,
      cid: COMMUNITY,
      mb: true,
    });
  });

  it('refuses a token signed with another secret under the same kid', async () => {
    const forged = await service(`k1:${'x'.repeat(40)}`).signAccess(MEMBER, 0);
    expect(await refusal(service().verifyAccess(forged.token))).toMatchObject({
      reason: 'invalid',
    });
  });

  it('refuses a token whose payload was altered after signing', async () => {
    const { token } = await service().signAccess(MEMBER, 0);
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as object;
    const altered = `${header}.${encode({ ...claims, sub: OTHER })}.${signature}`;
    await expect(service().verifyAccess(token)).resolves.toBeDefined();
    expect(await refusal(service().verifyAccess(altered))).toMatchObject({ reason: 'invalid' });
  });

  it('refuses an expired token as expired, tolerating a few seconds of clock skew', async () => {
    const { token } = await service().signAccess(MEMBER, 0);
    const later = (seconds: number) => service(undefined, { now: () => NOW + seconds * 1000 });
    await expect(later(900 + 4).verifyAccess(token)).resolves.toBeDefined();
    expect(await refusal(later(900 + 6).verifyAccess(token))).toMatchObject({ reason: 'expired' });
    const grant = await service().signGrant(grantFor());
    expect(
      await refusal(later(61 + 5).verifyGrant(grant.token, MEMBER, THREAD_CHANNEL)),
    ).toMatchObject({ reason: 'expired' });
  });

  it('refuses an unsigned token (alg: none)', async () => {
    const iat = NOW / 1000;
    const claims = {
      sub: MEMBER,
      tv: 0,
      iat,
      exp: iat + 900,
      iss: TOKEN_ISSUER_DEFAULT,
      aud: 'communities',
    };
    const unsigned = `${encode({ alg: 'none', typ: 'at+jwt', kid: 'k1' })}.${encode(claims)}.`;
    expect(await refusal(service().verifyAccess(unsigned))).toMatchObject({ reason: 'invalid' });
  });

  it('refuses another HMAC algorithm with the right key (the algorithm is pinned)', async () => {
    const secret = new TextEncoder().encode(SECRET);
    const build = (alg: string) =>
      new SignJWT({ tv: 0 })
        .setProtectedHeader({ alg, typ: 'at+jwt', kid: 'k1' })
        .setSubject(MEMBER)
        .setIssuer(TOKEN_ISSUER_DEFAULT)
        .setAudience('communities')
        .setIssuedAt(NOW / 1000)
        .setExpirationTime(NOW / 1000 + 900)
        .sign(secret);
    await expect(service().verifyAccess(await build('HS256'))).resolves.toBeDefined();
    expect(await refusal(service().verifyAccess(await build('HS512')))).toMatchObject({
      reason: 'invalid',
    });
  });

  it('refuses a token signed with an unknown kid, even with a known secret', async () => {
    const { token } = await service(`k9:${SECRET}`).signAccess(MEMBER, 0);
    expect(await refusal(service().verifyAccess(token))).toMatchObject({ reason: 'invalid' });
  });

  it('keeps verifying tokens of the old key while the new key signs (rotation)', async () => {
    const before = service(`old:${'o'.repeat(40)}`);
    const during = service(`new:${'n'.repeat(40)},old:${'o'.repeat(40)}`);
    const after = service(`new:${'n'.repeat(40)}`);
    const oldToken = (await before.signAccess(MEMBER, 0)).token;
    const newToken = (await during.signAccess(MEMBER, 0)).token;
    expect(JSON.parse(Buffer.from(newToken.split('.')[0]!, 'base64url').toString())).toMatchObject({
      kid: 'new',
    });
    await expect(during.verifyAccess(oldToken)).resolves.toMatchObject({ sub: MEMBER });
    await expect(during.verifyAccess(newToken)).resolves.toMatchObject({ sub: MEMBER });
    await expect(after.verifyAccess(newToken)).resolves.toMatchObject({ sub: MEMBER });
    expect(await refusal(after.verifyAccess(oldToken))).toMatchObject({ reason: 'invalid' });
  });

  it('refuses an access token as a grant and a grant as an access token', async () => {
    const tokens = service();
    const access = (await tokens.signAccess(MEMBER, 0)).token;
    const grant = (await tokens.signGrant(grantFor())).token;
    await expect(tokens.verifyAccess(access)).resolves.toBeDefined();
    await expect(tokens.verifyGrant(grant, MEMBER, THREAD_CHANNEL)).resolves.toBeDefined();
    expect(await refusal(tokens.verifyGrant(access, MEMBER, THREAD_CHANNEL))).toMatchObject({
      reason: 'invalid',
    });
    expect(await refusal(tokens.verifyAccess(grant))).toMatchObject({ reason: 'invalid' });
  });

  it('refuses a grant presented by another member or for another channel', async () => {
    const tokens = service();
    const { token } = await tokens.signGrant(grantFor());
    await expect(tokens.verifyGrant(token, MEMBER, THREAD_CHANNEL)).resolves.toBeDefined();
    expect(await refusal(tokens.verifyGrant(token, OTHER, THREAD_CHANNEL))).toMatchObject({
      reason: 'invalid',
      message: 'the grant is for another member',
    });
    expect(
      await refusal(tokens.verifyGrant(token, MEMBER, 'thread:eeeeeeeeeeeeeeeeeeeeeeee')),
    ).toMatchObject({ reason: 'invalid', message: 'the grant is for another channel' });
  });

  it('refuses a token of another issuer', async () => {
    const foreign = await service(undefined, { issuer: 'someone-else' }).signAccess(MEMBER, 0);
    expect(await refusal(service().verifyAccess(foreign.token))).toMatchObject({
      reason: 'invalid',
    });
  });

  it('refuses garbage', async () => {
    for (const token of ['', 'a.b.c', 'not a jwt']) {
      expect(await refusal(service().verifyAccess(token))).toMatchObject({ reason: 'invalid' });
    }
  });
});
