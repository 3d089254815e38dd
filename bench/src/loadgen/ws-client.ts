import { randomBytes } from 'node:crypto';
import { type Socket, connect } from 'node:net';
import { performance } from 'node:perf_hooks';

/**
 * Called for every complete text frame: `buf[start, end)` is the payload, `now` the receipt time
 * (`performance.now()`, read once per TCP read). The buffer may be reused: copy what you keep.
 */
export type TextHandler = (
  client: WsClient,
  buf: Buffer,
  start: number,
  end: number,
  now: number,
) => void;

export interface WsConnectOptions {
  port: number;
  path: string;
  host?: string;
  timeoutMs?: number;
  /** Extra upgrade request headers (e.g. `Authorization`). */
  headers?: Record<string, string>;
}

const OP_CONTINUATION = 0x0;
const OP_TEXT = 0x1;
const OP_BINARY = 0x2;
const OP_CLOSE = 0x8;
const OP_PING = 0x9;
const OP_PONG = 0xa;

/**
 * The load generator's WebSocket client, the same for every server under test: a plain TCP socket,
 * the RFC 6455 upgrade, and a frame parser that hands text payloads over as buffer ranges without
 * decoding them. It costs a fraction of a full client per frame, so that on a two-core machine the
 * load generator is not the first thing to saturate. Pings are answered; a close frame is echoed.
 */
export class WsClient {
  /** Until a steady-state handler is installed, text frames wait in the inbox for `nextText`. */
  onText: TextHandler = (_client, buf, start, end) => {
    this.inbox.push(buf.toString('utf8', start, end));
  };
  onClose: (client: WsClient) => void = () => {};
  closed = false;
  /** Free for the caller (e.g. the room this client joined). */
  tag = 0;
  private pending: Buffer | undefined;
  private fragments: Buffer[] | undefined;
  private readonly inbox: string[] = [];

  private constructor(private readonly socket: Socket) {}

  static connect(options: WsConnectOptions): Promise<WsClient> {
    const host = options.host ?? '127.0.0.1';
    return new Promise((resolve, reject) => {
      const socket = connect({ host, port: options.port });
      socket.setNoDelay(true);
      let header = Buffer.alloc(0);
      const timer = setTimeout(
        () => fail(new Error(`upgrade timed out after ${options.timeoutMs ?? 10_000} ms`)),
        options.timeoutMs ?? 10_000,
      );
      const fail = (error: Error): void => {
        clearTimeout(timer);
        socket.destroy();
        reject(error);
      };
      const onData = (chunk: Buffer): void => {
        header = Buffer.concat([header, chunk]);
        const end = header.indexOf('\r\n\r\n');
        if (end < 0) {
          if (header.length > 8192) fail(new Error('oversized upgrade response'));
          return;
        }
        const statusLine = header.toString('latin1', 0, header.indexOf('\r\n'));
        if (!/^HTTP\/1\.1 101 /.test(statusLine)) {
          fail(new Error(`upgrade refused: ${statusLine}`));
          return;
        }
        clearTimeout(timer);
        socket.off('data', onData);
        socket.off('error', fail);
        const client = new WsClient(socket);
        socket.on('data', (data: Buffer) => client.receive(data));
        socket.on('error', () => client.markClosed());
        socket.on('close', () => client.markClosed());
        resolve(client);
        const rest = header.subarray(end + 4);
        if (rest.length > 0) client.receive(rest);
      };
      socket.on('data', onData);
      socket.once('error', fail);
      socket.once('connect', () => {
        const key = randomBytes(16).toString('base64');
        const extra = Object.entries(options.headers ?? {})
          .map(([name, value]) => `${name}: ${value}\r\n`)
          .join('');
        socket.write(
          `GET ${options.path} HTTP/1.1\r\nHost: ${host}:${options.port}\r\n` +
            `Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\n` +
            `Sec-WebSocket-Version: 13\r\n${extra}\r\n`,
        );
      });
    });
  }

  sendText(text: string): void {
    this.sendFrame(OP_TEXT, Buffer.from(text, 'utf8'));
  }

  sendBinary(data: Buffer): void {
    this.sendFrame(OP_BINARY, data);
  }

