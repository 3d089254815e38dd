import { Community, Message, Thread, TokenPair, pageOf } from '@communities/contracts';

const PASSWORD = 'correct horse battery staple';
const MessagePage = pageOf(Message);
let sequence = 0;

export interface Session {
  memberId: string;
  token: string;
}

export interface RestResponse {
  status: number;
  body: unknown;
  headers: Headers;
}

/**
 * The REST calls the fault suites make to set a scene (members, a thread) and to read what the
 * api stored. Each builder checks the status and parses the body with its contract schema.
 */
export class Rest {
  constructor(readonly apiUrl: string) {}

  async call(
    method: string,
    path: string,
    options: { body?: unknown; token?: string } = {},
  ): Promise<RestResponse> {
    const headers: Record<string, string> = {};
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
    const response = await fetch(`${this.apiUrl}${path}`, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
    const text = await response.text();
    return {
      status: response.status,
      body: text === '' ? undefined : (JSON.parse(text) as unknown),
      headers: response.headers,
    };
  }

  async expect(
    status: number,
    method: string,
    path: string,
    options: { body?: unknown; token?: string } = {},
  ): Promise<unknown> {
    const response = await this.call(method, path, options);
    if (response.status !== status) {
      throw new Error(
        `${method} ${path}: expected ${status}, got ${response.status} ${JSON.stringify(response.body)}`,
      );
    }
    return response.body;
  }

  /** Signs a member up and logs them in. */
  async member(): Promise<Session> {
    sequence += 1;
    const name = `fault_${process.pid}_${Date.now().toString(36)}_${sequence}`;
    await this.expect(201, 'POST', '/api/members/', {
      body: { username: name, email: `${name}@example.com`, password: PASSWORD },
    });
    const pair = TokenPair.parse(
      await this.expect(200, 'POST', '/api/auth/login', {
        body: { login: name, password: PASSWORD },
      }),
    );
    return { memberId: pair.member_id, token: pair.access_token };
  }

  /** A public community of `owner` with one thread in it. */
  async thread(owner: Session): Promise<Thread> {
    const community = Community.parse(
      await this.expect(201, 'POST', '/api/communities/', {
        body: { name: `Faults ${sequence}` },
        token: owner.token,
      }),
    );
    return Thread.parse(
      await this.expect(201, 'POST', `/api/threads/community/${community.id}`, {
        body: { title: 'under faults' },
        token: owner.token,
      }),
    );
  }

  /** Every message of the thread, in `seq` order (`after_seq=0`, every page). */
  async messages(threadId: string): Promise<Message[]> {
    const all: Message[] = [];
    let cursor: string | null = null;
    do {
      const query = `after_seq=0&limit=100${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`;
      const page = MessagePage.parse(
        await this.expect(200, 'GET', `/api/messages/thread/${threadId}?${query}`),
      );
      all.push(...page.items);
      cursor = page.next_cursor;
    } while (cursor !== null);
    return all;
  }

  /** The value of a Prometheus counter or gauge on `/metrics`, summed over its labels. */
  async metric(name: string): Promise<number> {
    const response = await fetch(`${this.apiUrl}/metrics`);
    const text = await response.text();
    return text
      .split('\n')
      .filter((line) => line.startsWith(`${name} `) || line.startsWith(`${name}{`))
      .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
  }
}
