import { randomBytes } from 'node:crypto';
import { DuplicateKeyError } from '../../../src/store/document-db';
import type { Repositories } from '../../../src/store/repositories';
import { at, concurrently, countOf, hexId, useStore, type OpenStore } from './fixtures';

/** Stores a token of `member` in `family`; returns its hash (what the service looks it up by). */
async function insertToken(
  repos: Repositories,
  member: string,
  family: string,
  expires = at(3600),
): Promise<string> {
  const tokenHash = randomBytes(32).toString('hex');
  await repos.refreshTokens.insert({
    token_hash: tokenHash,
    member_id: member,
    family_id: family,
    created_at: at(0),
    expires_at: expires,
  });
  return tokenHash;
}

export function refreshTokensContract(open: OpenStore): void {
  const store = useStore(open);

  it('finds a stored token by its hash, unused', async () => {
    const { repos } = store();
    const [member, family] = [hexId(), hexId()];
    const tokenHash = await insertToken(repos, member, family, at(600));
    expect(await repos.refreshTokens.findByHash(tokenHash)).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{24}$/),
      member_id: member,
      family_id: family,
      expires_at: at(600),
      used_at: null,
    });
    expect(await repos.refreshTokens.findByHash(randomBytes(32).toString('hex'))).toBeNull();
  });

  it('refuses a second token with the same hash', async () => {
    const { repos } = store();
    const tokenHash = await insertToken(repos, hexId(), hexId());
    await expect(
      repos.refreshTokens.insert({
        token_hash: tokenHash,
        member_id: hexId(),
        family_id: hexId(),
        created_at: at(0),
        expires_at: at(60),
      }),
    ).rejects.toBeInstanceOf(DuplicateKeyError);
  });

  it('marks a token used once: the second markUsed reports false and keeps the first time', async () => {
    const { repos } = store();
    const tokenHash = await insertToken(repos, hexId(), hexId());
    const { id } = (await repos.refreshTokens.findByHash(tokenHash))!;
    expect(await repos.refreshTokens.markUsed(id, at(10))).toBe(true);
    expect(await repos.refreshTokens.markUsed(id, at(20))).toBe(false);
    expect((await repos.refreshTokens.findByHash(tokenHash))?.used_at).toEqual(at(10));
    expect(await repos.refreshTokens.markUsed(hexId())).toBe(false);
  });

  // What single use rests on: a conditional update lets several uses win on FerretDB 1.x.
  it('lets exactly one of many concurrent markUsed calls win, and keeps its time', async () => {
    const { repos } = store();
    const tokenHash = await insertToken(repos, hexId(), hexId());
    const { id } = (await repos.refreshTokens.findByHash(tokenHash))!;
    const results = await concurrently(20, (i) => repos.refreshTokens.markUsed(id, at(i)));
    expect(countOf(results, true)).toBe(1);
    expect((await repos.refreshTokens.findByHash(tokenHash))?.used_at).toEqual(
      at(results.indexOf(true)),
    );
    expect(await repos.refreshTokens.markUsed(id, at(99))).toBe(false);
  });

  // The losers of a race revoke the family (a replay), while other uses are still under way.
  it('lets no second use win while revocations of its family race the uses', async () => {
    const { repos } = store();
    const family = hexId();
    for (let round = 0; round < 5; round++) {
      const tokenHash = await insertToken(repos, hexId(), family);
      const { id } = (await repos.refreshTokens.findByHash(tokenHash))!;
      const results = await concurrently(20, (i) =>
        i % 5 === 4
          ? repos.refreshTokens.revokeFamily(family).then(() => false)
          : repos.refreshTokens.markUsed(id, at(i)),
      );
      expect(countOf(results, true)).toBeLessThanOrEqual(1);
    }
  });

  it('revokes every token of one family and no other', async () => {
    const { repos } = store();
    const member = hexId();
    const [family, otherFamily] = [hexId(), hexId()];
    const revoked = [
      await insertToken(repos, member, family),
      await insertToken(repos, member, family),
    ];
    const { id: usedId } = (await repos.refreshTokens.findByHash(revoked[0]!))!;
    await repos.refreshTokens.markUsed(usedId);
    const kept = await insertToken(repos, member, otherFamily);

    expect(await repos.refreshTokens.revokeFamily(family)).toBe(2);
    for (const tokenHash of revoked) {
      expect(await repos.refreshTokens.findByHash(tokenHash)).toBeNull();
    }
    expect(await repos.refreshTokens.findByHash(kept)).toMatchObject({ family_id: otherFamily });
    expect(await repos.refreshTokens.revokeFamily(family)).toBe(0);
  });

  it("revokes every token of one member, across families, and nobody else's", async () => {
    const { repos } = store();
    const [member, other] = [hexId(), hexId()];
    const revoked = [
      await insertToken(repos, member, hexId()),
      await insertToken(repos, member, hexId()),
    ];
    const kept = await insertToken(repos, other, hexId());

    expect(await repos.refreshTokens.revokeAllOf(member)).toBe(2);
    for (const tokenHash of revoked) {
      expect(await repos.refreshTokens.findByHash(tokenHash)).toBeNull();
    }
    expect(await repos.refreshTokens.findByHash(kept)).toMatchObject({ member_id: other });
    expect(await repos.refreshTokens.revokeAllOf(member)).toBe(0);
  });
}
