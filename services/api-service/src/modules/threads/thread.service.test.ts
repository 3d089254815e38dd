import {
  AppError,
  DomainEvent,
  communityChannel,
  type Community,
  type ErrorCode,
  type Member,
} from '@communities/contracts';
import { RecordingPublisher } from '../../events/event-publisher';
import { NedbDocumentDb } from '../../store/embedded/nedb-document-db';
import { createRepositories, ensureIndexes, type Repositories } from '../../store/repositories';
import { CommunityService } from '../communities/community.service';
import { MemberService } from '../members/member.service';
import { ThreadService } from './thread.service';

let repos: Repositories;
let events: RecordingPublisher;
let members: MemberService;
let threads: ThreadService;
let ada: Member;
let community: Community;

beforeEach(async () => {
  repos = createRepositories(await NedbDocumentDb.open());
  await ensureIndexes(repos);
  events = new RecordingPublisher();
  members = new MemberService(repos);
  const communities = new CommunityService(repos, members, events);
  threads = new ThreadService(repos, communities, members, events);
  ada = await members.create({ username: 'ada', email: 'ada@example.com' });
  community = await communities.create(ada.id, {
    name: 'Rust',
    description: '',
    is_public: true,
    tags: [],
    avatar_url: null,
  });
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

describe('ThreadService', () => {
  it('creates a thread and announces it on the community channel', async () => {
    const thread = await threads.create(community.id, ada.id, body);
    expect(thread).toMatchObject({
      community_id: community.id,
      created_by: ada.id,
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

  it('refuses an inactive author, an unknown author and an unknown community', async () => {
    await members.deactivate(ada.id);
    await expectCode(threads.create(community.id, ada.id, body), 'MEMBER_INACTIVE');
    await expectCode(threads.create(community.id, unknownId, body), 'MEMBER_NOT_FOUND');
    await expectCode(threads.create(unknownId, ada.id, body), 'COMMUNITY_NOT_FOUND');
    expect((await threads.listOfCommunity(community.id, { limit: 5 })).items).toEqual([]);
    expect(events.events).toEqual([]);
  });

  it('announces an update and a pin toggle, and nothing for an unknown thread', async () => {
    const thread = await threads.create(community.id, ada.id, body);
    events.events.length = 0;
    const renamed = await threads.update(thread.id, { title: 'Renamed' });
    expect(renamed.title).toBe('Renamed');
    const pinned = await threads.togglePin(thread.id);
    expect(pinned.is_pinned).toBe(true);
    await expectCode(threads.update(unknownId, { title: 'x' }), 'THREAD_NOT_FOUND');
    await expectCode(threads.togglePin(unknownId), 'THREAD_NOT_FOUND');
    expect(events.events).toEqual([
      expect.objectContaining({ type: 'thread_updated', data: { thread: renamed } }),
      expect.objectContaining({ type: 'thread_updated', data: { thread: pinned } }),
    ]);
  });

  it('lists pinned threads first, and only for a known community', async () => {
    const older = await threads.create(community.id, ada.id, { ...body, title: 'older' });
    const newer = await threads.create(community.id, ada.id, { ...body, title: 'newer' });
    await threads.togglePin(older.id);
    const { items } = await threads.listOfCommunity(community.id, { limit: 5 });
    expect(items.map((t) => t.id)).toEqual([older.id, newer.id]);
    await expectCode(threads.listOfCommunity(unknownId, { limit: 5 }), 'COMMUNITY_NOT_FOUND');
  });

  it('deletes a thread with its messages only, and announces it once', async () => {
    const doomed = await threads.create(community.id, ada.id, body);
    const kept = await threads.create(community.id, ada.id, body);
    const messageIn = (threadId: string) =>
      repos.messages.create({
        thread_id: threadId,
        community_id: community.id,
        author: ada.id,
        content: 'm',
        reply_to: null,
        attachments: [],
      });
    const [gone, stays] = [await messageIn(doomed.id), await messageIn(kept.id)];
    events.events.length = 0;

    await threads.delete(doomed.id);
    await expectCode(threads.get(doomed.id), 'THREAD_NOT_FOUND');
    expect(await repos.messages.get(gone.id)).toBeNull();
    expect(await repos.messages.get(stays.id)).toEqual(stays);
    expect(events.events).toEqual([
      expect.objectContaining({
        type: 'thread_deleted',
        channel: communityChannel(community.id),
        data: { thread_id: doomed.id, community_id: community.id },
      }),
    ]);

    await expectCode(threads.delete(doomed.id), 'THREAD_NOT_FOUND');
    expect(types()).toEqual(['thread_deleted']);
  });

  it('searches titles and contents within a community', async () => {
    const match = await threads.create(community.id, ada.id, { ...body, title: 'About C++' });
    await threads.create(community.id, ada.id, { ...body, title: 'About Cxx', content: '' });
    const { items } = await threads.search('c++', community.id, { limit: 5 });
    expect(items.map((t) => t.id)).toEqual([match.id]);
  });
});
