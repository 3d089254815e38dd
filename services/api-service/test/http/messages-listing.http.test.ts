import { type Message } from '@communities/contracts';
import request from 'supertest';
import { openApi, storeKinds, type ApiHarness } from '../support/api-harness';
import {
  MALFORMED_ID,
  UNKNOWN_ID,
  authHeader,
  createMember,
  createThread,
  expectError,
  expectValidationError,
  getJson,
  inviteAndJoin,
  inviteMember,
  postMessage,
  readAllPages,
  seedPrivateThread,
  seedThread,
} from '../support/fixtures';

/** GET /api/messages/thread/:thread_id, and with it the paging rules every list shares. */
describe.each(storeKinds())('message listing API (%s store)', (kind) => {
  describe('GET /api/messages/thread/:thread_id', () => {
    let h: ApiHarness;

    beforeEach(async () => {
      h = await openApi(kind);
    });
    afterEach(async () => {
      await h.close();
    });

    it("lists the thread's own messages in the order they were posted", async () => {
      const { owner, community, thread } = await seedThread(h.app);
      const other = await createThread(h.app, community.id, owner.id);
      const first = await postMessage(h.app, thread.id, owner.id);
      await postMessage(h.app, other.id, owner.id);
      const second = await postMessage(h.app, thread.id, owner.id);
      const third = await postMessage(h.app, thread.id, owner.id);

      const res = await request(h.app).get(`/api/messages/thread/${thread.id}`);

      expect(res.status).toBe(200);
      expect(res.body).toEqual({ items: [first, second, third], next_cursor: null });
    });

    it('answers an empty page for a thread without messages', async () => {
      const { thread } = await seedThread(h.app);

      expect(await getJson(h.app, `/api/messages/thread/${thread.id}`)).toEqual({
        items: [],
        next_cursor: null,
      });
    });

    it('lists the messages of a private thread to members of its community only', async () => {
      const { owner, community, thread } = await seedPrivateThread(h.app);
      const message = await postMessage(h.app, thread.id, owner.id);
      const outsider = await createMember(h.app);
      const member = await createMember(h.app);
      await inviteAndJoin(h.app, community.id, owner.id, member.id);
      // Invited, not joined: may look at the community itself, not at its messages.
      const invitee = await createMember(h.app);
      await inviteMember(h.app, community.id, owner.id, invitee.id);
      const path = `/api/messages/thread/${thread.id}`;

      expectError(await request(h.app).get(path), 404, 'THREAD_NOT_FOUND');
      const get = (viewer: { id: string }) => request(h.app).get(path).set(authHeader(viewer));
      expectError(await get(outsider), 404, 'THREAD_NOT_FOUND');
      expectError(await get(invitee), 404, 'THREAD_NOT_FOUND');
      for (const viewer of [owner, member]) {
        expect(await getJson(h.app, path, 200, viewer.id)).toEqual({
          items: [message],
          next_cursor: null,
        });
      }
    });

    it('answers 404 THREAD_NOT_FOUND for an unknown thread, 400 for a malformed id', async () => {
      expectError(
        await request(h.app).get(`/api/messages/thread/${UNKNOWN_ID}`),
        404,
        'THREAD_NOT_FOUND',
      );
      expectValidationError(await request(h.app).get(`/api/messages/thread/${MALFORMED_ID}`), [
        'params.thread_id',
      ]);
    });
  });

  // These tests only read, so they share one store with one thread of 120 messages.
  describe('GET /api/messages/thread/:thread_id with 120 messages', () => {
    let h: ApiHarness;
    let threadId: string;
    const posted: string[] = [];

    beforeAll(async () => {
      h = await openApi(kind);
      const { owner, thread } = await seedThread(h.app);
      threadId = thread.id;
      for (let i = 0; i < 120; i++) {
        posted.push((await postMessage(h.app, thread.id, owner.id, { content: `#${i}` })).id);
      }
    });
    afterAll(async () => {
      await h.close();
    });

    it('pages 50 at a time by default and visits each message exactly once, in order', async () => {
      const pages = await readAllPages<Message>(h.app, `/api/messages/thread/${threadId}`);

      expect(pages.map((page) => page.length)).toEqual([50, 50, 20]);
      expect(pages.flat().map((m) => m.id)).toEqual(posted);
      expect(pages.flat().map((m) => m.content)).toEqual(posted.map((_, i) => `#${i}`));
    });

    it('serves up to 100 per page', async () => {
      const pages = await readAllPages<Message>(
        h.app,
        `/api/messages/thread/${threadId}?limit=100`,
      );

      expect(pages.map((page) => page.length)).toEqual([100, 20]);
      expect(pages.flat().map((m) => m.id)).toEqual(posted);
    });

    it('rejects a limit of 101, 0 or a non-number with 400 on query.limit', async () => {
      for (const limit of ['101', '0', 'ten', '2.5']) {
        expectValidationError(
          await request(h.app).get(`/api/messages/thread/${threadId}?limit=${limit}`),
          ['query.limit'],
        );
      }
    });

    it('rejects a tampered cursor with 400 INVALID_CURSOR', async () => {
      const page = (await getJson(h.app, `/api/messages/thread/${threadId}?limit=10`)) as {
        next_cursor: string;
      };
      const values = JSON.parse(Buffer.from(page.next_cursor, 'base64url').toString()) as [
        string,
        string,
      ];
      expect(values).toHaveLength(2);
      const tamper = (v: unknown[]) => Buffer.from(JSON.stringify(v)).toString('base64url');
      const get = (cursor: string) =>
        request(h.app).get(`/api/messages/thread/${threadId}?cursor=${cursor}`);

      expectError(await get(tamper([values[0], 'zz'])), 400, 'INVALID_CURSOR');
      expectError(await get(tamper(['not a date', values[1]])), 400, 'INVALID_CURSOR');
      expectError(await get(tamper([values[0]])), 400, 'INVALID_CURSOR');
      expectError(await get(page.next_cursor.slice(0, -6)), 400, 'INVALID_CURSOR');
    });

    it('rejects a cursor that is not base64url text with 400 on query.cursor', async () => {
      expectValidationError(
        await request(h.app).get(`/api/messages/thread/${threadId}?cursor=a%2Bb%3D`),
        ['query.cursor'],
      );
    });

    it('rejects unknown query parameters', async () => {
      expectValidationError(
        await request(h.app).get(`/api/messages/thread/${threadId}?offset=50`),
        ['query'],
      );
    });
  });
});
