import { GrantResponse, type Member } from '@communities/contracts';
import request from 'supertest';
import { openApi, storeKinds, type ApiHarness } from '../support/api-harness';
import { createPrivateCommunity, expectHidden } from '../support/auth-fixtures';
import {
  UNKNOWN_ID,
  authHeader,
  createCommunity,
  createMember,
  createThread,
  expectError,
  expectStatus,
} from '../support/fixtures';

/** POST /api/realtime/grants: signed permissions to join WebSocket channels. */
describe.each(storeKinds())('POST /api/realtime/grants (%s store)', (kind) => {
  let h: ApiHarness;

  let s: Awaited<ReturnType<typeof scene>>;

  // One store and one scene for the file: no test changes the scene.
  beforeAll(async () => {
    h = await openApi(kind);
    s = await scene();
  });
  afterAll(async () => {
    await h.close();
  });

  const ask = (member: Member | undefined, channels: unknown) =>
    request(h.app)
      .post('/api/realtime/grants')
      .set(member ? authHeader(member) : {})
      .send({ channels });

  async function granted(member: Member, channels: string[]) {
    const res = await ask(member, channels);
    expectStatus(res, 200);
    return GrantResponse.parse(res.body).grants;
  }

  /** A public community with a thread, and a private one (owner + member) with a thread. */
  async function scene() {
    const owner = await createMember(h.app);
    const member = await createMember(h.app);
    const other = await createMember(h.app);
    const open = await createCommunity(h.app, owner.id);
    const openThread = await createThread(h.app, open.id, owner.id);
    const hidden = await createPrivateCommunity(h.app, owner, [member]);
    const hiddenThread = await createThread(h.app, hidden.id, member.id);
    return { owner, member, other, open, openThread, hidden, hiddenThread };
  }

  it('needs an access token', async () => {
    const { owner, open } = s;

    expectError(await ask(undefined, [`community:${open.id}`]), 401, 'UNAUTHENTICATED');
    expectStatus(await ask(owner, [`community:${open.id}`]), 200);
  });

  it('returns one verifiable grant per channel, duplicates asked once', async () => {
    const { other, open, openThread } = s;
    const channels = [`community:${open.id}`, `thread:${openThread.id}`, `community:${open.id}`];
    const before = Date.now();

    const grants = await granted(other, channels);

    expect(grants.map((g) => g.channel)).toEqual([
      `community:${open.id}`,
      `thread:${openThread.id}`,
    ]);
    for (const grant of grants) {
      const claims = await h.tokens.verifyGrant(grant.grant, other.id, grant.channel);
      // Public: anyone may read it, so the grant does not depend on a membership.
      expect(claims).toMatchObject({ sub: other.id, ch: grant.channel, cid: open.id, mb: false });
      expect(new Date(grant.expires_at).getTime()).toBe(claims.exp * 1000);
      expect(claims.exp * 1000).toBeGreaterThan(before);
    }
  });

  it('binds the grants of a private community to the membership (mb) and names it (cid)', async () => {
    const { member, hidden, hiddenThread } = s;

    const grants = await granted(member, [`community:${hidden.id}`, `thread:${hiddenThread.id}`]);

    expect(grants).toHaveLength(2);
    for (const grant of grants) {
      const claims = await h.tokens.verifyGrant(grant.grant, member.id, grant.channel);
      expect(claims).toMatchObject({ sub: member.id, cid: hidden.id, mb: true });
    }
  });

  it('issues a grant that is good for its member and channel only', async () => {
    const { owner, other, open, openThread } = s;
    const [grant] = await granted(other, [`community:${open.id}`]);

    await expect(
      h.tokens.verifyGrant(grant!.grant, other.id, `community:${open.id}`),
    ).resolves.toMatchObject({ sub: other.id });
    await expect(
      h.tokens.verifyGrant(grant!.grant, owner.id, `community:${open.id}`),
    ).rejects.toThrow('another member');
    await expect(
      h.tokens.verifyGrant(grant!.grant, other.id, `thread:${openThread.id}`),
    ).rejects.toThrow('another channel');
  });

  it.each([
    { name: 'a private community', channel: 'community', code: 'COMMUNITY_NOT_FOUND' },
    { name: 'a thread of a private community', channel: 'thread', code: 'THREAD_NOT_FOUND' },
  ] as const)('answers 404 for $name the caller is not in', async ({ channel, code }) => {
    const { member, other, hidden, hiddenThread } = s;
    const asked = [`${channel}:${channel === 'community' ? hidden.id : hiddenThread.id}`];

    expectHidden(await ask(other, asked), code);
    expectStatus(await ask(member, asked), 200);
  });

  it('answers 404 for the whole request when one channel of it is hidden', async () => {
    const { member, other, open, hidden } = s;
    const asked = [`community:${open.id}`, `community:${hidden.id}`];

    expectHidden(await ask(other, asked), 'COMMUNITY_NOT_FOUND');
    expectStatus(await ask(member, asked), 200);
  });

  it.each([
    { name: 'community', code: 'COMMUNITY_NOT_FOUND' },
    { name: 'thread', code: 'THREAD_NOT_FOUND' },
  ] as const)('answers 404 for an unknown $name id', async ({ name, code }) => {
    const { owner, open, openThread } = s;

    expectHidden(await ask(owner, [`${name}:${UNKNOWN_ID}`]), code);
    const known = name === 'community' ? open.id : openThread.id;
    expectStatus(await ask(owner, [`${name}:${known}`]), 200);
  });

  it('stops granting a private community to a member who left it', async () => {
    const { owner } = s;
    const member = await createMember(h.app);
    const hidden = await createPrivateCommunity(h.app, owner, [member]);
    expectStatus(await ask(member, [`community:${hidden.id}`]), 200);

    expectStatus(
      await request(h.app)
        .post(`/api/communities/${hidden.id}/leave`)
        .set(authHeader(member))
        .send({}),
      200,
    );

    expectHidden(await ask(member, [`community:${hidden.id}`]), 'COMMUNITY_NOT_FOUND');
  });

  it.each([
    { name: 'an id that is not an ObjectId', channels: (_id: string) => ['community:not-an-id'] },
    { name: 'an unknown channel kind', channels: (id: string) => [`room:${id}`] },
    { name: 'the global channel (needs no grant)', channels: () => ['global:notifications'] },
    { name: 'the internal access channel', channels: () => ['gateway:access'] },
    { name: 'a bare id', channels: (id: string) => [id] },
    { name: 'an upper-case id', channels: (id: string) => [`community:${id.toUpperCase()}`] },
    { name: 'no channel at all', channels: () => [] },
    {
      name: '51 channels',
      channels: (id: string) => Array.from({ length: 51 }, () => `community:${id}`),
    },
    { name: 'a string instead of a list', channels: (id: string) => `community:${id}` },
  ])('refuses $name (400)', async ({ channels }) => {
    const { owner, open } = s;

    const res = await ask(owner, channels(open.id));

    const body = expectError(res, 400, 'VALIDATION_FAILED');
    expect(body.error.details?.map((d) => d.path.split('.').slice(0, 2).join('.'))).toContain(
      'body.channels',
    );
    expectStatus(await ask(owner, [`community:${open.id}`]), 200);
  });

  it('accepts 50 channels, the most a request may ask for', async () => {
    const { owner, open, openThread } = s;
    const channels = Array.from({ length: 50 }, (_, i) =>
      i % 2 === 0 ? `community:${open.id}` : `thread:${openThread.id}`,
    );

    const grants = await granted(owner, channels);

    expect(grants).toHaveLength(2);
  });
});
