import {
  AppError,
  DomainEvent,
  GLOBAL_CHANNEL,
  communityChannel,
  type ErrorCode,
  type Member,
} from '@communities/contracts';
import { CommunityAccess } from '../../access/community-access';
import type { Actor } from '../../auth/authenticator';
import { PasswordHasher } from '../../auth/password-hasher';
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
  const access = new CommunityAccess(repos);
  members = new MemberService(repos, access, new PasswordHasher(10), events);
  communities = new CommunityService(repos, members, access, events);
});

afterEach(() => {
  // Whatever was published is a valid event of the catalogue.
  for (const event of events.events) expect(DomainEvent.safeParse(event).success).toBe(true);
});

function newMember(): Promise<Member> {
  seq += 1;
  return members.create({
    username: `member${seq}`,
    email: `m${seq}@example.com`,
    password: 'correct horse battery staple',
  });
}

const as = (member: { id: string }): Actor => ({ id: member.id });
const body = { name: 'Rust', description: '', is_public: true, tags: [], avatar_url: null };
const closed = { ...body, name: 'Club', is_public: false };
const types = (): string[] => events.events.map((e) => e.type);
const unknownId = 'f'.repeat(24);

async function expectCode(work: Promise<unknown>, code: ErrorCode): Promise<void> {
  await expect(work).rejects.toBeInstanceOf(AppError);
  await expect(work).rejects.toMatchObject({ code });
}

/** A public community with its owner, a moderator and a plain member. */
async function seedRoles() {
  const [owner, moderator, member] = [await newMember(), await newMember(), await newMember()];
  const community = await communities.create(as(owner), body);
  await communities.join(community.id, as(moderator), {});
  await communities.join(community.id, as(member), {});
  await communities.addModerator(community.id, as(owner), moderator.id);
  events.events.length = 0;
  return { owner, moderator, member, community };
}

describe('CommunityService.create', () => {
  it('makes the creator the owner and first member, and announces it globally', async () => {
    const ada = await newMember();
    const community = await communities.create(as(ada), body);
    expect(community).toMatchObject({ name: 'Rust', created_by: ada.id, member_count: 1 });
    const { items } = await repos.memberships.pageOfCommunity(community.id, { limit: 5 });
    expect(items.map((m) => [m.member_id, m.role])).toEqual([[ada.id, 'owner']]);
    expect((await members.get(ada.id, as(ada))).communities).toEqual([community.id]);
    expect(events.events).toEqual([
      expect.objectContaining({
        type: 'community_created',
        channel: GLOBAL_CHANNEL,
        data: { community },
      }),
    ]);
  });

  it('announces nothing globally for a private community', async () => {
    const ada = await newMember();
    const community = await communities.create(as(ada), closed);
    expect(community).toMatchObject({ is_public: false, member_count: 1 });
    expect(events.events).toEqual([]);
  });

  it('accepts created_by naming the actor and refuses one naming anyone else', async () => {
    const [ada, grace] = [await newMember(), await newMember()];
    const own = await communities.create(as(ada), { ...body, created_by: ada.id });
    expect(own.created_by).toBe(ada.id);
    await expectCode(communities.create(as(ada), { ...body, created_by: grace.id }), 'FORBIDDEN');
    expect((await communities.list(undefined, { limit: 5 })).items).toEqual([own]);
  });

  it('refuses an inactive or unknown creator and creates nothing', async () => {
    const ada = await newMember();
    await members.deactivate(ada.id, as(ada));
    events.events.length = 0;
    await expectCode(communities.create(as(ada), body), 'MEMBER_INACTIVE');
    await expectCode(communities.create({ id: unknownId }, body), 'MEMBER_NOT_FOUND');
    expect((await communities.list(undefined, { limit: 5 })).items).toEqual([]);
    expect(events.events).toEqual([]);
  });
});

describe('CommunityService.get and list', () => {
  it('shows a private community to members and invitees, and reports it missing to others', async () => {
    const [owner, invitee, stranger] = [await newMember(), await newMember(), await newMember()];
    const open = await communities.create(as(owner), body);
    const club = await communities.create(as(owner), closed);
    await communities.invite(club.id, as(owner), invitee.id);

    expect(await communities.get(club.id, as(owner))).toEqual(club);
    expect(await communities.get(club.id, as(invitee))).toEqual(club);
    await expectCode(communities.get(club.id, as(stranger)), 'COMMUNITY_NOT_FOUND');
    await expectCode(communities.get(club.id, undefined), 'COMMUNITY_NOT_FOUND');
    const listed = async (viewer: Actor | undefined) =>
      (await communities.list(viewer, { limit: 5 })).items.map((c) => c.id);
    expect(await listed(undefined)).toEqual([open.id]);
    expect(await listed(as(invitee))).toEqual([open.id]);
    expect(await listed(as(owner))).toEqual([club.id, open.id]);
  });
});

