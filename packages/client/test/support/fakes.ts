import type { DomainEvent, Message } from '@communities/contracts';
import {
  RealtimeClient,
  type RealtimeClientError,
  type RealtimeClientOptions,
} from '@communities/client';
import type {
  CloseEventLike,
  FetchInit,
  FetchLike,
  FetchResponseLike,
  MessageEventLike,
  Timers,
  WebSocketConstructor,
  WebSocketLike,
} from '@communities/client';

/** Lets every pending promise chain run (fetches, token callbacks) before the test goes on. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 3; i += 1) await new Promise((resolve) => setImmediate(resolve));
}

/** Timers that run only when the test advances time; `delays` records every delay asked for. */
export class FakeClock implements Timers {
  private time = 0;
  private nextId = 1;
  private readonly due = new Map<number, { at: number; callback: () => void }>();
  readonly delays: number[] = [];

  now = (): number => this.time;

  setTimeout = (callback: () => void, ms: number): unknown => {
    const id = this.nextId++;
    this.delays.push(ms);
    this.due.set(id, { at: this.time + ms, callback });
    return id;
  };

  clearTimeout = (handle: unknown): void => {
    this.due.delete(handle as number);
  };

  /** Moves time forward, running each timer that falls due in order, settling after each. */
  async advance(ms: number): Promise<void> {
    const end = this.time + ms;
    for (;;) {
      await settle(); // timers set by promise chains already under way
      const next = [...this.due.entries()]
        .filter(([, timer]) => timer.at <= end)
        .sort((a, b) => a[1].at - b[1].at || a[0] - b[0])[0];
      if (!next) break;
      this.due.delete(next[0]);
      this.time = next[1].at;
      next[1].callback();
    }
    this.time = end;
    await settle();
  }
}

export type Sent = Record<string, unknown> & { action: string };

/** One socket the client opened; the test plays the gateway's side of it. */
export class FakeSocket implements WebSocketLike {
  onopen: ((event: unknown) => void) | null = null;
  onmessage: ((event: MessageEventLike) => void) | null = null;
  onclose: ((event: CloseEventLike) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;
  readonly sent: Sent[] = [];
  closedByClient: { code?: number; reason?: string } | undefined;

  constructor(readonly url: string) {}

  send(data: string): void {
    this.sent.push(JSON.parse(data) as Sent);
  }

  close(code?: number, reason?: string): void {
    this.closedByClient = { code, reason };
  }

  /** The upgrade succeeded. */
  open(): void {
    this.onopen?.({});
  }

  receive(frame: object): void {
    this.onmessage?.({ data: JSON.stringify(frame) });
  }

  serverClose(code: number, reason = ''): void {
    this.onclose?.({ code, reason });
  }

  /** The frames sent with this action, in order. */
  actions(action: string): Sent[] {
    return this.sent.filter((frame) => frame.action === action);
  }
}

/** Hands out FakeSockets as the client's `WebSocket` constructor and remembers them all. */
export class FakeGateway {
  readonly sockets: FakeSocket[] = [];
  readonly WebSocket: WebSocketConstructor;

  constructor() {
    const sockets = this.sockets;
    this.WebSocket = class extends FakeSocket {
      constructor(url: string) {
        super(url);
        sockets.push(this);
      }
    };
  }

  get latest(): FakeSocket {
    const socket = this.sockets[this.sockets.length - 1];
    if (!socket) throw new Error('no socket opened yet');
    return socket;
  }

  /** Opens the latest socket, answers its `authenticate` with `connected`, and settles. */
  async accept(): Promise<FakeSocket> {
    const socket = this.latest;
    socket.open();
    if (socket.sent[0]?.action !== 'authenticate') throw new Error('first frame not authenticate');
    socket.receive({ type: 'connected', user_id: MEMBER });
    await settle();
    return socket;
  }

  /** Acks every join not yet answered on the latest socket with the channel's position. */
  ackJoins(position: { seq?: number; epoch?: string } = {}): Sent[] {
    const socket = this.latest;
    const joins = socket.sent.filter((f) => f.action.startsWith('join_') && !f.answered);
    for (const join of joins) {
      join.answered = true;
      const channel =
        typeof join.thread_id === 'string'
          ? `thread:${join.thread_id}`
          : `community:${String(join.community_id)}`;
      socket.receive({ type: 'ack', action: join.action, channel, ref: join.ref, ...position });
    }
    return joins;
  }
}

export const MEMBER = 'aaaaaaaaaaaaaaaaaaaaaaaa';
export const THREAD = 'bbbbbbbbbbbbbbbbbbbbbbbb';
export const COMMUNITY = 'cccccccccccccccccccccccc';

export function message(seq: number, threadId = THREAD): Message {
  return {
    id: seq.toString(16).padStart(24, '0'),
    thread_id: threadId,
    community_id: COMMUNITY,
    content: `message ${seq}`,
    author: MEMBER,
    created_at: new Date(seq * 1000).toISOString(),
    edited_at: null,
    is_edited: false,
    reply_to: null,
    attachments: [],
    seq,
    client_msg_id: null,
  };
}

/** A `new_message` event at channel position (seq, epoch) carrying `payload`. */
export function newMessage(payload: Message, seq: number, epoch = 'e1'): DomainEvent {
  return {
    id: `event-${payload.id}-${seq}-${epoch}`,
    type: 'new_message',
    channel: `thread:${payload.thread_id}`,
    occurred_at: payload.created_at,
    data: { message: payload },
    seq,
    epoch,
  };
}

export function memberJoined(seq: number, epoch = 'e1'): DomainEvent {
  return {
    id: `event-join-${seq}-${epoch}`,
    type: 'member_joined',
    channel: `community:${COMMUNITY}`,
    occurred_at: new Date(0).toISOString(),
    data: { community_id: COMMUNITY, member_id: MEMBER, member_count: seq },
    seq,
    epoch,
  };
}

interface Request {
  method: string;
  path: string;
  query: URLSearchParams;
  body: Record<string, unknown> | undefined;
  authorization: string | undefined;
}

/**
 * The api-service's side of the REST calls: grants for every channel, a thread's messages by
 * `after_seq` in pages of `pageSize` (`next_cursor` is the next index), and idempotent posts.
 * `failNext` makes the next matching requests reject like a network error (`lost` ones after the
 * server processed them, so only the response is lost).
 */
export class FakeApi {
  readonly requests: Request[] = [];
  readonly messages: Message[] = [];
  pageSize = 100;
  private failures: { path: RegExp; lost: boolean }[] = [];
  private answers: { path: RegExp; status: number }[] = [];

