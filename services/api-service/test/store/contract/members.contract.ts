import {
  at,
  concurrently,
  countOf,
  createMember,
  expectAppError,
  hexId,
  newMember,
  PASSWORD_HASH,
  readAllPages,
  useStore,
  type OpenStore,
} from './fixtures';

export function membersContract(open: OpenStore): void {
  const store = useStore(open);

  it('keeps the username as given and stores the email lower-cased', async () => {
    const { repos } = store();
    const created = await repos.members.create(
      newMember({ username: 'Ada.Lovelace', email: 'Ada@Example.COM' }),
      PASSWORD_HASH,
      at(5),
    );
    expect(created).toMatchObject({
      username: 'Ada.Lovelace',
      email: 'ada@example.com',
      is_active: true,
      joined_at: at(5).toISOString(),
    });
    expect(await repos.members.get(created.id)).toEqual(created);
  });

  it('finds a member by username in any case', async () => {
    const { repos } = store();
    const ada = await createMember(repos, { username: 'Ada' });
    expect((await repos.members.getByUsername('aDA'))?.id).toBe(ada.id);
    expect(await repos.members.getByUsername('grace')).toBeNull();
  });

  it('rejects a username taken in another case with USERNAME_TAKEN', async () => {
    const { repos } = store();
    await createMember(repos, { username: 'Ada' });
    await expectAppError(createMember(repos, { username: 'ADA' }), 'USERNAME_TAKEN');
    expect((await repos.members.list({ limit: 10 })).items).toHaveLength(1);
  });

  it('rejects an email taken in another case with EMAIL_TAKEN', async () => {
    const { repos } = store();
    await createMember(repos, { email: 'ada@example.com' });
    await expectAppError(createMember(repos, { email: 'ADA@example.com' }), 'EMAIL_TAKEN');
    expect((await repos.members.list({ limit: 10 })).items).toHaveLength(1);
  });

  it('names the username when both the username and the email are taken', async () => {
    const { repos } = store();
    await createMember(repos, { username: 'ada', email: 'ada@example.com' });
    await expectAppError(
      createMember(repos, { username: 'Ada', email: 'ada@example.com' }),
      'USERNAME_TAKEN',
    );
  });

  it('lets exactly one of many concurrent creates with one username succeed', async () => {
    const { repos } = store();
    const outcomes = await concurrently(8, (i) =>
      createMember(repos, { username: i % 2 ? 'Grace' : 'grace' }).then(
        () => 'created',
        (error: { code?: string }) => error.code ?? 'other',
      ),
    );
    expect(countOf(outcomes, 'created')).toBe(1);
    expect(countOf(outcomes, 'USERNAME_TAKEN')).toBe(7);
  });

  it("rejects an update to another member's username with USERNAME_TAKEN", async () => {
    const { repos } = store();
    await createMember(repos, { username: 'ada' });
    const grace = await createMember(repos, { username: 'grace' });
    await expectAppError(repos.members.update(grace.id, { username: 'ADA' }), 'USERNAME_TAKEN');
    expect((await repos.members.get(grace.id))?.username).toBe('grace');
  });

  it("rejects an update to another member's email with EMAIL_TAKEN", async () => {
    const { repos } = store();
    await createMember(repos, { email: 'ada@example.com' });
    const grace = await createMember(repos, { email: 'grace@example.com' });
    await expectAppError(
      repos.members.update(grace.id, { email: 'Ada@Example.com' }),
      'EMAIL_TAKEN',
    );
    expect((await repos.members.get(grace.id))?.email).toBe('grace@example.com');
  });

  it('accepts an update of a member to its own username and email', async () => {
    const { repos } = store();
    const ada = await createMember(repos, { username: 'ada', email: 'ada@example.com' });
    const same = await repos.members.update(ada.id, {
      username: 'ada',
      email: 'ada@example.com',
    });
    expect(same).toEqual(ada);
    const recased = await repos.members.update(ada.id, {
      username: 'ADA',
      email: 'ADA@EXAMPLE.COM',
      bio: 'analyst',
    });
    expect(recased).toMatchObject({ username: 'ADA', email: 'ada@example.com', bio: 'analyst' });
    expect((await repos.members.getByUsername('ada'))?.id).toBe(ada.id);
  });

  it('frees the old username once a member renames', async () => {
    const { repos } = store();
    const ada = await createMember(repos, { username: 'ada' });
    await repos.members.update(ada.id, { username: 'countess' });
    const other = await createMember(repos, { username: 'Ada' });
    expect((await repos.members.getByUsername('ada'))?.id).toBe(other.id);
  });

  it('returns null when updating, deactivating or getting an unknown member', async () => {
    const { repos } = store();
    expect(await repos.members.update(hexId(), { bio: 'x' })).toBeNull();
    expect(await repos.members.deactivate(hexId())).toBeNull();
    expect(await repos.members.get(hexId())).toBeNull();
  });

  it('deactivates a member without removing it', async () => {
    const { repos } = store();
    const ada = await createMember(repos);
    expect((await repos.members.deactivate(ada.id))?.is_active).toBe(false);
    expect((await repos.members.get(ada.id))?.is_active).toBe(false);
  });

  it('gives the credentials of a new member: active, token version 0, the stored hash', async () => {
    const { repos } = store();
    const ada = await createMember(repos);
    expect(await repos.members.credentialsById(ada.id)).toEqual({
      id: ada.id,
      is_active: true,
      token_version: 0,
      password_hash: PASSWORD_HASH,
    });
    expect(await repos.members.credentialsById(hexId())).toBeNull();
  });

  it('finds credentials by username or by email, in any case, spaces around it left out', async () => {
    const { repos } = store();
    const ada = await createMember(repos, { username: 'Ada', email: 'Ada@Example.com' });
    await createMember(repos, { username: 'grace', email: 'grace@example.com' });
    for (const login of ['Ada', 'ada', 'ADA', ' ada ', 'ada@example.com', ' ADA@EXAMPLE.COM']) {
      expect((await repos.members.credentialsByLogin(login))?.id).toBe(ada.id);
    }
    expect(await repos.members.credentialsByLogin('ad')).toBeNull();
    expect(await repos.members.credentialsByLogin('ada@example.org')).toBeNull();
    expect(await repos.members.credentialsByLogin('nobody')).toBeNull();
  });

  it('stores a new password hash and bumps the token version each time', async () => {
    const { repos } = store();
    const ada = await createMember(repos, { username: 'ada' });
    const other = await createMember(repos);
    expect(await repos.members.setPassword(ada.id, 'scrypt$10$new$one')).toBe(true);
    expect(await repos.members.credentialsByLogin('ada')).toMatchObject({
      token_version: 1,
      password_hash: 'scrypt$10$new$one',
      is_active: true,
    });
    expect(await repos.members.setPassword(ada.id, 'scrypt$10$new$two')).toBe(true);
    expect(await repos.members.credentialsById(ada.id)).toMatchObject({
      token_version: 2,
      password_hash: 'scrypt$10$new$two',
    });
    expect(await repos.members.credentialsById(other.id)).toMatchObject({
      token_version: 0,
      password_hash: PASSWORD_HASH,
    });
    expect(await repos.members.setPassword(hexId(), 'scrypt$10$x$y')).toBe(false);
  });

  it('replaces a password hash only while it is still the one given, keeping the token version', async () => {
    const { repos } = store();
    const ada = await createMember(repos, { username: 'ada' });
    const rehashed = '$scrypt$ln=17,r=8,p=1$c2FsdA$aGFzaA';

    expect(await repos.members.replacePasswordHash(ada.id, PASSWORD_HASH, rehashed)).toBe(true);
    expect(await repos.members.credentialsById(ada.id)).toMatchObject({
      token_version: 0,
      password_hash: rehashed,
    });
    // A password change in between wins: the rehash of the old password is dropped.
    await repos.members.setPassword(ada.id, 'scrypt$10$changed$meanwhile');
    expect(await repos.members.replacePasswordHash(ada.id, rehashed, 'a stale rehash')).toBe(false);
    expect(await repos.members.credentialsById(ada.id)).toMatchObject({
      token_version: 1,
      password_hash: 'scrypt$10$changed$meanwhile',
    });
    expect(await repos.members.replacePasswordHash(hexId(), PASSWORD_HASH, rehashed)).toBe(false);
  });

  it('bumps the token version when it deactivates a member, keeping the password hash', async () => {
    const { repos } = store();
    const ada = await createMember(repos);
    await repos.members.deactivate(ada.id);
    expect(await repos.members.credentialsById(ada.id)).toEqual({
      id: ada.id,
      is_active: false,
      token_version: 1,
      password_hash: PASSWORD_HASH,
    });
  });

  it('returns only the existing members of getMany', async () => {
    const { repos } = store();
    const [a, b] = [await createMember(repos), await createMember(repos)];
    const found = await repos.members.getMany([b.id, hexId(), a.id]);
    expect(found.map((m) => m.id).sort()).toEqual([a.id, b.id].sort());
    expect(await repos.members.getMany([])).toEqual([]);
  });

  it('lists members by id across pages', async () => {
    const { repos } = store();
    const created = [];
    for (let i = 0; i < 5; i++) created.push(await createMember(repos));
    const { items, pages } = await readAllPages((cursor) =>
      repos.members.list({ limit: 2, cursor }),
    );
    expect(pages).toBe(3);
    expect(items.map((m) => m.id)).toEqual(created.map((m) => m.id).sort());
  });
}