describe('CommunityService.join and leave', () => {
  it('counts a member once when they join twice, and announces the join once', async () => {
    const community = await communities.create(as(await newMember()), body);
    const grace = await newMember();
    events.events.length = 0;
    const first = await communities.join(community.id, as(grace), {});
    const second = await communities.join(community.id, as(grace), { member_id: grace.id });
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

  it('refuses an inactive member, an unknown community and someone else named in the body', async () => {
    const community = await communities.create(as(await newMember()), body);
    const [grace, linus] = [await newMember(), await newMember()];
    await members.deactivate(grace.id, as(grace));
    events.events.length = 0;
    await expectCode(communities.join(community.id, as(grace), {}), 'MEMBER_INACTIVE');
    await expectCode(communities.join(unknownId, as(linus), {}), 'COMMUNITY_NOT_FOUND');
    await expectCode(
      communities.join(community.id, as(linus), { member_id: grace.id }),
      'FORBIDDEN',
    );
    expect((await communities.get(community.id, undefined)).member_count).toBe(1);
    expect(await repos.memberships.countOfMember(grace.id)).toBe(0);
    expect(await repos.memberships.countOfMember(linus.id)).toBe(0);
    expect(events.events).toEqual([]);
  });

  it('lets only invitees join a private community, each invitation once', async () => {
    const owner = await newMember();
    const club = await communities.create(as(owner), closed);
    const [guest, stranger] = [await newMember(), await newMember()];
    await expectCode(communities.join(club.id, as(stranger), {}), 'COMMUNITY_NOT_FOUND');
    await communities.invite(club.id, as(owner), guest.id);

    expect(await communities.join(club.id, as(guest), {})).toMatchObject({
      changed: true,
      member_count: 2,
    });
    expect(await repos.invitations.find(club.id, guest.id)).toBeNull();
    await communities.leave(club.id, as(guest), {});
    await expectCode(communities.join(club.id, as(guest), {}), 'COMMUNITY_NOT_FOUND');
  });

  it('counts a leave once when a member leaves twice, and announces it once', async () => {
    const community = await communities.create(as(await newMember()), body);
    const grace = await newMember();
    await communities.join(community.id, as(grace), {});
    events.events.length = 0;
    const first = await communities.leave(community.id, as(grace), {});
    const second = await communities.leave(community.id, as(grace), { member_id: grace.id });
    expect(first).toMatchObject({ is_member: false, changed: true, member_count: 1 });
    expect(second).toMatchObject({ is_member: false, changed: false, member_count: 1 });
    expect(events.events).toEqual([
      expect.objectContaining({
        type: 'member_left',
        data: { community_id: community.id, member_id: grace.id, member_count: 1 },
      }),
    ]);
  });

  it('revokes access when a member leaves a private community', async () => {
    const owner = await newMember();
    const club = await communities.create(as(owner), closed);
    const guest = await newMember();
    await communities.invite(club.id, as(owner), guest.id);
    await communities.join(club.id, as(guest), {});
    const membership = await repos.memberships.find(club.id, guest.id);
    events.events.length = 0;

    await communities.leave(club.id, as(guest), {});

    expect(events.events).toEqual([
      expect.objectContaining({ type: 'member_left' }),
      expect.objectContaining({
        type: 'access_revoked',
        data: {
          scope: 'membership',
          community_id: club.id,
          member_id: guest.id,
          membership_id: membership?.id,
          reason: 'left',
        },
      }),
    ]);
    await expectCode(communities.get(club.id, as(guest)), 'COMMUNITY_NOT_FOUND');
  });

  it('refuses to let the owner leave', async () => {
    const owner = await newMember();
    const community = await communities.create(as(owner), body);
    events.events.length = 0;
    await expectCode(communities.leave(community.id, as(owner), {}), 'OWNER_CANNOT_LEAVE');
    expect(await repos.memberships.roleOf(community.id, owner.id)).toBe('owner');
    expect(events.events).toEqual([]);
  });

  it('lets a deactivated member leave', async () => {
    const community = await communities.create(as(await newMember()), body);
    const grace = await newMember();
    await communities.join(community.id, as(grace), {});
    await members.deactivate(grace.id, as(grace));
    expect(await communities.leave(community.id, as(grace), {})).toMatchObject({ changed: true });
    expect(await repos.memberships.has(community.id, grace.id)).toBe(false);
  });

  it('reports an unknown community and refuses someone else named in the body', async () => {
    const community = await communities.create(as(await newMember()), body);
    const [grace, linus] = [await newMember(), await newMember()];
    await communities.join(community.id, as(grace), {});
    await expectCode(communities.leave(unknownId, as(grace), {}), 'COMMUNITY_NOT_FOUND');
    await expectCode(
      communities.leave(community.id, as(linus), { member_id: grace.id }),
      'FORBIDDEN',
    );
    expect(await repos.memberships.has(community.id, grace.id)).toBe(true);
  });

  it('lists the members of a community in join order, each email to its owner only', async () => {
    const owner = await newMember();
    const community = await communities.create(as(owner), body);
    const [a, b] = [await newMember(), await newMember()];
    await communities.join(community.id, as(b), {});
    await communities.join(community.id, as(a), {});
    const { items } = await communities.membersOf(community.id, as(b), { limit: 10 });
    expect(items.map((m) => m.id)).toEqual([owner.id, b.id, a.id]);
    expect(items.map((m) => m.email)).toEqual([null, b.email, null]);
    expect(items[1]!.communities).toEqual([community.id]);
    await expectCode(
      communities.membersOf(unknownId, undefined, { limit: 10 }),
      'COMMUNITY_NOT_FOUND',
    );
  });

  it('lists the members of a private community to its members only', async () => {
    const owner = await newMember();
    const club = await communities.create(as(owner), closed);
    const stranger = await newMember();
    const page = await communities.membersOf(club.id, as(owner), { limit: 10 });
    expect(page.items.map((m) => m.id)).toEqual([owner.id]);
    await expectCode(
      communities.membersOf(club.id, as(stranger), { limit: 10 }),
      'COMMUNITY_NOT_FOUND',
    );
    await expectCode(
      communities.membersOf(club.id, undefined, { limit: 10 }),
      'COMMUNITY_NOT_FOUND',
    );
  });
});

describe('CommunityService roles', () => {
  it('lets the owner remove anyone else, and moderators remove plain members only', async () => {
    const { owner, moderator, member, community } = await seedRoles();
    await expectCode(communities.removeMember(community.id, as(moderator), owner.id), 'FORBIDDEN');
    await expectCode(communities.removeMember(community.id, as(member), moderator.id), 'FORBIDDEN');
    await expectCode(communities.removeMember(community.id, as(owner), owner.id), 'FORBIDDEN');

    await communities.removeMember(community.id, as(moderator), member.id);
    await communities.removeMember(community.id, as(owner), moderator.id);

    expect((await communities.get(community.id, undefined)).member_count).toBe(1);
    expect(types()).toEqual(['member_left', 'member_left']);
    await expectCode(communities.removeMember(community.id, as(owner), member.id), 'NOT_A_MEMBER');
  });

  it('names and demotes moderators, keeping the owner owner', async () => {
    const { owner, moderator, member, community } = await seedRoles();
    expect(await communities.addModerator(community.id, as(moderator), member.id)).toEqual({
      community_id: community.id,
      member_id: member.id,
      role: 'moderator',
    });
    expect(await communities.removeModerator(community.id, as(owner), moderator.id)).toMatchObject({
      role: 'member',
    });
    expect(await communities.removeModerator(community.id, as(member), owner.id)).toMatchObject({
      role: 'owner',
    });
    await expectCode(communities.addModerator(community.id, as(moderator), member.id), 'FORBIDDEN');
    await expectCode(
      communities.addModerator(community.id, as(owner), (await newMember()).id),
      'NOT_A_MEMBER',
    );
  });
});

describe('CommunityService.update and delete', () => {
  it('announces an update, and nothing for an unknown community', async () => {
    const ada = await newMember();
    const community = await communities.create(as(ada), body);
    events.events.length = 0;
    const updated = await communities.update(community.id, as(ada), { description: 'crabs' });
    expect(updated).toEqual({ ...community, description: 'crabs' });
    await expectCode(communities.update(unknownId, as(ada), { name: 'x' }), 'COMMUNITY_NOT_FOUND');
    expect(events.events).toEqual([
      expect.objectContaining({ type: 'community_updated', data: { community: updated } }),
    ]);
  });

  it('lets the owner and moderators update, and no one else', async () => {
    const { owner, moderator, member, community } = await seedRoles();
    const stranger = await newMember();
    await communities.update(community.id, as(owner), { name: 'by the owner' });
    await communities.update(community.id, as(moderator), { name: 'by a moderator' });
    await expectCode(communities.update(community.id, as(member), { name: 'x' }), 'FORBIDDEN');
    await expectCode(communities.update(community.id, as(stranger), { name: 'x' }), 'FORBIDDEN');
    await expectCode(communities.delete(community.id, as(member)), 'FORBIDDEN');
    expect((await communities.get(community.id, undefined)).name).toBe('by a moderator');
    expect(types()).toEqual(['community_updated', 'community_updated']);
  });

  it('revokes the access of non-members when a community turns private', async () => {
    const ada = await newMember();
    const community = await communities.create(as(ada), body);
    const { access_epoch: publicEpoch } = (await repos.communities.accessBasis(community.id))!;
    events.events.length = 0;
    await communities.update(community.id, as(ada), { is_public: false });
    await communities.update(community.id, as(ada), { description: 'still private' });
    expect(events.events).toEqual([
      expect.objectContaining({ type: 'community_updated' }),
      expect.objectContaining({
        type: 'access_revoked',
        data: {
          scope: 'community',
          community_id: community.id,
          reason: 'became_private',
          access_epoch: publicEpoch,
        },
      }),
      expect.objectContaining({ type: 'community_updated' }),
    ]);
  });

  it('starts a new access epoch with each change of visibility, and ends only a public one', async () => {
    const ada = await newMember();
    const community = await communities.create(as(ada), body);
    const epochs = [(await repos.communities.accessBasis(community.id))!.access_epoch];
    for (const is_public of [false, true, true, false]) {
      await communities.update(community.id, as(ada), { is_public });
      epochs.push((await repos.communities.accessBasis(community.id))!.access_epoch);
    }
    // private, public, (no change), private: three new epochs, one kept.
    expect(new Set(epochs).size).toBe(4);
    expect(epochs[3]).toBe(epochs[2]);
    const ended = events.events.flatMap((event) =>
      event.type === 'access_revoked' && event.data.scope === 'community'
        ? [event.data.access_epoch]
        : [],
    );
    expect(ended).toEqual([epochs[0], epochs[3]]);
  });

  it('deletes the community with its threads, messages, invitations and memberships, and nothing else', async () => {
    const ada = await newMember();
    const [doomed, kept] = [
      await communities.create(as(ada), body),
      await communities.create(as(ada), body),
    ];
    const invitee = await newMember();
    await communities.invite(doomed.id, as(ada), invitee.id);
    const threadOf = (communityId: string) =>
      repos.threads.create({
        community_id: communityId,
        title: 't',
        content: '',
        created_by: ada.id,
        tags: [],
      });
    const messageIn = (threadId: string, communityId: string) =>
      repos.messages
        .create({
          thread_id: threadId,
          community_id: communityId,
          author: ada.id,
          content: 'm',
          reply_to: null,
          attachments: [],
        })
        .then(({ message }) => message);
    const [doomedThread, keptThread] = [await threadOf(doomed.id), await threadOf(kept.id)];
    const doomedMessage = await messageIn(doomedThread.id, doomed.id);
    const keptMessage = await messageIn(keptThread.id, kept.id);
    events.events.length = 0;

    await communities.delete(doomed.id, as(ada));

    await expectCode(communities.get(doomed.id, as(ada)), 'COMMUNITY_NOT_FOUND');
    expect(await repos.threads.get(doomedThread.id)).toBeNull();
    expect(await repos.messages.get(doomedMessage.id)).toBeNull();
    expect(await repos.memberships.countOfCommunity(doomed.id)).toBe(0);
    expect(await repos.invitations.find(doomed.id, invitee.id)).toBeNull();
    expect((await members.get(ada.id, as(ada))).communities).toEqual([kept.id]);
    expect(await repos.threads.get(keptThread.id)).toEqual({ ...keptThread, message_count: 1 });
    expect(await repos.messages.get(keptMessage.id)).toEqual(keptMessage);
    expect(types()).toEqual(['community_deleted', 'access_revoked']);

    await expectCode(communities.delete(doomed.id, as(ada)), 'COMMUNITY_NOT_FOUND');
    expect(types()).toEqual(['community_deleted', 'access_revoked']);
  });

  it('deletes a private community without a global announcement', async () => {
    const ada = await newMember();
    const club = await communities.create(as(ada), closed);
    events.events.length = 0;
    await communities.delete(club.id, as(ada));
    expect(events.events).toEqual([
      expect.objectContaining({
        type: 'access_revoked',
        data: { scope: 'community', community_id: club.id, reason: 'deleted' },
      }),
    ]);
  });
});
