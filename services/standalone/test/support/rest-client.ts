import {
  Community,
  GrantResponse,
  Member,
  MembershipResult,
  Message,
  Thread,
  TokenPair,
  type GrantableChannel,
} from '@communities/contracts';

export interface RestResponse {
  status: number;
  body: unknown;
  headers: Headers;
}

export const TEST_PASSWORD = 'correct horse battery staple';

/**
 * Settings every api under test here gets. The lowest scrypt cost keeps sign-ups and logins fast
 * (hashing is not what these suites test). With REDIS_URL the rate-limit counters live in Redis,
 * shared by every suite and engineer on that server and kept across runs, so they are switched
 * off there; the api-service's own suites test the limits.
 */
export const TEST_AUTH_ENV = { AUTH_PASSWORD_HASH_COST: '10' } as const;
export const NO_RATE_LIMITS_ENV = {
  RATE_LIMIT_LOGIN_PER_IP: 'off',
  RATE_LIMIT_LOGIN_PER_ACCOUNT: 'off',
  RATE_LIMIT_SIGNUP_PER_IP: 'off',
  RATE_LIMIT_WRITES_PER_MEMBER: 'off',
  RATE_LIMIT_WRITES_PER_IP: 'off',
} as const;

let sequence = 0;
const next = (): number => (sequence += 1);

/**
 * Talks to a running api over real HTTP (the suites here test processes wired together, not an
 * Express app in memory). Members are made by signing up and logging in, and remembered with their
 * access token: a call `as` a member id sends that token. Every builder checks the status and
 * parses the body with its contract schema, so a broken endpoint fails where it is called, with
 * the response in the message.
 */
export class RestClient {
  private readonly tokens = new Map<string, string>();

  constructor(readonly baseUrl: string) {}

  static forPort(port: number): RestClient {
    return new RestClient(`http://127.0.0.1:${port}`);
  }

  /** The access token of a member this client logged in (throws for anyone else). */
  tokenOf(memberId: string): string {
    const token = this.tokens.get(memberId);
    if (!token) throw new Error(`no access token for ${memberId}: make them with createMember`);
    return token;
  }

  /** One request; `as` (a member id) sends that member's access token, else it is anonymous. */
  async call(method: string, path: string, body?: unknown, as?: string): Promise<RestResponse> {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (as !== undefined) headers.authorization = `Bearer ${this.tokenOf(as)}`;
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers,
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
  async expect(
    status: number,
    method: string,
    path: string,
    body?: unknown,
    as?: string,
  ): Promise<unknown> {
    const res = await this.call(method, path, body, as);
    if (res.status !== status) {
      throw new Error(
        `expected HTTP ${status}, got ${res.status} for ${method} ${path}: ${JSON.stringify(res.body)}`,
      );
    }
    return res.body;
  }

  /** Logs in; the new access token is what later calls `as` this member send. */
  async login(login: string, password = TEST_PASSWORD): Promise<TokenPair> {
    const pair = TokenPair.parse(
      await this.expect(200, 'POST', '/api/auth/login', { login, password }),
    );
    this.tokens.set(pair.member_id, pair.access_token);
    return pair;
  }

  /** Signs a member up with TEST_PASSWORD and logs them in. */
  async createMember(): Promise<Member> {
    const n = `${process.pid}_${Date.now().toString(36)}_${next()}`;
    const member = Member.parse(
      await this.expect(201, 'POST', '/api/members/', {
        username: `member_${n}`,
        email: `member_${n}@example.com`,
        password: TEST_PASSWORD,
      }),
    );
    await this.login(member.username);
    return member;
  }

  /** Made by `owner`, who is then its owner and first member. */
  async createCommunity(owner: string, fields: { is_public?: boolean } = {}): Promise<Community> {
    return Community.parse(
      await this.expect(
        201,
        'POST',
        '/api/communities/',
        { name: `Community ${next()}`, ...fields },
        owner,
      ),
    );
  }

  async createThread(communityId: string, author: string): Promise<Thread> {
    return Thread.parse(
      await this.expect(
        201,
        'POST',
        `/api/threads/community/${communityId}`,
        { title: `Thread ${next()}` },
        author,
      ),
    );
  }

  async postMessage(threadId: string, author: string, content = `Message ${next()}`) {
    return Message.parse(
      await this.expect(201, 'POST', `/api/messages/thread/${threadId}`, { content }, author),
    );
  }

  async join(communityId: string, member: string): Promise<MembershipResult> {
    return MembershipResult.parse(
      await this.expect(200, 'POST', `/api/communities/${communityId}/join`, undefined, member),
    );
  }

  async leave(communityId: string, member: string): Promise<MembershipResult> {
    return MembershipResult.parse(
      await this.expect(200, 'POST', `/api/communities/${communityId}/leave`, undefined, member),
    );
  }

  /** `by` (owner or moderator) invites `member` to a private community. */
  async invite(communityId: string, member: string, by: string): Promise<void> {
    await this.expect(
      201,
      'POST',
      `/api/communities/${communityId}/invitations`,
      { member_id: member },
      by,
    );
  }

  /** A subscription grant of `member` for one channel, from `POST /api/realtime/grants`. */
  async grant(member: string, channel: GrantableChannel): Promise<string> {
    const { grants } = GrantResponse.parse(
      await this.expect(200, 'POST', '/api/realtime/grants', { channels: [channel] }, member),
    );
    const granted = grants.find((grant) => grant.channel === channel);
    if (!granted) throw new Error(`no grant for ${channel} in ${JSON.stringify(grants)}`);
    return granted.grant;
  }

  /** A member who owns a community and a thread in it. */
  async seedThread(): Promise<{ owner: Member; community: Community; thread: Thread }> {
    const owner = await this.createMember();
    const community = await this.createCommunity(owner.id);
    const thread = await this.createThread(community.id, owner.id);
    return { owner, community, thread };
  }

  /**
   * A private community with a thread: the owner invites each of `members`, who then join (the
   * join consumes the invitation).
   */
  async seedPrivateThread(
    members: readonly Member[],
  ): Promise<{ owner: Member; community: Community; thread: Thread }> {
    const owner = await this.createMember();
    const community = await this.createCommunity(owner.id, { is_public: false });
    for (const member of members) {
      await this.invite(community.id, member.id, owner.id);
      await this.join(community.id, member.id);
    }
    const thread = await this.createThread(community.id, owner.id);
    return { owner, community, thread };
  }
}
