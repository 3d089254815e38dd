import { AppError, DomainEvent, type ErrorCode } from '@communities/contracts';
import { CommunityAccess } from '../../access/community-access';
import type { Actor } from '../../auth/authenticator';
import { PasswordHasher } from '../../auth/password-hasher';
import { RecordingPublisher } from '../../events/event-publisher';
import { NedbDocumentDb } from '../../store/embedded/nedb-document-db';
import { createRepositories, ensureIndexes, type Repositories } from '../../store/repositories';
import { MemberService } from './member.service';

let repos: Repositories;
let events: RecordingPublisher;
let hasher: PasswordHasher;
let members: MemberService;

beforeEach(async () => {
  repos = createRepositories(await NedbDocumentDb.open());
  await ensureIndexes(repos);
  events = new RecordingPublisher();
  // The lowest cost the hasher accepts: these tests are about the service, not the hash.
  hasher = new PasswordHasher(10);
  members = new MemberService(repos, new CommunityAccess(repos), hasher, events);
});

afterEach(() => {
  for (const event of events.events) expect(DomainEvent.safeParse(event).success).toBe(true);
});

const PASSWORD = 'correct horse battery staple';
const T = (seconds: number): Date => new Date(Date.UTC(2026, 0, 1, 0, 0, seconds));
const hex = (n: number): string => n.toString(16).padStart(24, '0');
const as = (member: { id: string }): Actor => ({ id: member.id });

const signUp = (username: string, email: string) =>
  members.create({ username, email, password: PASSWORD });

async function expectCode(work: Promise<unknown>, code: ErrorCode): Promise<void> {
  await expect(work).rejects.toBeInstanceOf(AppError);
  await expect(work).rejects.toMatchObject({ code });
}

function newCommunity(createdBy: string, isPublic: boolean) {
  return repos.communities.create({
    name: isPublic ? 'open' : 'closed',
    description: '',
    created_by: createdBy,
    is_public: isPublic,
    tags: [],
    avatar_url: null,
  });
}

