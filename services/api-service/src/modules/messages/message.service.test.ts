import {
  AppError,
  DomainEvent,
  threadChannel,
  type ErrorCode,
  type Member,
  type Thread,
} from '@communities/contracts';
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
let threads: ThreadService;
let messages: MessageService;
let ada: Member;
let thread: Thread;
let otherThread: Thread;

beforeEach(async () => {
  repos = createRepositories(await NedbDocumentDb.open());
  await ensureIndexes(repos);
  events = new RecordingPublisher();
  members = new MemberService(repos);
  const communities = new CommunityService(repos, members, events);
  threads = new ThreadService(repos, communities, members, events);
  messages = new MessageService(repos, threads, members, events);
  ada = await members.create({ username: 'ada', email: 'ada@example.com' });
  const community = await communities.create(ada.id, {
    name: 'Rust',
    description: '',
    is_public: true,
    tags: [],
    avatar_url: null,
  });
  const threadBody = { title: 'T', content: '', tags: [] };
  thread = await threads.create(community.id, ada.id, threadBody);
  otherThread = await threads.create(community.id, ada.id, threadBody);
  events.events.length = 0;
});

afterEach(() => {
  for (const event of events.events) expect(DomainEvent.safeParse(event).success).toBe(true);
});

const unknownId = 'f'.repeat(24);
const types = (): string[] => events.events.map((e) => e.type);
const post = (content: string, reply_to: string | null = null, threadId = thread.id) =>
  messages.create(threadId, ada.id, { content, reply_to, attachments: [] });

async function expectCode(work: Promise<unknown>, code: ErrorCode): Promise<void> {
  await expect(work).rejects.toBeInstanceOf(AppError);
  await expect(work).rejects.toMatchObject({ code });
}

describe('MessageService.create', () => {
  it("posts into the thread's community, counts it, and announces it on the thread", async () => {
    const message = await post('hello');
    expect(message).toMatchObject({
      thread_id: thread.id,
      community_id: thread.community_id,
      author: ada.id,
      content: 'hello',
      reply_to: null,
    });
    const after = await threads.get(thread.id);
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

  it('refuses an inactive or unknown author, and an unknown thread, posting nothing', async () => {
    await members.deactivate(ada.id);
    await expectCode(post('hello'), 'MEMBER_INACTIVE');
    await expectCode(
      messages.create(thread.id, unknownId, { content: 'x', reply_to: null, attachments: [] }),
      'MEMBER_NOT_FOUND',
    );
    await expectCode(post('hello', null, unknownId), 'THREAD_NOT_FOUND');
    expect((await threads.get(thread.id)).message_count).toBe(0);
    expect(await repos.messages.countByAuthor(ada.id)).toBe(0);
    expect(events.events).toEqual([]);
  });

  it('accepts a reply to a message of the same thread', async () => {
    const root = await post('root');
    const reply = await post('reply', root.id);
    expect(reply.reply_to).toBe(root.id);
    const { items } = await messages.replies(thread.id, root.id, { limit: 5 });
    expect(items).toEqual([reply]);
  });

  it('refuses a reply to a message of another thread or to no message at all', async () => {
    const elsewhere = await post('elsewhere', null, otherThread.id);
    events.events.length = 0;
    await expectCode(post('reply', elsewhere.id), 'INVALID_REPLY_TARGET');
    await expectCode(post('reply', unknownId), 'INVALID_REPLY_TARGET');
    expect((await threads.get(thread.id)).message_count).toBe(0);
    expect((await messages.listOfThread(thread.id, { limit: 5 })).items).toEqual([]);
    expect(events.events).toEqual([]);
  });
});

describe('MessageService.update and delete', () => {
  it('marks an edit and announces it; nothing for an unknown message', async () => {
    const message = await post('hello');
    events.events.length = 0;
    const edited = await messages.update(message.id, { content: 'hello, world' });
    expect(edited).toMatchObject({ content: 'hello, world', is_edited: true });
    expect(edited.edited_at).not.toBeNull();
    await expectCode(messages.update(unknownId, { content: 'x' }), 'MESSAGE_NOT_FOUND');
    expect(events.events).toEqual([
      expect.objectContaining({ type: 'message_updated', data: { message: edited } }),
    ]);
  });

  it('decrements the count once when two callers delete the same message', async () => {
    const kept = await post('kept');
    const doomed = await post('doomed');
    events.events.length = 0;
    const outcomes = await Promise.allSettled([
      messages.delete(doomed.id),
      messages.delete(doomed.id),
    ]);
    expect(outcomes.map((o) => o.status).sort()).toEqual(['fulfilled', 'rejected']);
    const failure = outcomes.find((o) => o.status === 'rejected');
    expect(failure?.reason).toMatchObject({ code: 'MESSAGE_NOT_FOUND' });
    expect((await threads.get(thread.id)).message_count).toBe(1);
    expect(await messages.get(kept.id)).toEqual(kept);
    expect(events.events).toEqual([
      expect.objectContaining({
        type: 'message_deleted',
        channel: threadChannel(thread.id),
        data: { message_id: doomed.id, thread_id: thread.id },
      }),
    ]);
  });

  it('reports MESSAGE_NOT_FOUND for a message that is not there', async () => {
    await expectCode(messages.delete(unknownId), 'MESSAGE_NOT_FOUND');
    await expectCode(messages.get(unknownId), 'MESSAGE_NOT_FOUND');
    expect(types()).toEqual([]);
  });
});

describe('MessageService lists', () => {
  it('lists a thread oldest first, and only a known thread', async () => {
    const first = await post('one');
    const second = await post('two');
    const { items } = await messages.listOfThread(thread.id, { limit: 5 });
    expect(items.map((m) => m.id)).toEqual([first.id, second.id]);
    await expectCode(messages.listOfThread(unknownId, { limit: 5 }), 'THREAD_NOT_FOUND');
  });

  it('lists replies only for a message of the given thread', async () => {
    const elsewhere = await post('elsewhere', null, otherThread.id);
    await expectCode(messages.replies(thread.id, elsewhere.id, { limit: 5 }), 'MESSAGE_NOT_FOUND');
    await expectCode(messages.replies(thread.id, unknownId, { limit: 5 }), 'MESSAGE_NOT_FOUND');
    await expectCode(messages.replies(unknownId, elsewhere.id, { limit: 5 }), 'THREAD_NOT_FOUND');
  });

  it('searches message contents literally, within a thread when asked', async () => {
    const inThread = await post('costs $5.00 (net)');
    const elsewhere = await post('costs $5.00 (NET)', null, otherThread.id);
    await post('costs $5x00 (net)');
    const all = await messages.search('$5.00 (net)', undefined, { limit: 5 });
    expect(all.items.map((m) => m.id)).toEqual([elsewhere.id, inThread.id]);
    const only = await messages.search('$5.00 (net)', thread.id, { limit: 5 });
    expect(only.items.map((m) => m.id)).toEqual([inThread.id]);
  });
});
