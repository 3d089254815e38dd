import {
  Invitation,
  type Community,
  type DomainEvent,
  type ErrorCode,
  type Member,
  type Message,
  type Thread,
} from '@communities/contracts';
import request, { type Response } from 'supertest';
import { openApi, storeKinds, type ApiHarness } from '../support/api-harness';
import { createPrivateCommunity, expectHidden, headersOf, invite } from '../support/auth-fixtures';
import {
  UNKNOWN_ID,
  authHeader,
  createCommunity,
  createMember,
  createThread,
  expectError,
  expectStatus,
  joinCommunity,
  postMessage,
  takeEvents,
} from '../support/fixtures';

/**
 * A private community is invisible to whoever is not in it: every endpoint that could show it,
 * its threads or its messages answers 404 or leaves it out, while a member sees all of it.
 */
type App = ApiHarness['app'];

const ids = (body: unknown) => (body as { items: { id: string }[] }).items.map((i) => i.id);
const sorted = (values: string[]) => [...values].sort();

const join = (app: App, communityId: string, member: { id: string }) =>
  request(app).post(`/api/communities/${communityId}/join`).set(authHeader(member)).send({});
const getAs = (app: App, path: string, viewer?: { id: string }) =>
  request(app).get(path).set(headersOf(viewer));

