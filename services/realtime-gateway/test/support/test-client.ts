import { eventually } from '@communities/test-support';
import { WebSocket } from 'ws';

export type Frame = Record<string, unknown> & { type: string };

/**
 * A `ws` client that records every frame it receives. `request` sends an action with a fresh `ref`
 * and resolves with the ack or error that echoes it, so tests never sleep.
 */
export class TestClient {
  readonly frames: Frame[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private refs = 0;

  private constructor(readonly socket: WebSocket) {
    // Text frames arrive as one Buffer (binaryType 'nodebuffer').
    socket.on('message', (data: Buffer) => {
      this.frames.push(JSON.parse(data.toString('utf8')) as Frame);
    });
    this.closed = new Promise((resolve) => {
      socket.once('close', (code, reason) => resolve({ code, reason: reason.toString() }));
    });
  }

  /** Connects to `/ws/{userId}` and waits for the `connected` frame. */
  static async connect(port: number, userId: string): Promise<TestClient> {
    const socket = new WebSocket(`ws://127.0.0.1:${port}/ws/${encodeURIComponent(userId)}`);
    const client = new TestClient(socket);
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
      {
        binary,
      },
    );
  }

  /** Sends `action` with a new ref; resolves with the ack or error frame answering it. */
  async request(action: Record<string, unknown>): Promise<Frame> {
    this.refs += 1;
    const ref = `r${this.refs}`;
    this.send({ ...action, ref });
    return this.waitFor((frame) => frame.ref === ref);
  }

  /** Like `request`, but fails unless the answer is an ack. */
  async ack(action: Record<string, unknown>): Promise<Frame> {
    const answer = await this.request(action);
    if (answer.type !== 'ack') throw new Error(`expected an ack, got ${JSON.stringify(answer)}`);
    return answer;
  }

  async waitFor(match: (frame: Frame) => boolean, timeoutMs = 5000): Promise<Frame> {
    let found: Frame | undefined;
    await eventually(() => (found = this.frames.find(match)) !== undefined, { timeoutMs });
    return found as Frame;
  }

  /** Domain events received so far (frames that carry an event envelope). */
  events(): Frame[] {
    return this.frames.filter((frame) => 'occurred_at' in frame);
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
