import {
  AppError,
  DomainEvent,
  threadChannel,
  type ErrorCode,
  type Member,
  type Thread,
} from '@communities/contracts';
import { CommunityAccess } from '../../access/community-access';
import type { Actor } from '../../auth/authenticator';
import { PasswordHasher } from '../../auth/password-hasher';
import { RecordingPublisher } from '../../events/event-publisher';
import { NedbDocumentDb } from '../../store/embedded/nedb-document-db';
import { createRepositories, ensureIndexes, type Repositories } from '../../store/repositories';
import { CommunityService } from '../communities/community.service';
import { MemberService } from '../members/member.service';
import { ThreadService } from '../threads/thread.service';
import { MessageService } from './message.service';

let repos: Repositories;
let events: RecordingPublisher;
let members: MemberService;
let communities: CommunityService;
let threads: ThreadService;
let messages: MessageService;
/** Owner of the community of `thread` and `otherThread`. */
let ada: Member;
/** A plain member of that community. */
let grace: Member;
/** A moderator of it. */
let mod: Member;
/** A member of no community. */
let outsider: Member;
let thread: Thread;
let otherThread: Thread;

// The lowest cost the hasher accepts: these tests are about messages, not passwords.
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
const threadBody = { title: 'T', content: '', tags: [] };

beforeEach(async () => {
  repos = createRepositories(await NedbDocumentDb.open());
  await ensureIndexes(repos);
  events = new RecordingPublisher();
  const access = new CommunityAccess(repos);
  members = new MemberService(repos, access, hasher, events);
  communities = new CommunityService(repos, members, access, events);
  threads = new ThreadService(repos, access, members, events);
  messages = new MessageService(repos, threads, access, events);
  [ada, grace, mod, outsider] = [
    await newMember(),
    await newMember(),
    await newMember(),
    await newMember(),
  ];
  const community = await communities.create(ada, communityBody);
  await communities.join(community.id, grace, {});
  await communities.join(community.id, mod, {});
  await communities.addModerator(community.id, ada, mod.id);
  thread = await threads.create(community.id, ada, threadBody);
  otherThread = await threads.create(community.id, ada, threadBody);
  events.events.length = 0;
});

afterEach(() => {
  for (const event of events.events) expect(DomainEvent.safeParse(event).success).toBe(true);
});

const unknownId = 'f'.repeat(24);
const types = (): string[] => events.events.map((e) => e.type);
const post = (
  content: string,
  reply_to: string | null = null,
  threadId = thread.id,
  author: Actor = ada,
) =>
  messages
    .create(threadId, author, { content, reply_to, attachments: [] })
    .then(({ message }) => message);

async function expectCode(work: Promise<unknown>, code: ErrorCode): Promise<void> {
  await expect(work).rejects.toBeInstanceOf(AppError);
  await expect(work).rejects.toMatchObject({ code });
}

