import { WebSocket } from 'ws';
import { eventually } from './eventually';

export type WsFrame = Record<string, unknown> & { type: string };

/**
 * A `ws` client of the realtime gateway that records every frame it receives. `request` sends an
 * action with a fresh `ref` and resolves with the ack or error that echoes it, so tests never sleep.
 */
export class WsTestClient {
  readonly frames: WsFrame[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private refs = 0;

  private constructor(readonly socket: WebSocket) {
    // Text frames arrive as one Buffer (binaryType 'nodebuffer').
    socket.on('message', (data: Buffer) => {
      this.frames.push(JSON.parse(data.toString('utf8')) as WsFrame);
    });
    this.closed = new Promise((resolve) => {
      socket.once('close', (code, reason) => resolve({ code, reason: reason.toString() }));
    });
  }

  /** Connects to `ws://127.0.0.1:{port}/ws/{userId}` and waits for the `connected` frame. */
  static async connect(port: number, userId: string): Promise<WsTestClient> {
    const socket = new WebSocket(`ws://127.0.0.1:${port}/ws/${encodeURIComponent(userId)}`);
    const client = new WsTestClient(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    await client.waitFor((frame) => frame.type === 'connected');
    return client;
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

  async waitFor(match: (frame: WsFrame) => boolean, timeoutMs = 5000): Promise<WsFrame> {
    let found: WsFrame | undefined;
    await eventually(() => (found = this.frames.find(match)) !== undefined, { timeoutMs });
    return found as WsFrame;
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
