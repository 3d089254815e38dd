import { type Message, type Thread } from '@communities/contracts';
import request from 'supertest';
import { openApi, storeKinds, type ApiHarness } from '../support/api-harness';
import {
  MALFORMED_ID,
  createCommunity,
  createMember,
  createThread,
  expectValidationError,
  postMessage,
  readAllPages,
} from '../support/fixtures';

/**
 * GET /api/threads/search and GET /api/messages/search. The tests only read, so each store kind
 * gets one harness with one fixed corpus: two communities, threads and messages in each.
 */
describe.each(storeKinds())('search API (%s store)', (kind) => {
  let h: ApiHarness;
  const t: Record<string, Thread> = {};
  const m: Record<string, Message> = {};

  beforeAll(async () => {
    h = await openApi(kind);
    const owner = await createMember(h.app);
    const books = await createCommunity(h.app, owner.id);
    const games = await createCommunity(h.app, owner.id);
    t.abc = await createThread(h.app, books.id, owner.id, { title: 'ABC of reading' });
    t.dotted = await createThread(h.app, books.id, owner.id, { title: 'Notes', content: 'a.c b' });
    t.games = await createThread(h.app, games.id, owner.id, { title: 'Board games (abc)' });
    t.other = await createThread(h.app, games.id, owner.id, { title: 'Nothing to see' });
    m.upper = await postMessage(h.app, t.abc.id, owner.id, { content: 'HELLO world' });
    m.dotted = await postMessage(h.app, t.abc.id, owner.id, { content: 'costs $5 (a.c)' });
    m.lower = await postMessage(h.app, t.games.id, owner.id, { content: 'hello again' });
    m.plain = await postMessage(h.app, t.games.id, owner.id, { content: 'abc' });
  });
  afterAll(async () => {
    await h.close();
  });

  const search = async (path: string, query: Record<string, string>) => {
    const res = await request(h.app).get(path).query(query);
    expect(res.status).toBe(200);
    return (res.body as { items: { id: string }[]; next_cursor: string | null }).items.map(
      (item) => item.id,
    );
  };
  const threads = (query: Record<string, string>) => search('/api/threads/search', query);
  const messages = (query: Record<string, string>) => search('/api/messages/search', query);

  describe('GET /api/threads/search', () => {
    it('matches title or content case-insensitively, newest first', async () => {
      expect(await threads({ q: 'abc' })).toEqual([t.games!.id, t.abc!.id]);
      expect(await threads({ q: 'NOTES' })).toEqual([t.dotted!.id]);
      expect(await threads({ q: 'A.C B' })).toEqual([t.dotted!.id]);
    });

    it('treats regex metacharacters literally', async () => {
      expect(await threads({ q: 'a.c' })).toEqual([t.dotted!.id]);
      expect(await threads({ q: '(abc)' })).toEqual([t.games!.id]);
      expect(await threads({ q: '.*' })).toEqual([]);
      expect(await threads({ q: '[' })).toEqual([]);
    });

    it('searches only one community when community_id is given', async () => {
      expect(await threads({ q: 'abc', community_id: t.abc!.community_id })).toEqual([t.abc!.id]);
      expect(await threads({ q: 'abc', community_id: '0'.repeat(24) })).toEqual([]);
    });

    it('pages the matches', async () => {
      const pages = await readAllPages<Thread>(h.app, '/api/threads/search?q=o&limit=2');

      expect(pages.map((page) => page.map((thread) => thread.id))).toEqual([
        [t.other!.id, t.games!.id],
        [t.dotted!.id, t.abc!.id],
      ]);
    });

    it('rejects a missing or blank q and a malformed community_id', async () => {
      const get = (query: Record<string, string>) =>
        request(h.app).get('/api/threads/search').query(query);

      expectValidationError(await get({}), ['query.q']);
      expectValidationError(await get({ q: '   ' }), ['query.q']);
      expectValidationError(await get({ q: 'x'.repeat(201) }), ['query.q']);
      expectValidationError(await get({ q: 'abc', community_id: MALFORMED_ID }), [
        'query.community_id',
      ]);
    });
  });

  describe('GET /api/messages/search', () => {
    it('matches content case-insensitively, newest first', async () => {
      expect(await messages({ q: 'hello' })).toEqual([m.lower!.id, m.upper!.id]);
      expect(await messages({ q: 'WORLD' })).toEqual([m.upper!.id]);
    });

    it('treats regex metacharacters literally', async () => {
      expect(await messages({ q: 'a.c' })).toEqual([m.dotted!.id]);
      expect(await messages({ q: '$5 (' })).toEqual([m.dotted!.id]);
      expect(await messages({ q: '^abc$' })).toEqual([]);
      expect(await messages({ q: 'abc' })).toEqual([m.plain!.id]);
    });

    it('searches only one thread when thread_id is given', async () => {
      expect(await messages({ q: 'hello', thread_id: t.abc!.id })).toEqual([m.upper!.id]);
      expect(await messages({ q: 'hello', thread_id: t.other!.id })).toEqual([]);
    });

    it('pages the matches', async () => {
      const pages = await readAllPages<Message>(h.app, '/api/messages/search?q=l&limit=1');

      expect(pages.map((page) => page.map((message) => message.id))).toEqual([
        [m.lower!.id],
        [m.upper!.id],
      ]);
    });

    it('rejects a missing q and a malformed thread_id', async () => {
      const get = (query: Record<string, string>) =>
        request(h.app).get('/api/messages/search').query(query);

      expectValidationError(await get({}), ['query.q']);
      expectValidationError(await get({ q: 'hello', thread_id: MALFORMED_ID }), [
        'query.thread_id',
      ]);
      expectValidationError(await get({ q: 'hello', limit: '101' }), ['query.limit']);
    });
  });
});