  /**
   * Resolves with the first text frame for which `match` is true (e.g. an ack), looking at frames
   * already in the inbox first; frames that do not match stay in the inbox. Only for handshakes,
   * before a steady-state `onText` is installed.
   */
  nextText(match: (text: string) => boolean, timeoutMs = 10_000): Promise<string> {
    const queued = this.inbox.findIndex(match);
    if (queued >= 0) return Promise.resolve(this.inbox.splice(queued, 1)[0]!);
    const previous = this.onText;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.onText = previous;
        reject(new Error(`no matching frame within ${timeoutMs} ms`));
      }, timeoutMs);
      this.onText = (client, buf, start, end, now) => {
        const text = buf.toString('utf8', start, end);
        if (!match(text)) {
          previous(client, buf, start, end, now);
          return;
        }
        clearTimeout(timer);
        this.onText = previous;
        resolve(text);
      };
    });
  }

  /** Drops the TCP connection without a close handshake. */
  destroy(): void {
    this.socket.destroy();
    this.markClosed();
  }

  private markClosed(): void {
    if (this.closed) return;
    this.closed = true;
    this.onClose(this);
  }

  private sendFrame(opcode: number, payload: Buffer): void {
    if (this.closed) return;
    const length = payload.length;
    const headerLength = length < 126 ? 2 : length < 65536 ? 4 : 10;
    const frame = Buffer.allocUnsafe(headerLength + 4 + length);
    frame[0] = 0x80 | opcode;
    if (length < 126) {
      frame[1] = 0x80 | length;
    } else if (length < 65536) {
      frame[1] = 0x80 | 126;
      frame.writeUInt16BE(length, 2);
    } else {
      frame[1] = 0x80 | 127;
      frame.writeBigUInt64BE(BigInt(length), 2);
    }
    // Clients must mask; the key need not be secret for a load generator.
    const mask = randomBytes(4);
    mask.copy(frame, headerLength);
    const offset = headerLength + 4;
    for (let i = 0; i < length; i += 1) frame[offset + i] = payload[i]! ^ mask[i & 3]!;
    this.socket.write(frame);
  }

  private receive(chunk: Buffer): void {
    const now = performance.now();
    let buf = chunk;
    if (this.pending) {
      buf = Buffer.concat([this.pending, chunk]);
      this.pending = undefined;
    }
    let offset = 0;
    const total = buf.length;
    while (total - offset >= 2) {
      const b0 = buf[offset]!;
      const b1 = buf[offset + 1]!;
      let length = b1 & 0x7f;
      let header = 2;
      if (length === 126) {
        if (total - offset < 4) break;
        length = buf.readUInt16BE(offset + 2);
        header = 4;
      } else if (length === 127) {
        if (total - offset < 10) break;
        length = Number(buf.readBigUInt64BE(offset + 2));
        header = 10;
      }
      if (b1 & 0x80) header += 4; // a server never masks; tolerate it by skipping the key
      if (total - offset < header + length) break;
      const start = offset + header;
      const end = start + length;
      this.frame(b0, buf, start, end, now);
      offset = end;
    }
    if (offset < total) this.pending = buf.subarray(offset);
  }

  private frame(b0: number, buf: Buffer, start: number, end: number, now: number): void {
    const fin = (b0 & 0x80) !== 0;
    const opcode = b0 & 0x0f;
    switch (opcode) {
      case OP_TEXT:
        if (fin) this.onText(this, buf, start, end, now);
        else this.fragments = [Buffer.from(buf.subarray(start, end))];
        return;
      case OP_CONTINUATION: {
        if (!this.fragments) return;
        this.fragments.push(Buffer.from(buf.subarray(start, end)));
        if (fin) {
          const whole = Buffer.concat(this.fragments);
          this.fragments = undefined;
          this.onText(this, whole, 0, whole.length, now);
        }
        return;
      }
      case OP_PING:
        this.sendFrame(OP_PONG, Buffer.from(buf.subarray(start, end)));
        return;
      case OP_CLOSE:
        this.sendFrame(OP_CLOSE, Buffer.from(buf.subarray(start, Math.min(end, start + 2))));
        this.socket.end();
        this.markClosed();
        return;
      default:
        return; // binary and pong frames are not used by the servers under test
    }
  }
}
