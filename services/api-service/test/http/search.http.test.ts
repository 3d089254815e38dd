import { type Member, type Message, type Thread } from '@communities/contracts';
import request from 'supertest';
import { openApi, storeKinds, type ApiHarness } from '../support/api-harness';
import {
  MALFORMED_ID,
  UNKNOWN_ID,
  authHeader,
  createCommunity,
  createMember,
  createThread,
  expectError,
  expectValidationError,
  inviteAndJoin,
  inviteMember,
  postMessage,
  readAllPages,
} from '../support/fixtures';

/**
 * GET /api/threads/search and GET /api/messages/search. The tests only read, so each store kind
 * gets one harness with one fixed corpus: two public communities with threads and messages in
 * each, and a private community whose matches only its members may find. Every anonymous search
 * below thus also checks that the private community stays out of it.
 */
describe.each(storeKinds())('search API (%s store)', (kind) => {
  let h: ApiHarness;
  const t: Record<string, Thread> = {};
  const m: Record<string, Message> = {};
  /** Owner of the private community. */
  let insider: Member;
  /** Invited into the private community and joined it. */
  let member: Member;
  /** Invited into the private community, not joined (yet). */
  let invitee: Member;
  /** In no community. */
  let outsider: Member;

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

    insider = await createMember(h.app);
    member = await createMember(h.app);
    invitee = await createMember(h.app);
    outsider = await createMember(h.app);
    const club = await createCommunity(h.app, insider.id, { is_public: false });
    await inviteAndJoin(h.app, club.id, insider.id, member.id);
    await inviteMember(h.app, club.id, insider.id, invitee.id);
    t.secret = await createThread(h.app, club.id, insider.id, { title: 'abc, members only' });
    m.secret = await postMessage(h.app, t.secret.id, member.id, { content: 'hello, members' });
  });
  afterAll(async () => {
    await h.close();
  });

  /** The ids found, searching as `viewer` (anonymous when undefined). */
  const search = async (path: string, query: Record<string, string>, viewer?: Member) => {
    const res = await request(h.app)
      .get(path)
      .set(viewer ? authHeader(viewer) : {})
      .query(query);
    expect(res.status).toBe(200);
    return (res.body as { items: { id: string }[]; next_cursor: string | null }).items.map(
      (item) => item.id,
    );
  };
  const threads = (query: Record<string, string>, viewer?: Member) =>
    search('/api/threads/search', query, viewer);
  const messages = (query: Record<string, string>, viewer?: Member) =>
    search('/api/messages/search', query, viewer);

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
      expect(await threads({ q: 'abc', community_id: t.secret!.community_id }, member)).toEqual([
        t.secret!.id,
      ]);
    });

    it('answers 404 COMMUNITY_NOT_FOUND for a scope that is unknown or hidden from the viewer', async () => {
      const get = (communityId: string, viewer?: Member) =>
        request(h.app)
          .get('/api/threads/search')
          .set(viewer ? authHeader(viewer) : {})
          .query({ q: 'abc', community_id: communityId });

      expectError(await get(UNKNOWN_ID), 404, 'COMMUNITY_NOT_FOUND');
      expectError(await get(t.secret!.community_id), 404, 'COMMUNITY_NOT_FOUND');
      expectError(await get(t.secret!.community_id, outsider), 404, 'COMMUNITY_NOT_FOUND');
      // An invitee may look at the community itself, not search inside it.
      expectError(await get(t.secret!.community_id, invitee), 404, 'COMMUNITY_NOT_FOUND');
    });

    it('finds threads of a private community for its members only', async () => {
      const everyone = [t.games!.id, t.abc!.id];
      expect(await threads({ q: 'abc' }, outsider)).toEqual(everyone);
      expect(await threads({ q: 'abc' }, invitee)).toEqual(everyone);
      expect(await threads({ q: 'abc' }, member)).toEqual([t.secret!.id, ...everyone]);
      expect(await threads({ q: 'abc' }, insider)).toEqual([t.secret!.id, ...everyone]);
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
      expect(await messages({ q: 'hello', thread_id: t.secret!.id }, member)).toEqual([
        m.secret!.id,
      ]);
    });

    it('answers 404 THREAD_NOT_FOUND for a scope that is unknown or hidden from the viewer', async () => {
      const get = (threadId: string, viewer?: Member) =>
        request(h.app)
          .get('/api/messages/search')
          .set(viewer ? authHeader(viewer) : {})
          .query({ q: 'hello', thread_id: threadId });

      expectError(await get(UNKNOWN_ID), 404, 'THREAD_NOT_FOUND');
      expectError(await get(t.secret!.id), 404, 'THREAD_NOT_FOUND');
      expectError(await get(t.secret!.id, outsider), 404, 'THREAD_NOT_FOUND');
      // An invitee may look at the community itself, not search inside its threads.
      expectError(await get(t.secret!.id, invitee), 404, 'THREAD_NOT_FOUND');
    });

    it('finds messages of a private community for its members only', async () => {
      const everyone = [m.lower!.id, m.upper!.id];
      expect(await messages({ q: 'hello' }, outsider)).toEqual(everyone);
      expect(await messages({ q: 'hello' }, invitee)).toEqual(everyone);
      expect(await messages({ q: 'hello' }, member)).toEqual([m.secret!.id, ...everyone]);
      expect(await messages({ q: 'hello' }, insider)).toEqual([m.secret!.id, ...everyone]);
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
