import { Community, Member, Message, Thread } from '@communities/contracts';

export interface RestResponse {
  status: number;
  body: unknown;
  headers: Headers;
}

let sequence = 0;
const next = (): number => (sequence += 1);

/**
 * Talks to a running api over real HTTP (the suites here test processes wired together, not an
 * Express app in memory). Every builder checks the status and parses the body with its contract
 * schema, so a broken endpoint fails where it is called, with the response in the message.
 */
export class RestClient {
  constructor(readonly baseUrl: string) {}

  static forPort(port: number): RestClient {
    return new RestClient(`http://127.0.0.1:${port}`);
  }

  async call(method: string, path: string, body?: unknown): Promise<RestResponse> {
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    const isJson = response.headers.get('content-type')?.startsWith('application/json') ?? false;
    return {
      status: response.status,
      body: isJson && text !== '' ? (JSON.parse(text) as unknown) : text,
      headers: response.headers,
    };
  }

  /** `call`, failing unless the status is `status`; resolves with the body. */
  async expect(status: number, method: string, path: string, body?: unknown): Promise<unknown> {
    const res = await this.call(method, path, body);
    if (res.status !== status) {
      throw new Error(
        `expected HTTP ${status}, got ${res.status} for ${method} ${path}: ${JSON.stringify(res.body)}`,
      );
    }
    return res.body;
  }

  async createMember(): Promise<Member> {
    const n = `${process.pid}_${Date.now().toString(36)}_${next()}`;
    return Member.parse(
      await this.expect(201, 'POST', '/api/members/', {
        username: `member_${n}`,
        email: `member_${n}@example.com`,
      }),
    );
  }

  async createCommunity(createdBy: string): Promise<Community> {
    return Community.parse(
      await this.expect(201, 'POST', '/api/communities/', {
        name: `Community ${next()}`,
        created_by: createdBy,
      }),
    );
  }

  async createThread(communityId: string, createdBy: string): Promise<Thread> {
    return Thread.parse(
      await this.expect(201, 'POST', `/api/threads/community/${communityId}`, {
        title: `Thread ${next()}`,
        created_by: createdBy,
      }),
    );
  }

  async postMessage(threadId: string, author: string, content = `Message ${next()}`) {
    return Message.parse(
      await this.expect(201, 'POST', `/api/messages/thread/${threadId}`, { content, author }),
    );
  }

  /** A member who owns a community and a thread in it. */
  async seedThread(): Promise<{ owner: Member; community: Community; thread: Thread }> {
    const owner = await this.createMember();
    const community = await this.createCommunity(owner.id);
    const thread = await this.createThread(community.id, owner.id);
    return { owner, community, thread };
  }
}
