import {
  AppError,
  DomainEvent,
  GLOBAL_CHANNEL,
  communityChannel,
  type ErrorCode,
  type Member,
} from '@communities/contracts';
import { RecordingPublisher } from '../../events/event-publisher';
import { NedbDocumentDb } from '../../store/embedded/nedb-document-db';
import { createRepositories, ensureIndexes, type Repositories } from '../../store/repositories';
import { MemberService } from '../members/member.service';
import { CommunityService } from './community.service';

let repos: Repositories;
let events: RecordingPublisher;
let members: MemberService;
let communities: CommunityService;
let seq = 0;

beforeEach(async () => {
  repos = createRepositories(await NedbDocumentDb.open());
  await ensureIndexes(repos);
  events = new RecordingPublisher();
  members = new MemberService(repos);
  communities = new CommunityService(repos, members, events);
});

afterEach(() => {
  // Whatever was published is a valid event of the catalogue.
  for (const event of events.events) expect(DomainEvent.safeParse(event).success).toBe(true);
});

function newMember(): Promise<Member> {
  seq += 1;
  return members.create({ username: `member${seq}`, email: `m${seq}@example.com` });
}

const body = { name: 'Rust', description: '', is_public: true, tags: [], avatar_url: null };
const types = (): string[] => events.events.map((e) => e.type);
const unknownId = 'f'.repeat(24);

async function expectCode(work: Promise<unknown>, code: ErrorCode): Promise<void> {
  await expect(work).rejects.toBeInstanceOf(AppError);
  await expect(work).rejects.toMatchObject({ code });
}

describe('CommunityService.create', () => {
  it('makes the creator the owner and first member, and announces it globally', async () => {
    const ada = await newMember();
    const community = await communities.create(ada.id, body);
    expect(community).toMatchObject({ name: 'Rust', created_by: ada.id, member_count: 1 });
    const { items } = await repos.memberships.pageOfCommunity(community.id, { limit: 5 });
    expect(items.map((m) => [m.member_id, m.role])).toEqual([[ada.id, 'owner']]);
    expect((await members.get(ada.id)).communities).toEqual([community.id]);
    expect(events.events).toEqual([
      expect.objectContaining({
        type: 'community_created',
        channel: GLOBAL_CHANNEL,
        data: { community },
      }),
    ]);
  });

  it('refuses an inactive or unknown creator and creates nothing', async () => {
    const ada = await newMember();
    await members.deactivate(ada.id);
    await expectCode(communities.create(ada.id, body), 'MEMBER_INACTIVE');
    await expectCode(communities.create(unknownId, body), 'MEMBER_NOT_FOUND');
    expect((await communities.list({ limit: 5 })).items).toEqual([]);
    expect(events.events).toEqual([]);
  });
});