describe('MessageService.create', () => {
  it("posts into the thread's community, counts it, and announces it on the thread", async () => {
    const message = await post('hello', null, thread.id, grace);
    expect(message).toMatchObject({
      thread_id: thread.id,
      community_id: thread.community_id,
      author: grace.id,
      content: 'hello',
      reply_to: null,
    });
    const after = await threads.get(thread.id, undefined);
    expect(after.message_count).toBe(1);
    expect(after.last_activity).toBe(message.created_at);
    expect(events.events).toEqual([
      expect.objectContaining({
        type: 'new_message',
        channel: threadChannel(thread.id),
        data: { message },
      }),
    ]);
  });

  it('takes the author from the actor: author may name them, never someone else', async () => {
    const { message: own } = await messages.create(thread.id, grace, {
      content: 'mine',
      author: grace.id,
      reply_to: null,
      attachments: [],
    });
    expect(own.author).toBe(grace.id);
    await expectCode(
      messages.create(thread.id, grace, {
        content: 'forged',
        author: ada.id,
        reply_to: null,
        attachments: [],
      }),
      'FORBIDDEN',
    );
    expect(await repos.messages.countByAuthor(ada.id)).toBe(0);
    expect((await threads.get(thread.id, undefined)).message_count).toBe(1);
  });

  // An inactive author never gets here: the Authenticator answers 401 (messages.http.test.ts).
  it('refuses a non-member and an unknown thread, posting nothing', async () => {
    events.events.length = 0;
    await expectCode(post('hello', null, thread.id, outsider), 'FORBIDDEN');
    await expectCode(post('hello', null, unknownId), 'THREAD_NOT_FOUND');
    expect((await threads.get(thread.id, undefined)).message_count).toBe(0);
    expect(await repos.messages.countByAuthor(outsider.id)).toBe(0);
    expect(events.events).toEqual([]);
  });

  it('accepts a reply to a message of the same thread', async () => {
    const root = await post('root');
    const reply = await post('reply', root.id);
    expect(reply.reply_to).toBe(root.id);
    const { items } = await messages.replies(thread.id, root.id, undefined, { limit: 5 });
    expect(items).toEqual([reply]);
  });

  it('refuses a reply to a message of another thread or to no message at all', async () => {
    const elsewhere = await post('elsewhere', null, otherThread.id);
    events.events.length = 0;
    await expectCode(post('reply', elsewhere.id), 'INVALID_REPLY_TARGET');
    await expectCode(post('reply', unknownId), 'INVALID_REPLY_TARGET');
    expect((await threads.get(thread.id, undefined)).message_count).toBe(0);
    expect((await messages.listOfThread(thread.id, undefined, { limit: 5 })).items).toEqual([]);
    expect(events.events).toEqual([]);
  });
});

describe('MessageService.update', () => {
  it('marks an edit and announces it; nothing for an unknown message', async () => {
    const message = await post('hello');
    events.events.length = 0;
    const edited = await messages.update(message.id, ada, { content: 'hello, world' });
    expect(edited).toMatchObject({ content: 'hello, world', is_edited: true });
    expect(edited.edited_at).not.toBeNull();
    await expectCode(messages.update(unknownId, ada, { content: 'x' }), 'MESSAGE_NOT_FOUND');
    expect(events.events).toEqual([
      expect.objectContaining({ type: 'message_updated', data: { message: edited } }),
    ]);
  });

  it('lets only the author edit: the owner, a moderator and other members are refused', async () => {
    const message = await post('as written', null, thread.id, grace);
    events.events.length = 0;
    for (const actor of [ada, mod, outsider]) {
      await expectCode(messages.update(message.id, actor, { content: 'rewritten' }), 'FORBIDDEN');
    }
    expect(await messages.get(message.id, undefined)).toEqual(message);
    expect(events.events).toEqual([]);
  });
});

describe('MessageService.delete', () => {
  it('decrements the count once when two callers delete the same message', async () => {
    const kept = await post('kept');
    const doomed = await post('doomed');
    events.events.length = 0;
    const outcomes = await Promise.allSettled([
      messages.delete(doomed.id, ada),
      messages.delete(doomed.id, ada),
    ]);
    expect(outcomes.map((o) => o.status).sort()).toEqual(['fulfilled', 'rejected']);
    const failure = outcomes.find((o) => o.status === 'rejected');
    expect(failure?.reason).toMatchObject({ code: 'MESSAGE_NOT_FOUND' });
    expect((await threads.get(thread.id, undefined)).message_count).toBe(1);
    expect(await messages.get(kept.id, undefined)).toEqual(kept);
    expect(events.events).toEqual([
      expect.objectContaining({
        type: 'message_deleted',
        channel: threadChannel(thread.id),
        data: { message_id: doomed.id, thread_id: thread.id },
      }),
    ]);
  });

  it("lets the author and moderators delete, and refuses other members' deletes", async () => {
    const byAda = await post('by ada');
    const byGrace = await post('by grace', null, thread.id, grace);
    events.events.length = 0;

    await expectCode(messages.delete(byAda.id, grace), 'FORBIDDEN');
    await expectCode(messages.delete(byAda.id, outsider), 'FORBIDDEN');
    expect(await messages.get(byAda.id, undefined)).toEqual(byAda);
    expect(events.events).toEqual([]);

    await messages.delete(byAda.id, mod);
    await messages.delete(byGrace.id, grace);
    expect((await threads.get(thread.id, undefined)).message_count).toBe(0);
    expect(types()).toEqual(['message_deleted', 'message_deleted']);
  });

  it('reports MESSAGE_NOT_FOUND for a message that is not there', async () => {
    await expectCode(messages.delete(unknownId, ada), 'MESSAGE_NOT_FOUND');
    await expectCode(messages.get(unknownId, undefined), 'MESSAGE_NOT_FOUND');
    expect(types()).toEqual([]);
  });
});