describe('MemberService', () => {
  it('creates a member with no communities, its email lower-cased and absent fields null', async () => {
    const ada = await signUp('Ada', 'Ada@Example.com');
    expect(ada).toEqual({
      id: expect.any(String),
      username: 'Ada',
      email: 'ada@example.com',
      full_name: null,
      avatar_url: null,
      bio: null,
      joined_at: expect.any(String),
      is_active: true,
      communities: [],
    });
    expect(await members.get(ada.id, as(ada))).toEqual(ada);
    expect(events.events).toEqual([]);
  });

  it('keeps the password only as a salted hash that verifies it', async () => {
    const ada = await signUp('ada', 'a@example.com');
    const stored = await repos.members.credentialsById(ada.id);
    expect(stored?.password_hash).toMatch(/^\$scrypt\$ln=10,r=8,p=1\$/);
    expect(stored?.password_hash).not.toContain(PASSWORD);
    expect(await hasher.verify(PASSWORD, stored?.password_hash)).toBe(true);
    expect(await hasher.verify('another password', stored?.password_hash)).toBe(false);
  });

  it('shows the email to the member themself only', async () => {
    const ada = await signUp('ada', 'a@example.com');
    const grace = await signUp('grace', 'g@example.com');
    expect((await members.get(ada.id, as(ada))).email).toBe('a@example.com');
    expect((await members.get(ada.id, as(grace))).email).toBeNull();
    expect((await members.get(ada.id, undefined)).email).toBeNull();
    expect((await members.getByUsername('ada', as(ada))).email).toBe('a@example.com');
    expect((await members.getByUsername('ada', undefined)).email).toBeNull();
  });

  it('refuses a username that differs only in case', async () => {
    await signUp('Ada', 'a@example.com');
    await expectCode(signUp('aDa', 'b@example.com'), 'USERNAME_TAKEN');
  });

  it('finds a member by username in any case, with its communities in join order', async () => {
    const ada = await signUp('Ada', 'a@example.com');
    await repos.memberships.add(hex(2), ada.id, 'member', T(20));
    await repos.memberships.add(hex(1), ada.id, 'member', T(10));
    expect(await members.getByUsername('ADA', undefined)).toMatchObject({
      id: ada.id,
      communities: [hex(1), hex(2)],
    });
    await expectCode(members.getByUsername('nobody', undefined), 'MEMBER_NOT_FOUND');
  });

  it('reports MEMBER_NOT_FOUND for an unknown member on every lookup and write', async () => {
    const unknown = hex(99);
    const self = { id: unknown };
    await expectCode(members.get(unknown, undefined), 'MEMBER_NOT_FOUND');
    await expectCode(members.update(unknown, self, { bio: 'x' }), 'MEMBER_NOT_FOUND');
    await expectCode(members.deactivate(unknown, self), 'MEMBER_NOT_FOUND');
    await expectCode(members.activity(unknown, undefined), 'MEMBER_NOT_FOUND');
    await expectCode(members.communitiesOf(unknown, undefined, { limit: 5 }), 'MEMBER_NOT_FOUND');
  });

  it('updates a profile and keeps its communities', async () => {
    const ada = await signUp('ada', 'a@example.com');
    await repos.memberships.add(hex(1), ada.id);
    const updated = await members.update(ada.id, as(ada), { full_name: 'Ada Lovelace' });
    expect(updated).toEqual({ ...ada, full_name: 'Ada Lovelace', communities: [hex(1)] });
  });

  it("refuses to change or deactivate another member's profile", async () => {
    const ada = await signUp('ada', 'a@example.com');
    const grace = await signUp('grace', 'g@example.com');
    await expectCode(members.update(ada.id, as(grace), { bio: 'hijacked' }), 'FORBIDDEN');
    await expectCode(members.deactivate(ada.id, as(grace)), 'FORBIDDEN');
    expect(await members.get(ada.id, as(ada))).toEqual(ada);
    expect(events.events).toEqual([]);
  });

  it('deactivates: the member exists but cannot act, and every session ends', async () => {
    const ada = await signUp('ada', 'a@example.com');
    const before = await repos.members.credentialsById(ada.id);
    await repos.refreshTokens.insert({
      token_hash: 'h1',
      member_id: ada.id,
      family_id: 'f1',
      created_at: T(0),
      expires_at: T(3600),
    });

    await members.deactivate(ada.id, as(ada));

    expect((await members.get(ada.id, undefined)).is_active).toBe(false);
    expect((await members.require(ada.id)).id).toBe(ada.id);
    await expectCode(members.requireActive(ada.id), 'MEMBER_INACTIVE');
    const after = await repos.members.credentialsById(ada.id);
    expect(after?.token_version).toBeGreaterThan(before!.token_version);
    expect(await repos.refreshTokens.findByHash('h1')).toBeNull();
    expect(events.events).toEqual([
      expect.objectContaining({
        type: 'access_revoked',
        data: {
          scope: 'member',
          member_id: ada.id,
          reason: 'deactivated',
          token_version: expect.any(Number),
        },
      }),
    ]);
  });

  it('summarises activity as counts and the latest of join, thread and message', async () => {
    const ada = await signUp('ada', 'a@example.com');
    expect(await members.activity(ada.id, undefined)).toEqual({
      member_id: ada.id,
      communities_joined: 0,
      threads_created: 0,
      messages_posted: 0,
      last_activity: null,
    });
    await repos.memberships.add(hex(1), ada.id, 'member', T(30));
    await repos.memberships.add(hex(2), ada.id, 'member', T(10));
    const thread = { community_id: hex(1), title: 't', content: '', created_by: ada.id, tags: [] };
    await repos.threads.create(thread, T(50));
    const message = {
      thread_id: hex(3),
      community_id: hex(1),
      author: ada.id,
      content: 'hi',
      reply_to: null,
      attachments: [],
    };
    await repos.messages.create(message, T(40));
    expect(await members.activity(ada.id, undefined)).toEqual({
      member_id: ada.id,
      communities_joined: 2,
      threads_created: 1,
      messages_posted: 1,
      last_activity: T(50).toISOString(),
    });
    await repos.messages.create(message, T(55));
    expect((await members.activity(ada.id, undefined)).last_activity).toBe(T(55).toISOString());
  });

  it("pages a member's communities in join order, leaving out deleted ones", async () => {
    const ada = await signUp('ada', 'a@example.com');
    const created = [];
    for (let i = 0; i < 3; i++) {
      const community = await newCommunity(ada.id, true);
      created.push(community);
      await repos.memberships.add(community.id, ada.id, 'member', T(10 - i));
    }
    await repos.communities.delete(created[1]!.id);
    const first = await members.communitiesOf(ada.id, undefined, { limit: 2 });
    expect(first.items.map((c) => c.id)).toEqual([created[2]!.id]);
    const rest = await members.communitiesOf(ada.id, undefined, {
      limit: 2,
      cursor: first.next_cursor!,
    });
    // Counted from the memberships: ada's, added after the community was created.
    expect(rest).toEqual({ items: [{ ...created[0], member_count: 1 }], next_cursor: null });
  });

  it('shows private communities only to viewers who belong to them', async () => {
    const ada = await signUp('ada', 'a@example.com');
    const grace = await signUp('grace', 'g@example.com');
    const open = await newCommunity(ada.id, true);
    const closed = await newCommunity(ada.id, false);
    await repos.memberships.add(open.id, ada.id, 'owner', T(1));
    await repos.memberships.add(closed.id, ada.id, 'owner', T(2));
    const ids = async (viewer: Actor | undefined) =>
      (await members.communitiesOf(ada.id, viewer, { limit: 10 })).items.map((c) => c.id);

    expect(await ids(as(ada))).toEqual([open.id, closed.id]);
    expect(await ids(as(grace))).toEqual([open.id]);
    expect(await ids(undefined)).toEqual([open.id]);
    expect((await members.get(ada.id, as(grace))).communities).toEqual([open.id]);
    expect((await members.get(ada.id, as(ada))).communities).toEqual([open.id, closed.id]);

    await repos.memberships.add(closed.id, grace.id, 'member', T(3));
    expect(await ids(as(grace))).toEqual([open.id, closed.id]);
  });

  it('lists members with their communities, and only the viewer with an email', async () => {
    const ada = await signUp('ada', 'a@example.com');
    const grace = await signUp('grace', 'g@example.com');
    await repos.memberships.add(hex(7), grace.id);
    const { items } = await members.list(as(grace), { limit: 10 });
    expect(items.map((m) => [m.id, m.email, m.communities])).toEqual([
      [ada.id, null, []],
      [grace.id, 'g@example.com', [hex(7)]],
    ]);
  });
});