describe('CommunityService.join and leave', () => {
  it('counts a member once when they join twice, and announces the join once', async () => {
    const community = await communities.create((await newMember()).id, body);
    const grace = await newMember();
    events.events.length = 0;
    const first = await communities.join(community.id, grace.id);
    const second = await communities.join(community.id, grace.id);
    expect(first).toEqual({
      community_id: community.id,
      member_id: grace.id,
      is_member: true,
      changed: true,
      member_count: 2,
    });
    expect(second).toEqual({ ...first, changed: false });
    expect(events.events).toEqual([
      expect.objectContaining({
        type: 'member_joined',
        channel: communityChannel(community.id),
        data: { community_id: community.id, member_id: grace.id, member_count: 2 },
      }),
    ]);
  });

  it('refuses an inactive member and an unknown community, changing nothing', async () => {
    const community = await communities.create((await newMember()).id, body);
    const grace = await newMember();
    await members.deactivate(grace.id);
    events.events.length = 0;
    await expectCode(communities.join(community.id, grace.id), 'MEMBER_INACTIVE');
    await expectCode(communities.join(unknownId, (await newMember()).id), 'COMMUNITY_NOT_FOUND');
    expect((await communities.get(community.id)).member_count).toBe(1);
    expect(await repos.memberships.countOfMember(grace.id)).toBe(0);
    expect(events.events).toEqual([]);
  });

  it('counts a leave once when a member leaves twice, and announces it once', async () => {
    const community = await communities.create((await newMember()).id, body);
    const grace = await newMember();
    await communities.join(community.id, grace.id);
    events.events.length = 0;
    const first = await communities.leave(community.id, grace.id);
    const second = await communities.leave(community.id, grace.id);
    expect(first).toMatchObject({ is_member: false, changed: true, member_count: 1 });
    expect(second).toMatchObject({ is_member: false, changed: false, member_count: 1 });
    expect(events.events).toEqual([
      expect.objectContaining({
        type: 'member_left',
        data: { community_id: community.id, member_id: grace.id, member_count: 1 },
      }),
    ]);
  });

  it('lets a deactivated member leave', async () => {
    const community = await communities.create((await newMember()).id, body);
    const grace = await newMember();
    await communities.join(community.id, grace.id);
    await members.deactivate(grace.id);
    expect(await communities.leave(community.id, grace.id)).toMatchObject({ changed: true });
    expect(await repos.memberships.has(community.id, grace.id)).toBe(false);
  });

  it('reports the unknown side of a leave', async () => {
    const community = await communities.create((await newMember()).id, body);
    await expectCode(communities.leave(community.id, unknownId), 'MEMBER_NOT_FOUND');
    await expectCode(communities.leave(unknownId, (await newMember()).id), 'COMMUNITY_NOT_FOUND');
  });

  it('lists the members of a community in join order', async () => {
    const owner = await newMember();
    const community = await communities.create(owner.id, body);
    const [a, b] = [await newMember(), await newMember()];
    await communities.join(community.id, b.id);
    await communities.join(community.id, a.id);
    const { items } = await communities.membersOf(community.id, { limit: 10 });
    expect(items.map((m) => m.id)).toEqual([owner.id, b.id, a.id]);
    expect(items[1]!.communities).toEqual([community.id]);
    await expectCode(communities.membersOf(unknownId, { limit: 10 }), 'COMMUNITY_NOT_FOUND');
  });
});

describe('CommunityService.update and delete', () => {
  it('announces an update, and nothing for an unknown community', async () => {
    const community = await communities.create((await newMember()).id, body);
    events.events.length = 0;
    const updated = await communities.update(community.id, { description: 'crabs' });
    expect(updated).toEqual({ ...community, description: 'crabs' });
    await expectCode(communities.update(unknownId, { name: 'x' }), 'COMMUNITY_NOT_FOUND');
    expect(events.events).toEqual([
      expect.objectContaining({ type: 'community_updated', data: { community: updated } }),
    ]);
  });

  it('deletes the community with its threads, messages and memberships, and nothing else', async () => {
    const ada = await newMember();
    const [doomed, kept] = [
      await communities.create(ada.id, body),
      await communities.create(ada.id, body),
    ];
    const threadOf = (communityId: string) =>
      repos.threads.create({
        community_id: communityId,
        title: 't',
        content: '',
        created_by: ada.id,
        tags: [],
      });
    const messageIn = (threadId: string, communityId: string) =>
      repos.messages.create({
        thread_id: threadId,
        community_id: communityId,
        author: ada.id,
        content: 'm',
        reply_to: null,
        attachments: [],
      });
    const [doomedThread, keptThread] = [await threadOf(doomed.id), await threadOf(kept.id)];
    const doomedMessage = await messageIn(doomedThread.id, doomed.id);
    const keptMessage = await messageIn(keptThread.id, kept.id);
    events.events.length = 0;

    await communities.delete(doomed.id);

    await expectCode(communities.get(doomed.id), 'COMMUNITY_NOT_FOUND');
    expect(await repos.threads.get(doomedThread.id)).toBeNull();
    expect(await repos.messages.get(doomedMessage.id)).toBeNull();
    expect(await repos.memberships.countOfCommunity(doomed.id)).toBe(0);
    expect((await members.get(ada.id)).communities).toEqual([kept.id]);
    expect(await repos.threads.get(keptThread.id)).toEqual(keptThread);
    expect(await repos.messages.get(keptMessage.id)).toEqual(keptMessage);
    expect(types()).toEqual(['community_deleted']);

    await expectCode(communities.delete(doomed.id), 'COMMUNITY_NOT_FOUND');
    expect(types()).toEqual(['community_deleted']);
  });
});
