import {
  AppError,
  DomainEvent,
  communityChannel,
  type Community,
  type ErrorCode,
  type Member,
} from '@communities/contracts';
import { CommunityAccess } from '../../access/community-access';
import { PasswordHasher } from '../../auth/password-hasher';
import { RecordingPublisher } from '../../events/event-publisher';
import { NedbDocumentDb } from '../../store/embedded/nedb-document-db';
import { createRepositories, ensureIndexes, type Repositories } from '../../store/repositories';
import { CommunityService } from '../communities/community.service';
import { MemberService } from '../members/member.service';
import { ThreadService } from './thread.service';

let repos: Repositories;
let events: RecordingPublisher;
let members: MemberService;
let communities: CommunityService;
let threads: ThreadService;
/** Owner of `community`. */
let ada: Member;
/** A plain member of `community`. */
let grace: Member;
/** A moderator of `community`. */
let mod: Member;
/** A member of no community. */
let outsider: Member;
let community: Community;

// The lowest cost the hasher accepts: these tests are about threads, not passwords.
const hasher = new PasswordHasher(10);
let seq = 0;

function newMember(): Promise<Member> {
  seq += 1;
  return members.create({
    username: `member${seq}`,
    email: `m${seq}@example.com`,
    password: 'correct horse battery',
  });
}

const communityBody = {
  name: 'Rust',
  description: '',
  is_public: true,
  tags: [],
  avatar_url: null,
};

beforeEach(async () => {
  repos = createRepositories(await NedbDocumentDb.open());
  await ensureIndexes(repos);
  events = new RecordingPublisher();
  const access = new CommunityAccess(repos);
  members = new MemberService(repos, access, hasher, events);
  communities = new CommunityService(repos, members, access, events);
  threads = new ThreadService(repos, access, members, events);
  [ada, grace, mod, outsider] = [
    await newMember(),
    await newMember(),
    await newMember(),
    await newMember(),
  ];
  community = await communities.create(ada, communityBody);
  await communities.join(community.id, grace, {});
  await communities.join(community.id, mod, {});
  await communities.addModerator(community.id, ada, mod.id);
  events.events.length = 0;
});

afterEach(() => {
  for (const event of events.events) expect(DomainEvent.safeParse(event).success).toBe(true);
});

const body = { title: 'Hello', content: 'first', tags: ['intro'] };
const unknownId = 'f'.repeat(24);
const types = (): string[] => events.events.map((e) => e.type);

async function expectCode(work: Promise<unknown>, code: ErrorCode): Promise<void> {
  await expect(work).rejects.toBeInstanceOf(AppError);
  await expect(work).rejects.toMatchObject({ code });
}

describe('ThreadService.create', () => {
  it('creates a thread and announces it on the community channel', async () => {
    const thread = await threads.create(community.id, grace, body);
    expect(thread).toMatchObject({
      community_id: community.id,
      created_by: grace.id,
      title: 'Hello',
      tags: ['intro'],
      message_count: 0,
      is_pinned: false,
    });
    expect(events.events).toEqual([
      expect.objectContaining({
        type: 'new_thread',
        channel: communityChannel(community.id),
        data: { thread },
      }),
    ]);
  });

  it('takes the author from the actor: created_by may name them, never someone else', async () => {
    const thread = await threads.create(community.id, grace, { ...body, created_by: grace.id });
    expect(thread.created_by).toBe(grace.id);
    await expectCode(
      threads.create(community.id, grace, { ...body, created_by: ada.id }),
      'FORBIDDEN',
    );
    expect((await threads.listOfCommunity(community.id, grace, { limit: 5 })).items).toEqual([
      thread,
    ]);
  });

  it('refuses a non-member, an inactive author and an unknown community', async () => {
    await expectCode(threads.create(community.id, outsider, body), 'FORBIDDEN');
    await members.deactivate(grace.id, grace);
    await expectCode(threads.create(community.id, grace, body), 'MEMBER_INACTIVE');
    await expectCode(threads.create(unknownId, ada, body), 'COMMUNITY_NOT_FOUND');
    expect((await threads.listOfCommunity(community.id, ada, { limit: 5 })).items).toEqual([]);
    expect(types()).not.toContain('new_thread');
  });
});

