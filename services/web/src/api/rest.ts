import type {
  Community,
  Member,
  MembershipResult,
  Message,
  Page,
  Thread,
} from '@communities/contracts';
import type { Session } from './session';

const id = encodeURIComponent;

function page(path: string, limit: number, cursor: string | null | undefined): string {
  const join = path.includes('?') ? '&' : '?';
  return `${path}${join}limit=${limit}${cursor ? `&cursor=${id(cursor)}` : ''}`;
}

/** The REST calls of the app, as the logged-in member. Types are the contracts' (types only). */
export class Api {
  constructor(private readonly session: Session) {}

  communities(cursor?: string | null): Promise<Page<Community>> {
    return this.session.request('GET', page('/api/communities', 50, cursor));
  }

  community(communityId: string): Promise<Community> {
    return this.session.request('GET', `/api/communities/${id(communityId)}`);
  }

  createCommunity(body: {
    name: string;
    description: string;
    is_public: boolean;
  }): Promise<Community> {
    return this.session.request('POST', '/api/communities', body);
  }

  join(communityId: string): Promise<MembershipResult> {
    return this.session.request('POST', `/api/communities/${id(communityId)}/join`, {});
  }

  leave(communityId: string): Promise<MembershipResult> {
    return this.session.request('POST', `/api/communities/${id(communityId)}/leave`, {});
  }

  member(memberId: string): Promise<Member> {
    return this.session.request('GET', `/api/members/${id(memberId)}`);
  }

  memberByUsername(username: string): Promise<Member> {
    return this.session.request('GET', `/api/members/username/${id(username)}`);
  }

  invite(communityId: string, memberId: string): Promise<unknown> {
    return this.session.request('POST', `/api/communities/${id(communityId)}/invitations`, {
      member_id: memberId,
    });
  }

  /** Pinned first, then by last activity (the api's order). */
  threads(communityId: string, cursor?: string | null): Promise<Page<Thread>> {
    return this.session.request(
      'GET',
      page(`/api/threads/community/${id(communityId)}`, 100, cursor),
    );
  }

  createThread(communityId: string, body: { title: string; content: string }): Promise<Thread> {
    return this.session.request('POST', `/api/threads/community/${id(communityId)}`, body);
  }

  togglePin(threadId: string): Promise<Thread> {
    return this.session.request('POST', `/api/threads/${id(threadId)}/pin`);
  }

  /** Messages with a greater seq, in seq order. */
  messagesAfter(
    threadId: string,
    afterSeq: number,
    cursor?: string | null,
  ): Promise<Page<Message>> {
    const path = `/api/messages/thread/${id(threadId)}?after_seq=${afterSeq}`;
    return this.session.request('GET', page(path, 100, cursor));
  }

  editMessage(messageId: string, content: string): Promise<Message> {
    return this.session.request('PUT', `/api/messages/${id(messageId)}`, { content });
  }

  deleteMessage(messageId: string): Promise<void> {
    return this.session.request('DELETE', `/api/messages/${id(messageId)}`);
  }
}

/** Every page of a list, following `next_cursor`, up to `maxPages`. */
export async function allPages<T>(
  load: (cursor: string | null) => Promise<Page<T>>,
  maxPages = 20,
): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | null = null;
  for (let pages = 0; pages < maxPages; pages += 1) {
    const next: Page<T> = await load(cursor);
    items.push(...next.items);
    cursor = next.next_cursor;
    if (cursor === null) break;
  }
  return items;
}