describe('MessageService lists', () => {
  it('lists a thread oldest first, and only a known thread', async () => {
    const first = await post('one');
    const second = await post('two');
    const { items } = await messages.listOfThread(thread.id, undefined, { limit: 5 });
    expect(items.map((m) => m.id)).toEqual([first.id, second.id]);
    await expectCode(messages.listOfThread(unknownId, undefined, { limit: 5 }), 'THREAD_NOT_FOUND');
  });

  it('lists replies only for a message of the given thread', async () => {
    const elsewhere = await post('elsewhere', null, otherThread.id);
    const replies = (threadId: string, messageId: string) =>
      messages.replies(threadId, messageId, undefined, { limit: 5 });
    await expectCode(replies(thread.id, elsewhere.id), 'MESSAGE_NOT_FOUND');
    await expectCode(replies(thread.id, unknownId), 'MESSAGE_NOT_FOUND');
    await expectCode(replies(unknownId, elsewhere.id), 'THREAD_NOT_FOUND');
  });

  it('searches message contents literally, within a thread when asked', async () => {
    const inThread = await post('costs $5.00 (net)');
    const elsewhere = await post('costs $5.00 (NET)', null, otherThread.id);
    await post('costs $5x00 (net)');
    const all = await messages.search('$5.00 (net)', undefined, undefined, { limit: 5 });
    expect(all.items.map((m) => m.id)).toEqual([elsewhere.id, inThread.id]);
    const only = await messages.search('$5.00 (net)', thread.id, undefined, { limit: 5 });
    expect(only.items.map((m) => m.id)).toEqual([inThread.id]);
  });
});

describe('MessageService in a private community', () => {
  let hiddenThread: Thread;

  beforeEach(async () => {
    const hidden = await communities.create(ada, { ...communityBody, is_public: false });
    hiddenThread = await threads.create(hidden.id, ada, threadBody);
    events.events.length = 0;
  });

  it('hides its messages from non-members, reads and writes alike', async () => {
    const secret = await post('secret', null, hiddenThread.id);
    events.events.length = 0;

    for (const viewer of [undefined, outsider]) {
      await expectCode(messages.get(secret.id, viewer), 'MESSAGE_NOT_FOUND');
      await expectCode(
        messages.listOfThread(hiddenThread.id, viewer, { limit: 5 }),
        'THREAD_NOT_FOUND',
      );
      await expectCode(
        messages.replies(hiddenThread.id, secret.id, viewer, { limit: 5 }),
        'THREAD_NOT_FOUND',
      );
    }
    // 404 before 403: a write by a non-member does not reveal the message or thread exists.
    await expectCode(post('intruder', null, hiddenThread.id, outsider), 'THREAD_NOT_FOUND');
    await expectCode(messages.update(secret.id, outsider, { content: 'x' }), 'MESSAGE_NOT_FOUND');
    await expectCode(messages.delete(secret.id, outsider), 'MESSAGE_NOT_FOUND');
    expect(await messages.get(secret.id, ada)).toEqual(secret);
    expect(events.events).toEqual([]);
  });

  it('leaves its messages out of searches by non-members, and scoped searches are 404', async () => {
    const secret = await post('needle inside', null, hiddenThread.id);
    const open = await post('needle outside');
    const search = async (viewer: Member | undefined) =>
      (await messages.search('needle', undefined, viewer, { limit: 5 })).items.map((m) => m.id);

    expect(await search(undefined)).toEqual([open.id]);
    expect(await search(grace)).toEqual([open.id]);
    expect(await search(ada)).toEqual([open.id, secret.id]);
    await expectCode(
      messages.search('needle', hiddenThread.id, grace, { limit: 5 }),
      'THREAD_NOT_FOUND',
    );
  });
});