describe('ThreadService.update and togglePin', () => {
  it('announces an update and a pin toggle, and nothing for an unknown thread', async () => {
    const thread = await threads.create(community.id, ada, body);
    events.events.length = 0;
    const renamed = await threads.update(thread.id, ada, { title: 'Renamed' });
    expect(renamed.title).toBe('Renamed');
    const pinned = await threads.togglePin(thread.id, ada);
    expect(pinned.is_pinned).toBe(true);
    await expectCode(threads.update(unknownId, ada, { title: 'x' }), 'THREAD_NOT_FOUND');
    await expectCode(threads.togglePin(unknownId, ada), 'THREAD_NOT_FOUND');
    expect(events.events).toEqual([
      expect.objectContaining({ type: 'thread_updated', data: { thread: renamed } }),
      expect.objectContaining({ type: 'thread_updated', data: { thread: pinned } }),
    ]);
  });

  it('lets the author and moderators edit a thread, and refuses other members', async () => {
    const thread = await threads.create(community.id, grace, body);
    expect((await threads.update(thread.id, grace, { title: 'By author' })).title).toBe(
      'By author',
    );
    expect((await threads.update(thread.id, mod, { title: 'By moderator' })).title).toBe(
      'By moderator',
    );
    const other = await threads.create(community.id, ada, body);
    events.events.length = 0;

    await expectCode(threads.update(other.id, grace, { title: 'Hijacked' }), 'FORBIDDEN');
    await expectCode(threads.update(other.id, outsider, { title: 'Hijacked' }), 'FORBIDDEN');
    expect((await threads.get(other.id, undefined)).title).toBe('Hello');
    expect(events.events).toEqual([]);
  });

  it('lets the owner and moderators pin, and refuses plain members and outsiders', async () => {
    const thread = await threads.create(community.id, grace, body);
    events.events.length = 0;

    await expectCode(threads.togglePin(thread.id, grace), 'FORBIDDEN');
    await expectCode(threads.togglePin(thread.id, outsider), 'FORBIDDEN');
    expect((await threads.get(thread.id, undefined)).is_pinned).toBe(false);
    expect(events.events).toEqual([]);

    expect((await threads.togglePin(thread.id, mod)).is_pinned).toBe(true);
    expect((await threads.togglePin(thread.id, ada)).is_pinned).toBe(false);
  });
});

describe('ThreadService.listOfCommunity', () => {
  it('lists pinned threads first, and only for a known community', async () => {
    const older = await threads.create(community.id, ada, { ...body, title: 'older' });
    const newer = await threads.create(community.id, ada, { ...body, title: 'newer' });
    await threads.togglePin(older.id, ada);
    const { items } = await threads.listOfCommunity(community.id, undefined, { limit: 5 });
    expect(items.map((t) => t.id)).toEqual([older.id, newer.id]);
    await expectCode(
      threads.listOfCommunity(unknownId, undefined, { limit: 5 }),
      'COMMUNITY_NOT_FOUND',
    );
  });
});

describe('ThreadService.delete', () => {
  const messageIn = (threadId: string) =>
    repos.messages
      .create({
        thread_id: threadId,
        community_id: community.id,
        author: ada.id,
        content: 'm',
        reply_to: null,
        attachments: [],
      })
      .then(({ message }) => message);

  it('deletes a thread with its messages only, and announces it once', async () => {
    const doomed = await threads.create(community.id, ada, body);
    const kept = await threads.create(community.id, ada, body);
    const [gone, stays] = [await messageIn(doomed.id), await messageIn(kept.id)];
    events.events.length = 0;

    await threads.delete(doomed.id, ada);
    await expectCode(threads.get(doomed.id, ada), 'THREAD_NOT_FOUND');
    expect(await repos.messages.get(gone.id)).toBeNull();
    expect(await repos.messages.get(stays.id)).toEqual(stays);
    expect(events.events).toEqual([
      expect.objectContaining({
        type: 'thread_deleted',
        channel: communityChannel(community.id),
        data: { thread_id: doomed.id, community_id: community.id },
      }),
      expect.objectContaining({
        type: 'access_revoked',
        data: {
          scope: 'thread',
          thread_id: doomed.id,
          community_id: community.id,
          reason: 'deleted',
        },
      }),
    ]);

    await expectCode(threads.delete(doomed.id, ada), 'THREAD_NOT_FOUND');
    expect(types()).toEqual(['thread_deleted', 'access_revoked']);
  });

  it("refuses other members' deletes, keeping the thread and its messages", async () => {
    const thread = await threads.create(community.id, ada, body);
    const message = await messageIn(thread.id);
    events.events.length = 0;

    await expectCode(threads.delete(thread.id, grace), 'FORBIDDEN');
    await expectCode(threads.delete(thread.id, outsider), 'FORBIDDEN');
    expect(await threads.get(thread.id, undefined)).toEqual({ ...thread, message_count: 1 });
    expect(await repos.messages.get(message.id)).toEqual(message);
    expect(events.events).toEqual([]);
  });

  it("lets a moderator delete someone else's thread and the author their own", async () => {
    const byGrace = await threads.create(community.id, grace, body);
    const byAda = await threads.create(community.id, ada, body);

    await threads.delete(byAda.id, mod);
    await threads.delete(byGrace.id, grace);
    expect((await threads.listOfCommunity(community.id, ada, { limit: 5 })).items).toEqual([]);
    expect(types()).toEqual([
      'new_thread',
      'new_thread',
      'thread_deleted',
      'access_revoked',
      'thread_deleted',
      'access_revoked',
    ]);
  });
});

