import { AppError, type ErrorCode } from '@communities/contracts';
import { NedbDocumentDb } from '../../store/embedded/nedb-document-db';
import { createRepositories, ensureIndexes, type Repositories } from '../../store/repositories';
import { MemberService } from './member.service';

let repos: Repositories;
let members: MemberService;

beforeEach(async () => {
  repos = createRepositories(await NedbDocumentDb.open());
  await ensureIndexes(repos);
  members = new MemberService(repos);
});

const T = (seconds: number): Date => new Date(Date.UTC(2026, 0, 1, 0, 0, seconds));
const hex = (n: number): string => n.toString(16).padStart(24, '0');

async function expectCode(work: Promise<unknown>, code: ErrorCode): Promise<void> {
  await expect(work).rejects.toBeInstanceOf(AppError);
  await expect(work).rejects.toMatchObject({ code });
}

describe('MemberService', () => {
  it('creates a member with no communities, its email lower-cased and absent fields null', async () => {
    const ada = await members.create({ username: 'Ada', email: 'Ada@Example.com' });
    expect(ada).toMatchObject({
      username: 'Ada',
      email: 'ada@example.com',
      full_name: null,
      avatar_url: null,
      bio: null,
      is_active: true,
      communities: [],
    });
    expect(await members.get(ada.id)).toEqual(ada);
  });

  it('refuses a username that differs only in case', async () => {
    await members.create({ username: 'Ada', email: 'a@example.com' });
    await expectCode(members.create({ username: 'aDa', email: 'b@example.com' }), 'USERNAME_TAKEN');
  });

  it('finds a member by username in any case, with its communities in join order', async () => {
    const ada = await members.create({ username: 'Ada', email: 'a@example.com' });
    await repos.memberships.add(hex(2), ada.id, 'member', T(20));
    await repos.memberships.add(hex(1), ada.id, 'member', T(10));
    expect(await members.getByUsername('ADA')).toMatchObject({
      id: ada.id,
      communities: [hex(1), hex(2)],
    });
    await expectCode(members.getByUsername('nobody'), 'MEMBER_NOT_FOUND');
  });

  it('reports MEMBER_NOT_FOUND for an unknown member on every lookup and write', async () => {
    const unknown = hex(99);
    await expectCode(members.get(unknown), 'MEMBER_NOT_FOUND');
    await expectCode(members.update(unknown, { bio: 'x' }), 'MEMBER_NOT_FOUND');
    await expectCode(members.deactivate(unknown), 'MEMBER_NOT_FOUND');
    await expectCode(members.activity(unknown), 'MEMBER_NOT_FOUND');
    await expectCode(members.communitiesOf(unknown, { limit: 5 }), 'MEMBER_NOT_FOUND');
  });

  it('updates a profile and keeps its communities', async () => {
    const ada = await members.create({ username: 'ada', email: 'a@example.com' });
    await repos.memberships.add(hex(1), ada.id);
    const updated = await members.update(ada.id, { full_name: 'Ada Lovelace' });
    expect(updated).toEqual({ ...ada, full_name: 'Ada Lovelace', communities: [hex(1)] });
  });

  it('lets a deactivated member exist but not act', async () => {
    const ada = await members.create({ username: 'ada', email: 'a@example.com' });
    await members.deactivate(ada.id);
    expect((await members.get(ada.id)).is_active).toBe(false);
    expect((await members.require(ada.id)).id).toBe(ada.id);
    await expectCode(members.requireActive(ada.id), 'MEMBER_INACTIVE');
  });

  it('summarises activity as counts and the latest of join, thread and message', async () => {
    const ada = await members.create({ username: 'ada', email: 'a@example.com' });
    expect(await members.activity(ada.id)).toEqual({
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
    expect(await members.activity(ada.id)).toEqual({
      member_id: ada.id,
      communities_joined: 2,
      threads_created: 1,
      messages_posted: 1,
      last_activity: T(50).toISOString(),
    });
    await repos.messages.create(message, T(55));
    expect((await members.activity(ada.id)).last_activity).toBe(T(55).toISOString());
  });

  it("pages a member's communities in join order, leaving out deleted ones", async () => {
    const ada = await members.create({ username: 'ada', email: 'a@example.com' });
    const created = [];
    for (let i = 0; i < 3; i++) {
      const community = await repos.communities.create({
        name: `c${i}`,
        description: '',
        created_by: ada.id,
        is_public: true,
        tags: [],
        avatar_url: null,
      });
      created.push(community);
      await repos.memberships.add(community.id, ada.id, 'member', T(10 - i));
    }
    await repos.communities.delete(created[1]!.id);
    const first = await members.communitiesOf(ada.id, { limit: 2 });
    expect(first.items.map((c) => c.id)).toEqual([created[2]!.id]);
    const rest = await members.communitiesOf(ada.id, { limit: 2, cursor: first.next_cursor! });
    expect(rest).toEqual({ items: [created[0]], next_cursor: null });
  });

  it('lists members with their communities', async () => {
    const ada = await members.create({ username: 'ada', email: 'a@example.com' });
    const grace = await members.create({ username: 'grace', email: 'g@example.com' });
    await repos.memberships.add(hex(7), grace.id);
    const { items } = await members.list({ limit: 10 });
    expect(items.map((m) => [m.id, m.communities])).toEqual([
      [ada.id, []],
      [grace.id, [hex(7)]],
    ]);
  });
});
