import type { Community, Message, Thread, TokenPair } from '@communities/contracts';

const PASSWORD = 'correct horse battery staple';
let sequence = 0;

/** Just enough of the REST api to set up a thread and post into it, as a member. */
export class StandaloneApi {
  constructor(readonly baseUrl: string) {}

  async call<T>(method: string, path: string, body?: unknown, token?: string): Promise<T> {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (token !== undefined) headers.authorization = `Bearer ${token}`;
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const parsed = await response.json();
    if (response.status >= 400) {
      throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(parsed)}`);
    }
    return parsed as T;
  }

  /** Signs a member up and logs them in. */
  async member(): Promise<TokenPair> {
    sequence += 1;
    const name = `client_${process.pid}_${sequence}`;
    await this.call('POST', '/api/members/', {
      username: name,
      email: `${name}@example.com`,
      password: PASSWORD,
    });
    return this.call<TokenPair>('POST', '/api/auth/login', { login: name, password: PASSWORD });
  }

  /** A public community of `token`'s member with one thread in it. */
  async thread(token: string): Promise<Thread> {
    const community = await this.call<Community>(
      'POST',
      '/api/communities/',
      { name: `Client community ${sequence}` },
      token,
    );
    return this.call<Thread>(
      'POST',
      `/api/threads/community/${community.id}`,
      { title: 'resume' },
      token,
    );
  }

  post(threadId: string, content: string, token: string): Promise<Message> {
    return this.call<Message>('POST', `/api/messages/thread/${threadId}`, { content }, token);
  }
}
