import { createMember, expectAppError, hexId, at, useStore, type OpenStore } from './fixtures';
import { createMessage } from './messages.contract';
import { createThread } from './threads.contract';

const encode = (values: unknown): string =>
  Buffer.from(JSON.stringify(values)).toString('base64url');
const decode = (cursor: string): unknown[] =>
  JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];

export function cursorsContract(open: OpenStore): void {
  const store = useStore(open);

  it('rejects cursors that are not base64url JSON arrays with INVALID_CURSOR', async () => {
    const { repos } = store();
    const thread = hexId();
    for (const cursor of ['not-a-cursor', encode('x'), encode({ a: 1 }), encode([]), '%%%']) {
      await expectAppError(
        repos.messages.listOfThread(thread, { limit: 5, cursor }),
        'INVALID_CURSOR',
      );
    }
  });

  it('rejects a cursor whose values were tampered with', async () => {
    const { repos } = store();
    const thread = hexId();
    for (let i = 0; i < 3; i++) await createMessage(repos, thread, at(i));
    const first = await repos.messages.listOfThread(thread, { limit: 1 });
    const [date, id] = decode(first.next_cursor!);
    const tampered = [
      [date, 'zz'.repeat(12)],
      [date, String(id).toUpperCase()],
      [date, 42],
      ['yesterday', id],
      [Date.parse(String(date)), id],
      [date, id, id],
      [date],
    ];
    for (const values of tampered) {
      await expectAppError(
        repos.messages.listOfThread(thread, { limit: 1, cursor: encode(values) }),
        'INVALID_CURSOR',
      );
    }
    // The untouched cursor still works, so the rejections above are about the tampering.
    const second = await repos.messages.listOfThread(thread, {
      limit: 1,
      cursor: encode([date, id]),
    });
    expect(second.items).toHaveLength(1);
  });

  it("rejects one list's cursor on a list with a different order", async () => {
    const { repos } = store();
    const community = hexId();
    for (let i = 0; i < 2; i++) await createThread(repos, community, at(i));
    for (let i = 0; i < 2; i++) await createMember(repos);
    const threads = await repos.threads.listOfCommunity(community, { limit: 1 });
    const members = await repos.members.list({ limit: 1 });
    await expectAppError(
      repos.threads.listOfCommunity(community, { limit: 1, cursor: members.next_cursor! }),
      'INVALID_CURSOR',
    );
    await expectAppError(
      repos.members.list({ limit: 1, cursor: threads.next_cursor! }),
      'INVALID_CURSOR',
    );
    const [, lastActivity, id] = decode(threads.next_cursor!);
    await expectAppError(
      repos.threads.listOfCommunity(community, {
        limit: 1,
        cursor: encode(['false', lastActivity, id]),
      }),
      'INVALID_CURSOR',
    );
  });

  it('rejects tampered cursors on every kind of list', async () => {
    const { repos } = store();
    const bad = encode(['nope']);
    const lists: (() => Promise<unknown>)[] = [
      () => repos.members.list({ limit: 1, cursor: bad }),
      () => repos.communities.list({ limit: 1, cursor: bad }),
      () => repos.memberships.pageOfCommunity(hexId(), { limit: 1, cursor: bad }),
      () => repos.memberships.pageOfMember(hexId(), { limit: 1, cursor: bad }),
      () => repos.threads.listOfCommunity(hexId(), { limit: 1, cursor: bad }),
      () => repos.communities.list({ limit: 1, cursor: bad }, [hexId()]),
      () => repos.memberships.pageOfMember(hexId(), { limit: 1, cursor: bad }, [hexId()]),
      () => repos.threads.search('x', { except: [] }, { limit: 1, cursor: bad }),
      () => repos.threads.search('x', { except: [hexId()] }, { limit: 1, cursor: bad }),
      () => repos.threads.search('x', { communityId: hexId() }, { limit: 1, cursor: bad }),
      () => repos.messages.listOfThread(hexId(), { limit: 1, cursor: bad }),
      () => repos.messages.repliesTo(hexId(), hexId(), { limit: 1, cursor: bad }),
      () => repos.messages.search('x', { except: [] }, { limit: 1, cursor: bad }),
      () => repos.messages.search('x', { except: [hexId()] }, { limit: 1, cursor: bad }),
      () => repos.messages.search('x', { threadId: hexId() }, { limit: 1, cursor: bad }),
    ];
    for (const list of lists) await expectAppError(list(), 'INVALID_CURSOR');
  });
}
