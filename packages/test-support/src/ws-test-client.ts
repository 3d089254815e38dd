import { WebSocket } from 'ws';
import { eventually } from './eventually';

export type WsFrame = Record<string, unknown> & { type: string };

/** How a test client presents its access token. */
export type WsAuthVia = 'header' | 'query' | 'frame';

export interface WsOpenOptions {
  /** Extra upgrade request headers (e.g. `Authorization`, `Origin`). */
  headers?: Record<string, string>;
  /** Query parameters appended to the path (e.g. `{ token }`). */
  query?: Record<string, string>;
}

export interface WsClose {
  code: number;
  reason: string;
}

function wsUrl(port: number, userId: string, query?: Record<string, string>): string {
  const search =
    query && Object.keys(query).length > 0 ? `?${new URLSearchParams(query).toString()}` : '';
  return `ws://127.0.0.1:${port}/ws/${encodeURIComponent(userId)}${search}`;
}

/**
 * A `ws` client of the realtime gateway that records every frame it receives. `request` sends an
 * action with a fresh `ref` and resolves with the ack or error that echoes it, so tests never sleep.
 */
export class WsTestClient {
  readonly frames: WsFrame[] = [];
  readonly closed: Promise<WsClose>;
  private closeInfo: WsClose | undefined;
  private refs = 0;

  private constructor(readonly socket: WebSocket) {
    // Text frames arrive as one Buffer (binaryType 'nodebuffer').
    socket.on('message', (data: Buffer) => {
      this.frames.push(JSON.parse(data.toString('utf8')) as WsFrame);
    });
    this.closed = new Promise((resolve) => {
      socket.once('close', (code, reason) => {
        this.closeInfo = { code, reason: reason.toString() };
        resolve(this.closeInfo);
      });
    });
  }

  /**
   * Opens `/ws/{userId}` and waits for the upgrade only: no `connected` frame is awaited, so the
   * socket may still have to authenticate. Rejects with the HTTP status if the upgrade is refused.
   */
  static async open(
    port: number,
    userId: string,
    options: WsOpenOptions = {},
  ): Promise<WsTestClient> {
    const socket = new WebSocket(wsUrl(port, userId, options.query), { headers: options.headers });
    const client = new WsTestClient(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('unexpected-response', (req, res) => {
        reject(new Error(`upgrade refused with ${res.statusCode}`));
        req.destroy();
      });
      socket.once('error', reject);
    });
    return client;
  }

  /**
   * Connects as `userId` with an access token, presented `via` the Authorization header (default),
   * the `token` query parameter, or an `authenticate` first frame; waits for the `connected` frame.
   */
  static async connect(
    port: number,
    userId: string,
    token: string,
    via: WsAuthVia = 'header',
    options: WsOpenOptions = {},
  ): Promise<WsTestClient> {
    const client = await WsTestClient.open(port, userId, {
      headers: {
        ...options.headers,
        ...(via === 'header' && { authorization: `Bearer ${token}` }),
      },
      query: { ...options.query, ...(via === 'query' && { token }) },
    });
    if (via === 'frame') await client.authenticate(token);
    await client.waitFor((frame) => frame.type === 'connected');
    return client;
  }

  /**
   * Resolves with the HTTP status an upgrade of `/ws/{userId}` was refused with, and the parsed
   * error body; rejects if the upgrade was accepted.
   */
  static refusal(
    port: number,
    userId: string,
    options: WsOpenOptions = {},
  ): Promise<{ status: number; body: unknown }> {
    return WsTestClient.refusalOfUrl(wsUrl(port, userId, options.query), options.headers);
  }

  /** Like `refusal`, for any path (e.g. one that is not `/ws/{user_id}`). */
  static refusalOfPath(
    port: number,
    path: string,
    headers?: Record<string, string>,
  ): Promise<{ status: number; body: unknown }> {
    return WsTestClient.refusalOfUrl(`ws://127.0.0.1:${port}${path}`, headers);
  }

  private static refusalOfUrl(
    url: string,
    headers?: Record<string, string>,
  ): Promise<{ status: number; body: unknown }> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url, { headers });
      socket.on('error', () => undefined);
      socket.once('unexpected-response', (req, res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: unknown = text;
          try {
            body = JSON.parse(text);
          } catch {
            // not JSON: keep the text
          }
          resolve({ status: res.statusCode ?? 0, body });
          req.destroy();
        });
      });
      socket.once('open', () => {
        socket.terminate();
        reject(new Error(`upgrade of ${url} was accepted`));
      });
    });
  }

  get isOpen(): boolean {
    return this.socket.readyState === WebSocket.OPEN;
  }

  send(frame: object | string | Buffer, binary = false): void {
    this.socket.send(
      typeof frame === 'object' && !Buffer.isBuffer(frame) ? JSON.stringify(frame) : frame,
      { binary },
    );
  }

  /** Sends `{"action":"authenticate","token":…}` with a new ref; resolves with its answer. */
  authenticate(token: string): Promise<WsFrame> {
    return this.request({ action: 'authenticate', token });
  }

  /** Sends `action` with a new ref; resolves with the ack or error frame answering it. */
  async request(action: Record<string, unknown>): Promise<WsFrame> {
    this.refs += 1;
    const ref = `r${this.refs}`;
    this.send({ ...action, ref });
    return this.waitFor((frame) => frame.ref === ref);
  }

  /** Like `request`, but fails unless the answer is an ack. */
  async ack(action: Record<string, unknown>): Promise<WsFrame> {
    const answer = await this.request(action);
    if (answer.type !== 'ack') throw new Error(`expected an ack, got ${JSON.stringify(answer)}`);
    return answer;
  }

  /**
   * The first received frame that matches. Fails after `timeoutMs`, or as soon as the socket has
   * closed without one (with the close code in the message).
   */
  async waitFor(match: (frame: WsFrame) => boolean, timeoutMs = 5000): Promise<WsFrame> {
    let found: WsFrame | undefined;
    await eventually(
      () => {
        found = this.frames.find(match);
        if (found === undefined && this.closeInfo) {
          throw new Error(
            `socket closed (${this.closeInfo.code} ${this.closeInfo.reason}) before a matching frame`,
          );
        }
        return found !== undefined;
      },
      { timeoutMs },
    );
    return found as WsFrame;
  }

  /** The close code and reason; fails if the socket is still open after `timeoutMs`. */
  async waitForClose(timeoutMs = 5000): Promise<WsClose> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`socket still open after ${timeoutMs} ms`)),
        timeoutMs,
      );
    });
    try {
      return await Promise.race([this.closed, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Domain events received so far (frames that carry an event envelope). */
  events(): WsFrame[] {
    return this.frames.filter((frame) => 'occurred_at' in frame);
  }

  /**
   * Domain events received on one channel. Suites that share a Redis server with other test files
   * see their `global:notifications` too, so "exactly these events" is asserted per channel.
   */
  eventsOn(channel: string): WsFrame[] {
    return this.events().filter((event) => event.channel === channel);
  }

  eventIds(): unknown[] {
    return this.events().map((event) => event.id);
  }

  async close(): Promise<void> {
    if (this.socket.readyState === WebSocket.CLOSED) return;
    this.socket.close();
    await this.closed;
  }
}