describe('ThreadService in a private community', () => {
  it('hides its threads from non-members, reads and writes alike, as THREAD_NOT_FOUND', async () => {
    const hidden = await communities.create(ada, { ...communityBody, is_public: false });
    const thread = await threads.create(hidden.id, ada, body);
    events.events.length = 0;

    for (const viewer of [undefined, outsider]) {
      await expectCode(threads.get(thread.id, viewer), 'THREAD_NOT_FOUND');
      await expectCode(
        threads.listOfCommunity(hidden.id, viewer, { limit: 5 }),
        'COMMUNITY_NOT_FOUND',
      );
    }
    // 404 before 403: a write by a non-member does not reveal the thread exists.
    await expectCode(threads.create(hidden.id, outsider, body), 'COMMUNITY_NOT_FOUND');
    await expectCode(threads.update(thread.id, outsider, { title: 'x' }), 'THREAD_NOT_FOUND');
    await expectCode(threads.togglePin(thread.id, outsider), 'THREAD_NOT_FOUND');
    await expectCode(threads.delete(thread.id, outsider), 'THREAD_NOT_FOUND');
    expect(await threads.get(thread.id, ada)).toEqual(thread);
    expect(events.events).toEqual([]);
  });

  it('hides its threads from an invitee until they join (they may only see the community)', async () => {
    const hidden = await communities.create(ada, { ...communityBody, is_public: false });
    const thread = await threads.create(hidden.id, ada, body);
    await communities.invite(hidden.id, ada, grace.id);
    expect((await communities.get(hidden.id, grace)).id).toBe(hidden.id);

    await expectCode(threads.get(thread.id, grace), 'THREAD_NOT_FOUND');
    await expectCode(
      threads.listOfCommunity(hidden.id, grace, { limit: 5 }),
      'COMMUNITY_NOT_FOUND',
    );

    await communities.join(hidden.id, grace, {});
    expect(await threads.get(thread.id, grace)).toEqual(thread);
  });
});

describe('ThreadService.search', () => {
  it('searches titles and contents within a community', async () => {
    const match = await threads.create(community.id, ada, { ...body, title: 'About C++' });
    await threads.create(community.id, ada, { ...body, title: 'About Cxx', content: '' });
    const { items } = await threads.search('c++', community.id, undefined, { limit: 5 });
    expect(items.map((t) => t.id)).toEqual([match.id]);
  });

  it('leaves out private communities the viewer is not in, unless they are a member', async () => {
    const hidden = await communities.create(ada, { ...communityBody, is_public: false });
    const secret = await threads.create(hidden.id, ada, { ...body, title: 'needle (private)' });
    const open = await threads.create(community.id, ada, { ...body, title: 'needle (public)' });
    const search = async (viewer: Member | undefined) =>
      (await threads.search('needle', undefined, viewer, { limit: 5 })).items.map((t) => t.id);

    expect(await search(undefined)).toEqual([open.id]);
    expect(await search(grace)).toEqual([open.id]);
    expect(await search(ada)).toEqual([open.id, secret.id]);
    await expectCode(
      threads.search('needle', hidden.id, grace, { limit: 5 }),
      'COMMUNITY_NOT_FOUND',
    );
    expect(
      (await threads.search('needle', hidden.id, ada, { limit: 5 })).items.map((t) => t.id),
    ).toEqual([secret.id]);
  });
});