describe.each(storeKinds())('private communities (%s store)', (kind) => {
  describe('what a non-member can learn', () => {
    /**
     * `hidden` is a private community of `owner` and `member`, with a thread, a message and a reply
     * about zebras; `open` is a public community of both with zebras too, so each search and list
     * has a public match next to the hidden one. `invitee` is invited to `hidden` but has not
     * joined: they may see the community itself, nothing in it.
     */
    interface Scene {
      owner: Member;
      member: Member;
      other: Member;
      invitee: Member;
      hidden: Community;
      open: Community;
      thread: Thread;
      message: Message;
      reply: Message;
      openThread: Thread;
      openMessage: Message;
    }
    let h: ApiHarness;
    let s: Scene;

    beforeAll(async () => {
      h = await openApi(kind);
      const owner = await createMember(h.app);
      const member = await createMember(h.app);
      const other = await createMember(h.app);
      const invitee = await createMember(h.app);
      const hidden = await createPrivateCommunity(h.app, owner, [member]);
      await invite(h.app, hidden.id, owner, invitee.id);
      const open = await createCommunity(h.app, owner.id);
      await joinCommunity(h.app, open.id, member.id);
      const thread = await createThread(h.app, hidden.id, member.id, { title: 'zebra secrets' });
      const message = await postMessage(h.app, thread.id, member.id, { content: 'zebra plans' });
      const reply = await postMessage(h.app, thread.id, owner.id, {
        content: 'zebra reply',
        reply_to: message.id,
      });
      const openThread = await createThread(h.app, open.id, member.id, { title: 'zebra news' });
      const openMessage = await postMessage(h.app, openThread.id, member.id, {
        content: 'zebra facts',
      });
      s = {
        owner,
        member,
        other,
        invitee,
        hidden,
        open,
        thread,
        message,
        reply,
        openThread,
        openMessage,
      };
    });
    afterAll(async () => {
      await h.close();
    });

    const communitiesOf = (res: Response, memberId: string): string[] => {
      const body = res.body as Member | { items: Member[] };
      const profile = 'items' in body ? body.items.find((m) => m.id === memberId) : body;
      if (!profile) throw new Error(`member ${memberId} is not in the answer`);
      return sorted(profile.communities);
    };

    interface Probe {
      name: string;
      send: (viewer: Member | undefined) => Promise<Response>;
      /** What a non-member gets: a 404 with this code, or an answer to check for omissions. */
      hidden: ErrorCode | ((res: Response) => void);
      /** What a member of the private community gets. */
      shown: (res: Response) => void;
      /** Needs a token: an anonymous caller is refused with 401 before anything is looked up. */
      needsToken?: true;
      /** The invitee is answered as a member (only the community itself). */
      shownToInvitee?: true;
    }

    const PROBES: Probe[] = [
      {
        name: 'GET /api/communities leaves it out',
        send: (v) => getAs(h.app, '/api/communities?limit=100', v),
        hidden: (res) => expect(ids(res.body)).toEqual([s.open.id]),
        shown: (res) => expect(sorted(ids(res.body))).toEqual(sorted([s.open.id, s.hidden.id])),
      },
      {
        name: 'GET /api/communities/:id',
        send: (v) => getAs(h.app, `/api/communities/${s.hidden.id}`, v),
        hidden: 'COMMUNITY_NOT_FOUND',
        shown: (res) => expect(res.body).toMatchObject({ id: s.hidden.id, is_public: false }),
        shownToInvitee: true,
      },
      {
        name: 'GET /api/communities/:id/members',
        send: (v) => getAs(h.app, `/api/communities/${s.hidden.id}/members`, v),
        hidden: 'COMMUNITY_NOT_FOUND',
        shown: (res) => expect(ids(res.body)).toEqual([s.owner.id, s.member.id]),
      },
      {
        name: 'GET /api/threads/community/:community_id',
        send: (v) => getAs(h.app, `/api/threads/community/${s.hidden.id}`, v),
        hidden: 'COMMUNITY_NOT_FOUND',
        shown: (res) => expect(ids(res.body)).toEqual([s.thread.id]),
      },
      {
        name: 'GET /api/threads/:id',
        send: (v) => getAs(h.app, `/api/threads/${s.thread.id}`, v),
        hidden: 'THREAD_NOT_FOUND',
        shown: (res) => expect(res.body).toMatchObject({ id: s.thread.id }),
      },
      {
        name: 'GET /api/messages/thread/:thread_id',
        send: (v) => getAs(h.app, `/api/messages/thread/${s.thread.id}`, v),
        hidden: 'THREAD_NOT_FOUND',
        shown: (res) => expect(ids(res.body)).toEqual([s.message.id, s.reply.id]),
      },
      {
        name: 'GET /api/messages/thread/:thread_id/replies/:message_id',
        send: (v) => getAs(h.app, `/api/messages/thread/${s.thread.id}/replies/${s.message.id}`, v),
        hidden: 'THREAD_NOT_FOUND',
        shown: (res) => expect(ids(res.body)).toEqual([s.reply.id]),
      },
      {
        name: 'GET /api/messages/:id',
        send: (v) => getAs(h.app, `/api/messages/${s.message.id}`, v),
        hidden: 'MESSAGE_NOT_FOUND',
        shown: (res) => expect(res.body).toMatchObject({ id: s.message.id }),
      },
      {
        name: 'GET /api/threads/search leaves its threads out',
        send: (v) => getAs(h.app, '/api/threads/search?q=zebra', v),
        hidden: (res) => expect(ids(res.body)).toEqual([s.openThread.id]),
        shown: (res) =>
          expect(sorted(ids(res.body))).toEqual(sorted([s.thread.id, s.openThread.id])),
      },
      {
        name: 'GET /api/threads/search?community_id=',
        send: (v) => getAs(h.app, `/api/threads/search?q=zebra&community_id=${s.hidden.id}`, v),
        hidden: 'COMMUNITY_NOT_FOUND',
        shown: (res) => expect(ids(res.body)).toEqual([s.thread.id]),
      },
      {
        name: 'GET /api/messages/search leaves its messages out',
        send: (v) => getAs(h.app, '/api/messages/search?q=zebra', v),
        hidden: (res) => expect(ids(res.body)).toEqual([s.openMessage.id]),
        shown: (res) =>
          expect(sorted(ids(res.body))).toEqual(
            sorted([s.message.id, s.reply.id, s.openMessage.id]),
          ),
      },
      {
        name: 'GET /api/messages/search?thread_id=',
        send: (v) => getAs(h.app, `/api/messages/search?q=zebra&thread_id=${s.thread.id}`, v),
        hidden: 'THREAD_NOT_FOUND',
        shown: (res) => expect(sorted(ids(res.body))).toEqual(sorted([s.message.id, s.reply.id])),
      },
      {
        name: "GET /api/members/:id leaves it out of the member's communities",
        send: (v) => getAs(h.app, `/api/members/${s.owner.id}`, v),
        hidden: (res) => expect(communitiesOf(res, s.owner.id)).toEqual([s.open.id]),
        shown: (res) =>
          expect(communitiesOf(res, s.owner.id)).toEqual(sorted([s.hidden.id, s.open.id])),
      },
      {
        name: "GET /api/members/username/:username leaves it out of the member's communities",
        send: (v) => getAs(h.app, `/api/members/username/${s.owner.username}`, v),
        hidden: (res) => expect(communitiesOf(res, s.owner.id)).toEqual([s.open.id]),
        shown: (res) =>
          expect(communitiesOf(res, s.owner.id)).toEqual(sorted([s.hidden.id, s.open.id])),
      },
      {
        name: "GET /api/members leaves it out of each member's communities",
        send: (v) => getAs(h.app, '/api/members?limit=100', v),
        hidden: (res) => expect(communitiesOf(res, s.member.id)).toEqual([s.open.id]),
        shown: (res) =>
          expect(communitiesOf(res, s.member.id)).toEqual(sorted([s.hidden.id, s.open.id])),
      },
      {
        name: "GET /api/communities/:id/members (a public one) leaves it out of each member's communities",
        send: (v) => getAs(h.app, `/api/communities/${s.open.id}/members`, v),
        hidden: (res) => expect(communitiesOf(res, s.owner.id)).toEqual([s.open.id]),
        shown: (res) =>
          expect(communitiesOf(res, s.owner.id)).toEqual(sorted([s.hidden.id, s.open.id])),
      },
      {
        name: 'GET /api/members/:id/communities leaves it out',
        send: (v) => getAs(h.app, `/api/members/${s.owner.id}/communities`, v),
        hidden: (res) => expect(ids(res.body)).toEqual([s.open.id]),
        shown: (res) => expect(ids(res.body)).toEqual([s.hidden.id, s.open.id]),
      },
      {
        // The owner made both communities and replied in the hidden one, after making the open one.
        name: 'GET /api/members/:id/activity leaves it out of the counts',
        send: (v) => getAs(h.app, `/api/members/${s.owner.id}/activity`, v),
        hidden: (res) => {
          expect(res.body).toMatchObject({
            communities_joined: 1,
            threads_created: 0,
            messages_posted: 0,
          });
          const last = (res.body as { last_activity: string }).last_activity;
          expect(Date.parse(last)).toBeLessThan(Date.parse(s.reply.created_at));
        },
        shown: (res) =>
          expect(res.body).toMatchObject({
            communities_joined: 2,
            threads_created: 0,
            messages_posted: 1,
            last_activity: s.reply.created_at,
          }),
      },
      {
        name: 'POST /api/realtime/grants for its community channel',
        needsToken: true,
        send: (v) =>
          request(h.app)
            .post('/api/realtime/grants')
            .set(headersOf(v))
            .send({ channels: [`community:${s.hidden.id}`] }),
        hidden: 'COMMUNITY_NOT_FOUND',
        shown: (res) => expect(res.body).toMatchObject({ grants: [expect.any(Object)] }),
      },
      {
        name: 'POST /api/realtime/grants for a channel of its thread',
        needsToken: true,
        send: (v) =>
          request(h.app)
            .post('/api/realtime/grants')
            .set(headersOf(v))
            .send({ channels: [`thread:${s.thread.id}`] }),
        hidden: 'THREAD_NOT_FOUND',
        shown: (res) => expect(res.body).toMatchObject({ grants: [expect.any(Object)] }),
      },
    ];

    const viewerOf = (who: 'anonymous' | 'other' | 'invitee') =>
      who === 'anonymous' ? undefined : s[who];

    it.each(
      PROBES.flatMap((probe) =>
        (['anonymous', 'other', 'invitee'] as const)
          .filter((who) => !(who === 'invitee' && probe.shownToInvitee))
          .map((who) => ({ ...probe, who })),
      ),
    )('$name: hidden from $who', async ({ send, hidden, needsToken, who }) => {
      const res = await send(viewerOf(who));

      if (needsToken && who === 'anonymous') expectError(res, 401, 'UNAUTHENTICATED');
      else if (typeof hidden === 'string') expectHidden(res, hidden);
      else {
        expectStatus(res, 200);
        hidden(res);
        // Not a trace anywhere in the answer (a 404 names only the id the caller sent).
        for (const secret of [s.hidden.id, s.thread.id, s.message.id, 'zebra secrets']) {
          expect(res.text).not.toContain(secret);
        }
      }
    });

    it.each(PROBES.filter((probe) => probe.shownToInvitee))(
      '$name: shown to an invitee',
      async ({ send, shown }) => {
        const res = await send(s.invitee);

        expectStatus(res, 200);
        shown(res);
      },
    );

    it.each(PROBES)('$name: shown to a member', async ({ send, shown }) => {
      const res = await send(s.member);

      expectStatus(res, 200);
      shown(res);
    });
  });

  describe('flows', () => {
    let h: ApiHarness;

    beforeEach(async () => {
      h = await openApi(kind);
    });
    afterEach(async () => {
      await h.close();
    });

    const revocations = (events: DomainEvent[]) =>
      events.filter((e) => e.type === 'access_revoked').map((e) => e.data);

    describe('a non-member cannot tell it from a community that does not exist', () => {
      const CALLS = [
        {
          name: 'GET /api/communities/:id',
          send: (id: string, v?: Member) => getAs(h.app, `/api/communities/${id}`, v),
        },
        {
          name: 'GET /api/threads/community/:community_id',
          send: (id: string, v?: Member) => getAs(h.app, `/api/threads/community/${id}`, v),
        },
        {
          name: 'PUT /api/communities/:id',
          send: (id: string, v?: Member) =>
            request(h.app).put(`/api/communities/${id}`).set(headersOf(v)).send({ name: 'Mine' }),
        },
        {
          name: 'POST /api/communities/:id/join',
          send: (id: string, v?: Member) =>
            request(h.app).post(`/api/communities/${id}/join`).set(headersOf(v)).send({}),
        },
        {
          name: 'POST /api/communities/:id/invitations',
          send: (id: string, v?: Member) =>
            request(h.app)
              .post(`/api/communities/${id}/invitations`)
              .set(headersOf(v))
              .send({ member_id: v?.id ?? UNKNOWN_ID }),
        },
        {
          name: 'POST /api/threads/community/:community_id',
          send: (id: string, v?: Member) =>
            request(h.app)
              .post(`/api/threads/community/${id}`)
              .set(headersOf(v))
              .send({ title: 'Hello' }),
        },
      ];

      /** The error as a client sees it, the id it asked for and the request id set aside. */
      function errorShape(res: Response, id: string): string {
        const error = { ...(res.body as { error: object }).error, request_id: 'any' };
        return `${res.status} ${JSON.stringify(error).replaceAll(id, ':id')}`;
      }

      it.each(CALLS)('$name', async ({ send }) => {
        const owner = await createMember(h.app);
        const other = await createMember(h.app);
        const hidden = await createPrivateCommunity(h.app, owner);

        for (const viewer of [undefined, other]) {
          const forHidden = await send(hidden.id, viewer);
          const forUnknown = await send(UNKNOWN_ID, viewer);

          expect(forHidden.status).toBeGreaterThanOrEqual(400);
          expect(errorShape(forHidden, hidden.id)).toBe(errorShape(forUnknown, UNKNOWN_ID));
        }
        // The control: the owner, who may see it, is answered differently.
        expect((await send(hidden.id, owner)).status).toBeLessThan(300);
      });
    });

    describe('invitations', () => {
      it('lets in whoever was invited, by the join, and nobody else', async () => {
        const owner = await createMember(h.app);
        const invitee = await createMember(h.app);
        const community = await createPrivateCommunity(h.app, owner);
        const thread = await createThread(h.app, community.id, owner.id);

        expectHidden(await join(h.app, community.id, invitee), 'COMMUNITY_NOT_FOUND');
        const invitation = await invite(h.app, community.id, owner, invitee.id);

        expect(invitation).toMatchObject({
          community_id: community.id,
          member_id: invitee.id,
          invited_by: owner.id,
        });
        // What an invitee may and may not see before joining: the table above.
        expectStatus(await getAs(h.app, `/api/communities/${community.id}`, invitee), 200);
        expect(ids((await getAs(h.app, '/api/communities', invitee)).body)).toEqual([]);

        const joined = await join(h.app, community.id, invitee);

        expectStatus(joined, 200);
        expect(joined.body).toMatchObject({ is_member: true, changed: true, member_count: 2 });
        expectStatus(await getAs(h.app, `/api/threads/${thread.id}`, invitee), 200);
        expect(ids((await getAs(h.app, '/api/communities', invitee)).body)).toEqual([community.id]);
        // Joining again changes nothing.
        expect((await join(h.app, community.id, invitee)).body).toMatchObject({ changed: false });
      });

      it('is consumed by the join: after leaving, the door is shut again', async () => {
        const owner = await createMember(h.app);
        const invitee = await createMember(h.app);
        const community = await createPrivateCommunity(h.app, owner);
        await invite(h.app, community.id, owner, invitee.id);
        expectStatus(await join(h.app, community.id, invitee), 200);

        expectStatus(
          await request(h.app)
            .post(`/api/communities/${community.id}/leave`)
            .set(authHeader(invitee))
            .send({}),
          200,
        );

        expectHidden(await join(h.app, community.id, invitee), 'COMMUNITY_NOT_FOUND');
        await invite(h.app, community.id, owner, invitee.id);
        expectStatus(await join(h.app, community.id, invitee), 200);
      });

      it('is one invitation however often it is sent', async () => {
        const owner = await createMember(h.app);
        const invitee = await createMember(h.app);
        const community = await createPrivateCommunity(h.app, owner);

        const first = await invite(h.app, community.id, owner, invitee.id);
        const second = await invite(h.app, community.id, owner, invitee.id);

        expect(Invitation.parse(second)).toEqual(first);
      });

      it('stops letting in once withdrawn (and withdrawing is idempotent)', async () => {
        const owner = await createMember(h.app);
        const invitee = await createMember(h.app);
        const community = await createPrivateCommunity(h.app, owner);
        await invite(h.app, community.id, owner, invitee.id);
        expectStatus(await getAs(h.app, `/api/communities/${community.id}`, invitee), 200);
        const uninvite = () =>
          request(h.app)
            .delete(`/api/communities/${community.id}/invitations/${invitee.id}`)
            .set(authHeader(owner));

        expectStatus(await uninvite(), 204);
        expectStatus(await uninvite(), 204);

        expectHidden(
          await getAs(h.app, `/api/communities/${community.id}`, invitee),
          'COMMUNITY_NOT_FOUND',
        );
        expectHidden(await join(h.app, community.id, invitee), 'COMMUNITY_NOT_FOUND');
      });

      it('cannot be sent by a plain member, nor to a member that does not exist', async () => {
        const owner = await createMember(h.app);
        const member = await createMember(h.app);
        const invitee = await createMember(h.app);
        const community = await createPrivateCommunity(h.app, owner, [member]);
        const send = (by: Member, memberId: string) =>
          request(h.app)
            .post(`/api/communities/${community.id}/invitations`)
            .set(authHeader(by))
            .send({ member_id: memberId });

        expectError(await send(member, invitee.id), 403, 'FORBIDDEN');
        expectError(await send(owner, UNKNOWN_ID), 404, 'MEMBER_NOT_FOUND');
        expectStatus(await send(owner, invitee.id), 201);
      });
    });

    describe('removal', () => {
      async function scene() {
        const owner = await createMember(h.app);
        const moderator = await createMember(h.app);
        const member = await createMember(h.app);
        const community = await createPrivateCommunity(h.app, owner, [moderator, member]);
        expectStatus(
          await request(h.app)
            .put(`/api/communities/${community.id}/moderators/${moderator.id}`)
            .set(authHeader(owner)),
          200,
        );
        const thread = await createThread(h.app, community.id, member.id);
        takeEvents(h);
        const remove = (by: Member, target: { id: string }) =>
          request(h.app)
            .delete(`/api/communities/${community.id}/members/${target.id}`)
            .set(authHeader(by));
        return { owner, moderator, member, community, thread, remove };
      }

      it('by a moderator shuts the member out and revokes their access', async () => {
        const { moderator, member, community, thread, remove } = await scene();
        expectStatus(await getAs(h.app, `/api/threads/${thread.id}`, member), 200);

        const res = await remove(moderator, member);

        expectStatus(res, 204);
        expectHidden(
          await getAs(h.app, `/api/communities/${community.id}`, member),
          'COMMUNITY_NOT_FOUND',
        );
        expectHidden(await getAs(h.app, `/api/threads/${thread.id}`, member), 'THREAD_NOT_FOUND');
        expectHidden(
          await request(h.app)
            .post(`/api/messages/thread/${thread.id}`)
            .set(authHeader(member))
            .send({ content: 'still here?' }),
          'THREAD_NOT_FOUND',
        );
        const events = takeEvents(h);
        expect(events.map((e) => e.type)).toEqual(['member_left', 'access_revoked']);
        expect(revocations(events)).toEqual([
          {
            scope: 'membership',
            community_id: community.id,
            member_id: member.id,
            membership_id: expect.stringMatching(/^[0-9a-f]{24}$/),
            reason: 'removed',
          },
        ]);
        expect(
          (await getAs(h.app, `/api/communities/${community.id}`, moderator)).body,
        ).toMatchObject({ member_count: 2 });
      });

      it('of the owner or another moderator is not a moderator’s to make', async () => {
        const { owner, moderator, member, community, remove } = await scene();
        const second = await createMember(h.app);
        await invite(h.app, community.id, owner, second.id);
        expectStatus(await join(h.app, community.id, second), 200);
        expectStatus(
          await request(h.app)
            .put(`/api/communities/${community.id}/moderators/${second.id}`)
            .set(authHeader(owner)),
          200,
        );

        expectError(await remove(moderator, owner), 403, 'FORBIDDEN');
        expectError(await remove(moderator, second), 403, 'FORBIDDEN');
        expectError(await remove(owner, owner), 403, 'FORBIDDEN');
        expectError(await remove(moderator, { id: UNKNOWN_ID }), 409, 'NOT_A_MEMBER');

        expectStatus(await remove(owner, second), 204);
        expectStatus(await remove(moderator, member), 204);
      });
    });

    describe('leaving', () => {
      it('shuts the leaver out of a private community and revokes their access', async () => {
        const owner = await createMember(h.app);
        const member = await createMember(h.app);
        const community = await createPrivateCommunity(h.app, owner, [member]);
        const thread = await createThread(h.app, community.id, owner.id);
        expectStatus(await getAs(h.app, `/api/threads/${thread.id}`, member), 200);
        takeEvents(h);

        const res = await request(h.app)
          .post(`/api/communities/${community.id}/leave`)
          .set(authHeader(member))
          .send({});

        expectStatus(res, 200);
        expect(res.body).toMatchObject({ is_member: false, changed: true, member_count: 1 });
        expectHidden(
          await getAs(h.app, `/api/communities/${community.id}`, member),
          'COMMUNITY_NOT_FOUND',
        );
        expectHidden(await getAs(h.app, `/api/threads/${thread.id}`, member), 'THREAD_NOT_FOUND');
        expect(ids((await getAs(h.app, '/api/communities', member)).body)).toEqual([]);
        // Leaving again is not idempotent-200 any more: the community is gone from their view.
        expectHidden(
          await request(h.app)
            .post(`/api/communities/${community.id}/leave`)
            .set(authHeader(member))
            .send({}),
          'COMMUNITY_NOT_FOUND',
        );
        expect(revocations(takeEvents(h))).toEqual([
          {
            scope: 'membership',
            community_id: community.id,
            member_id: member.id,
            membership_id: expect.stringMatching(/^[0-9a-f]{24}$/),
            reason: 'left',
          },
        ]);
      });

      it('of a public community revokes nothing (everyone may still read it)', async () => {
        const owner = await createMember(h.app);
        const member = await createMember(h.app);
        const community = await createCommunity(h.app, owner.id);
        await joinCommunity(h.app, community.id, member.id);
        takeEvents(h);

        expectStatus(
          await request(h.app)
            .post(`/api/communities/${community.id}/leave`)
            .set(authHeader(member))
            .send({}),
          200,
        );

        expect(takeEvents(h).map((e) => e.type)).toEqual(['member_left']);
        expectStatus(await getAs(h.app, `/api/communities/${community.id}`, member), 200);
      });
    });

    describe('a public community turning private', () => {
      it('disappears for non-members and stays for members', async () => {
        const owner = await createMember(h.app);
        const member = await createMember(h.app);
        const other = await createMember(h.app);
        const community = await createCommunity(h.app, owner.id);
        await joinCommunity(h.app, community.id, member.id);
        const thread = await createThread(h.app, community.id, member.id);
        const paths = [
          `/api/communities/${community.id}`,
          `/api/threads/community/${community.id}`,
          `/api/threads/${thread.id}`,
        ];
        for (const path of paths) expectStatus(await getAs(h.app, path, other), 200);
        takeEvents(h);

        const res = await request(h.app)
          .put(`/api/communities/${community.id}`)
          .set(authHeader(owner))
          .send({ is_public: false });

        expectStatus(res, 200);
        for (const viewer of [undefined, other]) {
          expectStatus(await getAs(h.app, paths[0]!, viewer), 404);
          expectStatus(await getAs(h.app, paths[1]!, viewer), 404);
          expectHidden(await getAs(h.app, paths[2]!, viewer), 'THREAD_NOT_FOUND');
          expect(ids((await getAs(h.app, '/api/communities', viewer)).body)).toEqual([]);
        }
        for (const path of paths) expectStatus(await getAs(h.app, path, member), 200);
        const events = takeEvents(h);
        expect(events.map((e) => e.type)).toEqual(['community_updated', 'access_revoked']);
        expect(revocations(events)).toEqual([
          {
            scope: 'community',
            community_id: community.id,
            reason: 'became_private',
            access_epoch: expect.any(String),
          },
        ]);
      });

      it('revokes nothing when a community is edited without turning private', async () => {
        const owner = await createMember(h.app);
        const community = await createCommunity(h.app, owner.id);
        takeEvents(h);

        expectStatus(
          await request(h.app)
            .put(`/api/communities/${community.id}`)
            .set(authHeader(owner))
            .send({ description: 'still public', is_public: true }),
          200,
        );

        expect(takeEvents(h).map((e) => e.type)).toEqual(['community_updated']);
      });
    });

    describe('events on the global channel', () => {
      it('announces the creation of a public community, never of a private one', async () => {
        const owner = await createMember(h.app);
        takeEvents(h);

        const open = await createCommunity(h.app, owner.id);
        const hidden = await createCommunity(h.app, owner.id, { is_public: false });

        const events = takeEvents(h);
        expect(events.filter((e) => e.type === 'community_created')).toEqual([
          expect.objectContaining({ channel: 'global:notifications', data: { community: open } }),
        ]);
        expect(JSON.stringify(events)).not.toContain(hidden.id);
      });

      it('announces the deletion of a public community only, and revokes access to both', async () => {
        const owner = await createMember(h.app);
        const open = await createCommunity(h.app, owner.id);
        const hidden = await createCommunity(h.app, owner.id, { is_public: false });
        takeEvents(h);
        const remove = (id: string) =>
          request(h.app).delete(`/api/communities/${id}`).set(authHeader(owner));

        expectStatus(await remove(open.id), 204);
        expectStatus(await remove(hidden.id), 204);

        const events = takeEvents(h);
        expect(events.filter((e) => e.channel === 'global:notifications')).toEqual([
          expect.objectContaining({ type: 'community_deleted', data: { community_id: open.id } }),
        ]);
        expect(revocations(events)).toEqual([
          { scope: 'community', community_id: open.id, reason: 'deleted' },
          { scope: 'community', community_id: hidden.id, reason: 'deleted' },
        ]);
      });
    });
  });
});
