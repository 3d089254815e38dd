import { randomBytes, scryptSync } from 'node:crypto';
import { Member, TokenPair } from '@communities/contracts';
import request from 'supertest';
import { PasswordHasher } from '../../src/auth/password-hasher';
import { openApi, storeKinds, type ApiHarness } from '../support/api-harness';
import {
  bearer,
  expectTokenRefused,
  loginPair,
  refresh,
  refreshed,
  storedMember,
  whoAmI,
} from '../support/auth-fixtures';
import {
  TEST_PASSWORD,
  authHeader,
  createCommunity,
  createMember,
  createThread,
  expectError,
  expectStatus,
  login,
  seedThread,
  takeEvents,
} from '../support/fixtures';

/** Sign-up, login, refresh rotation, logout, password change and deactivation. */
describe.each(storeKinds())('authentication (%s store)', (kind) => {
  let h: ApiHarness;

  // One store for the file: each test makes members and communities of its own.
  beforeAll(async () => {
    h = await openApi(kind);
  });
  afterAll(async () => {
    await h.close();
  });

  const NEW_PASSWORD = 'a completely different one';

  const changePassword = (memberId: string, token: string, current: string, next: string) =>
    request(h.app)
      .put(`/api/members/${memberId}/password`)
      .set(bearer(token))
      .send({ current_password: current, new_password: next });

  describe('POST /api/members (sign-up)', () => {
    it('never returns the password and stores only a scrypt hash of it', async () => {
      const password = 'my secret passphrase';

      const res = await request(h.app)
        .post('/api/members')
        .send({ username: 'Ada', email: 'Ada@Example.com', password });

      expectStatus(res, 201);
      const member = Member.parse(res.body);
      expect(member).toMatchObject({ username: 'Ada', email: 'ada@example.com' });
      expect(res.text).not.toContain(password);
      expect(res.text).not.toMatch(/password|scrypt/i);
      const stored = await storedMember(h, member.id);
      expect(stored.password_hash).toMatch(/^\$scrypt\$ln=10,r=8,p=1\$/);
      expect(JSON.stringify(stored)).not.toContain(password);
      // The hash is of this password: it logs in, another does not.
      expectStatus(await loginPair(h.app, 'Ada', password), 200);
      expectError(await loginPair(h.app, 'Ada', `${password}!`), 401, 'INVALID_CREDENTIALS');
    });

    it('salts: the same password signed up twice is stored as two different hashes', async () => {
      const a = await createMember(h.app);
      const b = await createMember(h.app);

      const [hashA, hashB] = [
        (await storedMember(h, a.id)).password_hash,
        (await storedMember(h, b.id)).password_hash,
      ];

      expect(hashA).toMatch(/^\$scrypt\$/);
      expect(hashB).toMatch(/^\$scrypt\$/);
      expect(hashA).not.toBe(hashB);
    });

    it('is never answered with the password hash on any read of the member', async () => {
      const member = await createMember(h.app);
      const paths = [
        `/api/members/${member.id}`,
        `/api/members/username/${member.username}`,
        '/api/members',
      ];

      for (const path of paths) {
        const res = await request(h.app).get(path).set(authHeader(member));
        expectStatus(res, 200);
        expect(res.text).toContain(member.id);
        expect(res.text).not.toMatch(/password|scrypt|token_version/i);
      }
    });
  });

  describe('POST /api/auth/login', () => {
    it('logs in by username or email, in any case, with a working access token', async () => {
      const member = await createMember(h.app, { username: 'GraceH', email: 'grace@example.com' });

      for (const name of ['GraceH', 'graceh', 'GRACEH', 'grace@example.com', 'Grace@EXAMPLE.com']) {
        const res = await loginPair(h.app, name, TEST_PASSWORD);
        expectStatus(res, 200);
        const pair = TokenPair.parse(res.body);
        expect(pair).toMatchObject({ token_type: 'Bearer', member_id: member.id });
        expect(pair.expires_in).toBeGreaterThan(0);
        expect(pair.refresh_expires_in).toBeGreaterThan(0);
        const me = await whoAmI(h.app, member.id, pair.access_token);
        expectStatus(me, 200);
        // The email is shown to the member themself only: the token was taken as theirs.
        expect(me.body).toMatchObject({ id: member.id, email: 'grace@example.com' });
      }
    });

    it('answers one identical 401 for an unknown login, a wrong password and a deactivated member', async () => {
      const member = await createMember(h.app);
      const quitter = await createMember(h.app);
      expectStatus(await loginPair(h.app, quitter.username, TEST_PASSWORD), 200);
      expectStatus(
        await request(h.app).delete(`/api/members/${quitter.id}`).set(authHeader(quitter)),
        204,
      );

      const failures = [
        await loginPair(h.app, 'nobody_at_all', TEST_PASSWORD),
        await loginPair(h.app, 'nobody@example.com', TEST_PASSWORD),
        await loginPair(h.app, member.username, 'not the password'),
        await loginPair(h.app, quitter.username, TEST_PASSWORD),
      ];

      const bodies = failures.map((res) => {
        const body = expectError(res, 401, 'INVALID_CREDENTIALS');
        expect(res.headers['www-authenticate']).toBe('Bearer realm="communities"');
        return { ...body.error, request_id: undefined };
      });
      expect(new Set(bodies.map((b) => JSON.stringify(b))).size).toBe(1);
      // The control: the right password of an active member logs in.
      expectStatus(await loginPair(h.app, member.username, TEST_PASSWORD), 200);
    });

    it('refuses a body with unknown fields or without a password (400)', async () => {
      const member = await createMember(h.app);

      expectError(
        await request(h.app).post('/api/auth/login').send({ login: member.username }),
        400,
        'VALIDATION_FAILED',
      );
      expectError(
        await request(h.app)
          .post('/api/auth/login')
          .send({ login: member.username, password: TEST_PASSWORD, member_id: member.id }),
        400,
        'VALIDATION_FAILED',
      );
    });
  });

  describe('POST /api/auth/login with a hash from an older release or a lower cost', () => {
    /** `scrypt$<logN>$<salt>$<hash>`, r=8 and p=1 implied: what releases before issue 13 stored. */
    const legacyHash = (password: string, logN: number) => {
      const salt = randomBytes(16);
      const key = scryptSync(password.normalize('NFKC'), salt, 32, { N: 2 ** logN, r: 8, p: 1 });
      return `scrypt$${logN}$${salt.toString('base64')}$${key.toString('base64')}`;
    };
    /** Puts a hash in the store as an older release left it: the token version is untouched. */
    const storeHash = async (app: ApiHarness, memberId: string, passwordHash: string) => {
      await app.db
        .collection('members')
        .findOneAndUpdate(
          { _id: app.db.toId(memberId) },
          { $set: { password_hash: passwordHash } },
        );
    };

    it('logs in with an old-format hash and rewrites it in the current format, keeping every session', async () => {
      const member = await createMember(h.app);
      const session = await login(h.app, member.username);
      const legacy = legacyHash(TEST_PASSWORD, 10);
      await storeHash(h, member.id, legacy);
      const tokenVersion = (await storedMember(h, member.id)).token_version;

      expectError(
        await loginPair(h.app, member.username, 'not the password'),
        401,
        'INVALID_CREDENTIALS',
      );
      expect((await storedMember(h, member.id)).password_hash).toBe(legacy);

      expectStatus(await loginPair(h.app, member.username, TEST_PASSWORD), 200);

      const rewritten = await storedMember(h, member.id);
      expect(rewritten.password_hash).toMatch(/^\$scrypt\$ln=10,r=8,p=1\$[^$]+\$[^$]+$/);
      expect(rewritten.token_version).toBe(tokenVersion);
      // The rehash is no password change: sessions opened before it go on.
      expectStatus(await whoAmI(h.app, member.id, session.access_token), 200);
      expectStatus(await refresh(h.app, session.refresh_token), 200);
      // The new hash is of the same password, and is not rewritten again.
      expectStatus(await loginPair(h.app, member.username, TEST_PASSWORD), 200);
      expect((await storedMember(h, member.id)).password_hash).toBe(rewritten.password_hash);
      expectError(
        await loginPair(h.app, member.username, 'not the password'),
        401,
        'INVALID_CREDENTIALS',
      );
    });

    it('rehashes at the configured cost a hash made at a lower one, and keeps a stronger one', async () => {
      const costlier = await openApi(kind, { passwordHashCost: 11 });
      try {
        const cheap = await createMember(costlier.app);
        const strong = await createMember(costlier.app);
        await storeHash(costlier, cheap.id, await new PasswordHasher(10).hash(TEST_PASSWORD));
        const strongHash = await new PasswordHasher(12).hash(TEST_PASSWORD);
        await storeHash(costlier, strong.id, strongHash);

        expectStatus(await loginPair(costlier.app, cheap.username, TEST_PASSWORD), 200);
        expectStatus(await loginPair(costlier.app, strong.username, TEST_PASSWORD), 200);

        expect((await storedMember(costlier, cheap.id)).password_hash).toMatch(
          /^\$scrypt\$ln=11,r=8,p=1\$/,
        );
        expect((await storedMember(costlier, strong.id)).password_hash).toBe(strongHash);
      } finally {
        await costlier.close();
      }
    });

    it('does not rewrite the hash of a deactivated member, whose login is refused', async () => {
      const member = await createMember(h.app);
      expectStatus(
        await request(h.app).delete(`/api/members/${member.id}`).set(authHeader(member)),
        204,
      );
      const legacy = legacyHash(TEST_PASSWORD, 10);
      await storeHash(h, member.id, legacy);

      expectError(
        await loginPair(h.app, member.username, TEST_PASSWORD),
        401,
        'INVALID_CREDENTIALS',
      );
      expect((await storedMember(h, member.id)).password_hash).toBe(legacy);
    });
  });

  describe('POST /api/auth/refresh', () => {
    it('rotates: the new pair works and the spent refresh token is refused', async () => {
      const member = await createMember(h.app);
      const first = await login(h.app, member.username);

      const second = await refreshed(h.app, first.refresh_token);

      expect(second.member_id).toBe(member.id);
      expect(second.refresh_token).not.toBe(first.refresh_token);
      expectStatus(await whoAmI(h.app, member.id, second.access_token), 200);
      expectError(await refresh(h.app, first.refresh_token), 401, 'UNAUTHENTICATED');
    });

    it('keeps a chain of rotations going as long as each token is used once', async () => {
      const member = await createMember(h.app);
      let pair = await login(h.app, member.username);

      for (let i = 0; i < 3; i += 1) pair = await refreshed(h.app, pair.refresh_token);

      expectStatus(await whoAmI(h.app, member.id, pair.access_token), 200);
      expectStatus(await refresh(h.app, pair.refresh_token), 200);
    });

    it('ends the whole session when a spent token is replayed, the newest one included', async () => {
      const member = await createMember(h.app);
      const first = await login(h.app, member.username);
      const second = await refreshed(h.app, first.refresh_token);
      const otherSession = await login(h.app, member.username);

      expectError(await refresh(h.app, first.refresh_token), 401, 'UNAUTHENTICATED');

      expectError(await refresh(h.app, second.refresh_token), 401, 'UNAUTHENTICATED');
      // Another login of the same member is another family: it goes on.
      expectStatus(await refresh(h.app, otherSession.refresh_token), 200);
    });

    it('rotates a token once when it is presented many times at once', async () => {
      const member = await createMember(h.app);
      const pair = await login(h.app, member.username);

      const responses = await Promise.all(
        Array.from({ length: 10 }, () => refresh(h.app, pair.refresh_token)),
      );

      expect(responses.map((res) => res.status).sort()).toEqual([200, ...Array(9).fill(401)]);
    });

    it('refuses an unknown refresh token', async () => {
      expectError(await refresh(h.app, 'never-issued-token'), 401, 'UNAUTHENTICATED');
    });
  });

  describe('POST /api/auth/logout', () => {
    it('revokes the session: its refresh token is refused, another session is not', async () => {
      const member = await createMember(h.app);
      const session = await login(h.app, member.username);
      const otherSession = await login(h.app, member.username);

      const res = await request(h.app)
        .post('/api/auth/logout')
        .send({ refresh_token: session.refresh_token });

      expectStatus(res, 204);
      expect(res.text).toBe('');
      expectError(await refresh(h.app, session.refresh_token), 401, 'UNAUTHENTICATED');
      expectStatus(await refresh(h.app, otherSession.refresh_token), 200);
    });

    it('revokes the tokens rotated from the one logged out with', async () => {
      const member = await createMember(h.app);
      const first = await login(h.app, member.username);
      const second = await refreshed(h.app, first.refresh_token);

      expectStatus(
        await request(h.app).post('/api/auth/logout').send({ refresh_token: first.refresh_token }),
        204,
      );

      expectError(await refresh(h.app, second.refresh_token), 401, 'UNAUTHENTICATED');
    });

    it('is idempotent and accepts an unknown token', async () => {
      const member = await createMember(h.app);
      const session = await login(h.app, member.username);
      const logout = (token: string) =>
        request(h.app).post('/api/auth/logout').send({ refresh_token: token });

      expectStatus(await logout(session.refresh_token), 204);
      expectStatus(await logout(session.refresh_token), 204);
      expectStatus(await logout('never-issued-token'), 204);
    });
  });

  describe('PUT /api/members/:id/password', () => {
    it('ends every older session and returns a pair that works', async () => {
      const member = await createMember(h.app);
      const old = await login(h.app, member.username);
      const otherDevice = await login(h.app, member.username);
      takeEvents(h);

      const res = await changePassword(member.id, old.access_token, TEST_PASSWORD, NEW_PASSWORD);

      expectStatus(res, 200);
      const fresh = TokenPair.parse(res.body);
      expect(fresh.member_id).toBe(member.id);
      expectTokenRefused(await whoAmI(h.app, member.id, old.access_token));
      expectTokenRefused(await whoAmI(h.app, member.id, otherDevice.access_token));
      expectError(await refresh(h.app, old.refresh_token), 401, 'UNAUTHENTICATED');
      expectError(await refresh(h.app, otherDevice.refresh_token), 401, 'UNAUTHENTICATED');
      expectStatus(await whoAmI(h.app, member.id, fresh.access_token), 200);
      expectStatus(await refresh(h.app, fresh.refresh_token), 200);
      expect(takeEvents(h)).toEqual([
        expect.objectContaining({
          type: 'access_revoked',
          data: {
            scope: 'member',
            member_id: member.id,
            reason: 'password_changed',
            token_version: expect.any(Number),
          },
        }),
      ]);
    });

    it('makes the new password the one that logs in', async () => {
      const member = await createMember(h.app);
      const old = await login(h.app, member.username);

      expectStatus(
        await changePassword(member.id, old.access_token, TEST_PASSWORD, NEW_PASSWORD),
        200,
      );

      expectError(
        await loginPair(h.app, member.username, TEST_PASSWORD),
        401,
        'INVALID_CREDENTIALS',
      );
      expectStatus(await loginPair(h.app, member.username, NEW_PASSWORD), 200);
      expect((await storedMember(h, member.id)).password_hash).toMatch(/^\$scrypt\$/);
    });

    it('refuses a wrong current password (401) and changes nothing', async () => {
      const member = await createMember(h.app);
      const session = await login(h.app, member.username);
      takeEvents(h);

      const res = await changePassword(
        member.id,
        session.access_token,
        'not the password',
        NEW_PASSWORD,
      );

      expectError(res, 401, 'INVALID_CREDENTIALS');
      expectStatus(await whoAmI(h.app, member.id, session.access_token), 200);
      expectStatus(await loginPair(h.app, member.username, TEST_PASSWORD), 200);
      expectError(
        await loginPair(h.app, member.username, NEW_PASSWORD),
        401,
        'INVALID_CREDENTIALS',
      );
      expect(takeEvents(h)).toEqual([]);
    });

    it("refuses to change someone else's password even with their current one (403)", async () => {
      const victim = await createMember(h.app);
      const attacker = await createMember(h.app);
      const attackerToken = (await login(h.app, attacker.username)).access_token;

      expectError(
        await changePassword(victim.id, attackerToken, TEST_PASSWORD, NEW_PASSWORD),
        403,
        'FORBIDDEN',
      );
      expectStatus(await loginPair(h.app, victim.username, TEST_PASSWORD), 200);
    });

    it('refuses a new password shorter than 8 characters (400)', async () => {
      const member = await createMember(h.app);
      const session = await login(h.app, member.username);

      expectError(
        await changePassword(member.id, session.access_token, TEST_PASSWORD, 'short'),
        400,
        'VALIDATION_FAILED',
      );
      expectStatus(await whoAmI(h.app, member.id, session.access_token), 200);
    });
  });

  describe('DELETE /api/members/:id (deactivation)', () => {
    it('ends the access token at once, the refresh token and the login', async () => {
      const member = await createMember(h.app);
      const session = await login(h.app, member.username);
      expectStatus(await whoAmI(h.app, member.id, session.access_token), 200);
      takeEvents(h);

      expectStatus(
        await request(h.app).delete(`/api/members/${member.id}`).set(bearer(session.access_token)),
        204,
      );

      // 401 (the session ended), not 403: the token no longer names an active member.
      expectTokenRefused(
        await request(h.app)
          .post('/api/communities')
          .set(bearer(session.access_token))
          .send({ name: 'After the end' }),
      );
      expectTokenRefused(await whoAmI(h.app, member.id, session.access_token));
      expectError(await refresh(h.app, session.refresh_token), 401, 'UNAUTHENTICATED');
      expectError(
        await loginPair(h.app, member.username, TEST_PASSWORD),
        401,
        'INVALID_CREDENTIALS',
      );
      expect(takeEvents(h)).toEqual([
        expect.objectContaining({
          type: 'access_revoked',
          data: {
            scope: 'member',
            member_id: member.id,
            reason: 'deactivated',
            token_version: expect.any(Number),
          },
        }),
      ]);
    });
  });

  describe('bodies that name the acting member', () => {
    /** Each write that still accepts the acting member's id in its body (spec compatibility). */
    const WRITES = [
      {
        name: 'POST /api/communities { created_by }',
        status: 201,
        send: (f: Scene, as: string, named: string) =>
          request(h.app)
            .post('/api/communities')
            .set(authHeader(as))
            .send({ name: 'Named', created_by: named }),
      },
      {
        name: 'POST /api/threads/community/:id { created_by }',
        status: 201,
        send: (f: Scene, as: string, named: string) =>
          request(h.app)
            .post(`/api/threads/community/${f.communityId}`)
            .set(authHeader(as))
            .send({ title: 'Named', created_by: named }),
      },
      {
        name: 'POST /api/messages/thread/:id { author }',
        status: 201,
        send: (f: Scene, as: string, named: string) =>
          request(h.app)
            .post(`/api/messages/thread/${f.threadId}`)
            .set(authHeader(as))
            .send({ content: 'Named', author: named }),
      },
      {
        name: 'POST /api/communities/:id/join { member_id }',
        status: 200,
        send: (f: Scene, as: string, named: string) =>
          request(h.app)
            .post(`/api/communities/${f.openCommunityId}/join`)
            .set(authHeader(as))
            .send({ member_id: named }),
      },
      {
        name: 'POST /api/communities/:id/leave { member_id }',
        status: 200,
        send: (f: Scene, as: string, named: string) =>
          request(h.app)
            .post(`/api/communities/${f.communityId}/leave`)
            .set(authHeader(as))
            .send({ member_id: named }),
      },
    ];
    interface Scene {
      communityId: string;
      threadId: string;
      openCommunityId: string;
    }

    /** `actor` and `victim` are both members of the community, with a thread in it. */
    async function scene() {
      const { owner, community, thread } = await seedThread(h.app);
      const actor = await createMember(h.app);
      const victim = await createMember(h.app);
      for (const m of [actor, victim]) {
        expectStatus(
          await request(h.app)
            .post(`/api/communities/${community.id}/join`)
            .set(authHeader(m))
            .send({}),
          200,
        );
      }
      const open = await createCommunity(h.app, owner.id);
      const f: Scene = {
        communityId: community.id,
        threadId: thread.id,
        openCommunityId: open.id,
      };
      return { f, actor, victim };
    }

    it.each(WRITES)('$name naming someone else → 403', async ({ send }) => {
      const { f, actor, victim } = await scene();

      expectError(await send(f, actor.id, victim.id), 403, 'FORBIDDEN');
    });

    it.each(WRITES)('$name naming oneself → $status', async ({ send, status }) => {
      const { f, actor } = await scene();

      expectStatus(await send(f, actor.id, actor.id), status);
    });

    it('a refused thread on behalf of someone else creates nothing', async () => {
      const { f, actor, victim } = await scene();

      expectStatus(
        await request(h.app)
          .post(`/api/threads/community/${f.communityId}`)
          .set(authHeader(actor))
          .send({ title: 'Forged', created_by: victim.id }),
        403,
      );

      const made = await createThread(h.app, f.communityId, actor.id, { title: 'Genuine' });
      expect(made.created_by).toBe(actor.id);
      const threads = (await request(h.app).get(`/api/threads/community/${f.communityId}`))
        .body as { items: { title: string }[] };
      expect(threads.items.map((t) => t.title)).toContain('Genuine');
      expect(threads.items.map((t) => t.title)).not.toContain('Forged');
    });
  });
});
