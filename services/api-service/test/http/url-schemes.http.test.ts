import { Community, Member, Message } from '@communities/contracts';
import request from 'supertest';
import { openApi, storeKinds, type ApiHarness } from '../support/api-harness';
import {
  TEST_PASSWORD,
  authHeader,
  createMember,
  expectStatus,
  expectValidationError,
  getJson,
  postMessage,
  seedThread,
  takeEvents,
} from '../support/fixtures';

/**
 * Avatars and attachments are links other members' browsers load or follow: only absolute
 * `https:`/`http:` URLs are stored, so a hostile client cannot plant a script or a local file.
 */
const DANGEROUS = [
  'javascript:alert(document.cookie)',
  'data:text/html,<script>alert(1)</script>',
  'file:///etc/passwd',
];

describe.each(storeKinds())('URL fields (%s store)', (kind) => {
  let h: ApiHarness;

  beforeEach(async () => {
    h = await openApi(kind);
  });
  afterEach(async () => {
    await h.close();
  });

  /** Writes a value straight into the store, as an install from before the rule may hold it. */
  const storeRaw = async (collection: string, id: string, set: Record<string, unknown>) => {
    const doc = await h.db
      .collection(collection)
      .findOneAndUpdate({ _id: h.db.toId(id) }, { $set: set });
    expect(doc).not.toBeNull();
  };

  describe('avatar_url of a member', () => {
    it('refuses a javascript:, data: or file: URL at sign-up, storing nothing', async () => {
      for (const [n, url] of DANGEROUS.entries()) {
        const res = await request(h.app)
          .post('/api/members/')
          .send({
            username: `hostile${n}`,
            email: `hostile${n}@example.com`,
            password: TEST_PASSWORD,
            avatar_url: url,
          });
        expectValidationError(res, ['body.avatar_url']);
      }
      expect(((await getJson(h.app, '/api/members/')) as { items: unknown[] }).items).toEqual([]);
    });

    it('refuses them in a profile update, keeping the avatar', async () => {
      const member = await createMember(h.app, { avatar_url: 'https://cdn.example.com/ada.png' });
      for (const url of DANGEROUS) {
        const res = await request(h.app)
          .put(`/api/members/${member.id}`)
          .set(authHeader(member))
          .send({ avatar_url: url });
        expectValidationError(res, ['body.avatar_url']);
      }
      expect(await getJson(h.app, `/api/members/${member.id}`)).toMatchObject({
        avatar_url: 'https://cdn.example.com/ada.png',
      });
    });

    it('stores absolute https and http URLs', async () => {
      const member = await createMember(h.app, { avatar_url: 'https://cdn.example.com/ada.png' });
      expect(member.avatar_url).toBe('https://cdn.example.com/ada.png');

      const res = await request(h.app)
        .put(`/api/members/${member.id}`)
        .set(authHeader(member))
        .send({ avatar_url: 'http://localhost:8080/ada.png' });

      expectStatus(res, 200);
      expect(Member.parse(res.body).avatar_url).toBe('http://localhost:8080/ada.png');
    });

    it('reads a member whose stored avatar is not http(s) with avatar_url null', async () => {
      const member = await createMember(h.app);
      await storeRaw('members', member.id, { avatar_url: DANGEROUS[0] });

      const read = Member.parse(await getJson(h.app, `/api/members/${member.id}`));
      expect(read).toMatchObject({ id: member.id, username: member.username, avatar_url: null });
      const listed = (await getJson(h.app, '/api/members/')) as { items: Member[] };
      expect(listed.items.map((m) => m.avatar_url)).toEqual([null]);
    });
  });

  describe('avatar_url of a community', () => {
    it('refuses a javascript:, data: or file: URL on create and update', async () => {
      const { owner, community } = await seedThread(h.app);
      for (const url of DANGEROUS) {
        expectValidationError(
          await request(h.app)
            .post('/api/communities/')
            .set(authHeader(owner))
            .send({ name: 'hostile', avatar_url: url }),
          ['body.avatar_url'],
        );
        expectValidationError(
          await request(h.app)
            .put(`/api/communities/${community.id}`)
            .set(authHeader(owner))
            .send({ avatar_url: url }),
          ['body.avatar_url'],
        );
      }
      const listed = (await getJson(h.app, '/api/communities/')) as { items: Community[] };
      expect(listed.items.map((c) => [c.id, c.avatar_url])).toEqual([[community.id, null]]);
    });

    it('reads a community whose stored avatar is not http(s) with avatar_url null', async () => {
      const { community } = await seedThread(h.app);
      await storeRaw('communities', community.id, { avatar_url: DANGEROUS[1] });

      const read = Community.parse(await getJson(h.app, `/api/communities/${community.id}`));
      expect(read).toMatchObject({ id: community.id, name: community.name, avatar_url: null });
    });
  });

  describe('attachments of a message', () => {
    it('refuses a javascript:, data: or file: URL on post and edit, naming the item', async () => {
      const { owner, thread } = await seedThread(h.app);
      const message = await postMessage(h.app, thread.id, owner.id, {
        attachments: ['https://cdn.example.com/wave.gif'],
      });
      takeEvents(h);
      for (const url of DANGEROUS) {
        expectValidationError(
          await request(h.app)
            .post(`/api/messages/thread/${thread.id}`)
            .set(authHeader(owner))
            .send({ content: 'look', attachments: ['https://cdn.example.com/ok.png', url] }),
          ['body.attachments.1'],
        );
        expectValidationError(
          await request(h.app)
            .put(`/api/messages/${message.id}`)
            .set(authHeader(owner))
            .send({ attachments: [url] }),
          ['body.attachments.0'],
        );
      }
      expect(takeEvents(h)).toEqual([]);
      expect(await getJson(h.app, `/api/messages/${message.id}`)).toMatchObject({
        attachments: ['https://cdn.example.com/wave.gif'],
        is_edited: false,
      });
    });

    it('reads a message with stored attachments that are not http(s) without them', async () => {
      const { owner, thread } = await seedThread(h.app);
      const message = await postMessage(h.app, thread.id, owner.id);
      await storeRaw('messages', message.id, {
        attachments: ['https://cdn.example.com/ok.png', ...DANGEROUS],
      });

      const read = Message.parse(await getJson(h.app, `/api/messages/${message.id}`));
      expect(read).toMatchObject({
        id: message.id,
        attachments: ['https://cdn.example.com/ok.png'],
      });
      const listed = (await getJson(h.app, `/api/messages/thread/${thread.id}`)) as {
        items: Message[];
      };
      expect(listed.items.map((m) => m.attachments)).toEqual([['https://cdn.example.com/ok.png']]);
    });
  });
});