  /** The next `count` requests to `path` reject like a network error (`lost`: after processing). */
  failNext(path: RegExp, count: number, { lost = false } = {}): void {
    for (let i = 0; i < count; i += 1) this.failures.push({ path, lost });
  }

  /** The next requests to `path` are answered with these statuses (and an error body), in order. */
  answerNext(path: RegExp, ...statuses: number[]): void {
    for (const status of statuses) this.answers.push({ path, status });
  }

  // Answers on a later microtask, like a real fetch; a thrown error becomes a rejection.
  readonly fetch: FetchLike = (url, init) => Promise.resolve().then(() => this.respond(url, init));

  private respond(url: string, init: FetchInit): FetchResponseLike {
    const request = this.parse(url, init);
    this.requests.push(request);
    const failure = this.failures.findIndex((f) => f.path.test(request.path));
    if (failure >= 0) {
      const { lost } = this.failures.splice(failure, 1)[0]!;
      if (lost) this.handle(request);
      throw new TypeError('fetch failed');
    }
    const answer = this.answers.findIndex((a) => a.path.test(request.path));
    if (answer >= 0) {
      const { status } = this.answers.splice(answer, 1)[0]!;
      if (status !== 200) {
        return {
          status,
          json: () => Promise.resolve({ error: { code: 'X', message: 'scripted' } }),
        };
      }
    }
    const [status, body] = this.handle(request);
    return { status, json: () => Promise.resolve(body) };
  }

  /** The requests to a path (a string is matched exactly, a RegExp tested). */
  to(path: string | RegExp): Request[] {
    return this.requests.filter((r) =>
      typeof path === 'string' ? r.path === path : path.test(r.path),
    );
  }

  private handle(request: Request): [number, unknown] {
    if (request.path === '/api/realtime/grants') {
      const channels = request.body?.channels as string[];
      return [
        200,
        {
          grants: channels.map((channel) => ({
            channel,
            grant: `grant-${channel}`,
            expires_at: '',
          })),
        },
      ];
    }
    const list = /^\/api\/messages\/thread\/(\w+)$/.exec(request.path);
    if (list && request.method === 'GET') {
      const afterSeq = Number(request.query.get('after_seq'));
      const start = Number(request.query.get('cursor') ?? 0);
      const after = this.messages
        .filter((m) => m.thread_id === list[1] && (m.seq ?? 0) > afterSeq)
        .sort((a, b) => (a.seq ?? 0) - (b.seq ?? 0));
      const items = after.slice(start, start + this.pageSize);
      const next = start + this.pageSize < after.length ? String(start + this.pageSize) : null;
      return [200, { items, next_cursor: next }];
    }
    if (list && request.method === 'POST') {
      const key = request.body?.client_msg_id as string;
      const replay = this.messages.find((m) => m.client_msg_id === key);
      if (replay) return [200, replay];
      const created = { ...message(this.messages.length + 1, list[1]), client_msg_id: key };
      created.content = request.body?.content as string;
      this.messages.push(created);
      return [201, created];
    }
    return [404, { error: { code: 'ROUTE_NOT_FOUND', message: request.path } }];
  }

  private parse(url: string, init: FetchInit): Request {
    const parsed = new URL(url);
    return {
      method: init.method,
      path: parsed.pathname,
      query: parsed.searchParams,
      body:
        init.body === undefined ? undefined : (JSON.parse(init.body) as Record<string, unknown>),
      authorization: init.headers.authorization,
    };
  }
}

/** A client wired to the fakes, with a fixed random source (0.5: delays at half the ceiling). */
export function harness(options: Partial<RealtimeClientOptions> = {}) {
  const gateway = new FakeGateway();
  const api = new FakeApi();
  const clock = new FakeClock();
  const tokens: string[] = [];
  const errors: RealtimeClientError[] = [];
  const client = new RealtimeClient({
    wsUrl: 'ws://gateway.test',
    apiUrl: 'http://api.test',
    memberId: MEMBER,
    getAccessToken: () => {
      tokens.push(`token-${tokens.length + 1}`);
      return Promise.resolve(tokens[tokens.length - 1]!);
    },
    WebSocket: gateway.WebSocket,
    fetch: api.fetch,
    timers: clock,
    random: () => 0.5,
    ...options,
  });
  client.on('error', (error) => errors.push(error));
  return { client, gateway, api, clock, tokens, errors };
}

/** Connects, accepts the socket, lets the grants arrive and acks the joins at `position`. */
export async function connectAndJoin(
  h: ReturnType<typeof harness>,
  position: { seq?: number; epoch?: string } = {},
): Promise<FakeSocket> {
  const connected = h.client.connect();
  await settle();
  const socket = await h.gateway.accept();
  await connected;
  await settle();
  h.gateway.ackJoins(position);
  return socket;
}
