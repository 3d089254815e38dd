import type { Grant, Message, Page } from '@communities/contracts';
import type { FetchLike } from './platform';
import type { AccessTokenRequest } from './types';

/** A REST call answered with a status ≥ 400; `body` is the house error body when there is one. */
export class HttpError extends Error {
  override readonly name = 'HttpError';

  constructor(
    readonly status: number,
    readonly body: unknown,
    what: string,
  ) {
    super(`${what}: HTTP ${status} ${JSON.stringify(body)}`);
  }

  /** The error `code` of the house error body (`{"error": {"code", …}}`), if any. */
  get code(): string | undefined {
    return (this.body as { error?: { code?: string } } | undefined)?.error?.code;
  }
}

/**
 * Worth retrying: a network error (fetch rejected; the request may or may not have been
 * processed), a timeout, rate limiting or a server-side failure. A 4xx otherwise is final.
 */
export function isTransient(error: unknown): boolean {
  if (!(error instanceof HttpError)) return true;
  return error.status === 408 || error.status === 429 || error.status >= 500;
}

/** Most channels one grants request may ask for (`GrantRequestBody`). */
export const MAX_GRANTS_PER_REQUEST = 50;
/** The largest page the api serves (`MAX_PAGE_LIMIT`): catch-ups take as few round trips as possible. */
const PAGE_LIMIT = 100;

export interface PostBody {
  content: string;
  client_msg_id: string;
  reply_to?: string | null;
  attachments?: string[];
}

/** The api-service calls the client makes, authenticated with `getAccessToken()`. */
export class RestApi {
  constructor(
    private readonly apiUrl: string,
    private readonly fetch: FetchLike,
    private readonly getAccessToken: (request: AccessTokenRequest) => Promise<string>,
  ) {}

  /** One grant per channel, by channel (`POST /api/realtime/grants`, ≤ 50 channels). */
  async grants(channels: readonly string[]): Promise<Map<string, string>> {
    const { grants } = (await this.call('POST', '/api/realtime/grants', { channels })) as {
      grants: Grant[];
    };
    return new Map(grants.map((grant) => [grant.channel, grant.grant]));
  }

  /** A page of the thread's messages with seq > afterSeq, ascending (the REST side of resync). */
  async messagesAfter(
    threadId: string,
    afterSeq: number,
    cursor: string | null,
  ): Promise<Page<Message>> {
    // Built by hand: URLSearchParams is a DOM / Node global, not an ECMAScript one.
    let query = `after_seq=${afterSeq}&limit=${PAGE_LIMIT}`;
    if (cursor !== null) query += `&cursor=${encodeURIComponent(cursor)}`;
    const path = `/api/messages/thread/${encodeURIComponent(threadId)}?${query}`;
    return (await this.call('GET', path)) as Page<Message>;
  }

  /** One attempt at posting; a replay of the same `client_msg_id` answers the original message. */
  async postMessage(threadId: string, body: PostBody): Promise<Message> {
    const path = `/api/messages/thread/${encodeURIComponent(threadId)}`;
    return (await this.call('POST', path, body)) as Message;
  }

  /**
   * One request with the current access token. A 401 asks `getAccessToken({ rejected: true })`
   * once more and repeats the request (the token may have expired between the two).
   */
  private async call(method: string, path: string, body?: unknown): Promise<unknown> {
    for (let attempt = 0; ; attempt += 1) {
      const headers: Record<string, string> = {
        authorization: `Bearer ${await this.getAccessToken({ rejected: attempt > 0 })}`,
      };
      if (body !== undefined) headers['content-type'] = 'application/json';
      const response = await this.fetch(`${this.apiUrl}${path}`, {
        method,
        headers,
        ...(body !== undefined && { body: JSON.stringify(body) }),
      });
      const parsed = await response.json().catch(() => undefined);
      if (response.status < 400) return parsed;
      if (response.status !== 401 || attempt > 0) {
        throw new HttpError(response.status, parsed, `${method} ${path}`);
      }
    }
  }
}
