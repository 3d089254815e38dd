import { AppError, GLOBAL_CHANNEL } from '@communities/contracts';
import { type Logger } from 'pino';
import { type RawData, WebSocket } from 'ws';
import { type Authenticator } from '../auth/authenticator';
import { type GatewayMetrics } from '../metrics';
import { CLOSE, closeForAuthError } from '../protocol/close-codes';
import { decodeClientFrame } from '../protocol/decode-frame';
import {
  type ServerFrame,
  ackFrame,
  connectedFrame,
  encodeFrame,
  errorFrame,
  errorFrameFor,
} from '../protocol/server-frames';
import { type TextFrame } from '../protocol/text-frame';
import { type ActionHandler } from './action-handler';
import { type ActionRateLimit } from './action-rate-limit';
import { type ConnectionRegistry } from './connection-registry';
import { writeFramed } from './framed-writes';
import { type HeartbeatTarget } from './heartbeat';
import { type LocalConnection } from './local-connection';
import { type MemberQuota, type MemberQuotas } from './member-quotas';

/** Frames a client may have in flight before it is cut off; a well-behaved client awaits acks. */
const MAX_PENDING_FRAMES = 64;

export interface SessionDeps {
  registry: ConnectionRegistry;
  actions: ActionHandler;
  authenticator: Authenticator;
  /** WS_MAX_SOCKETS_PER_MEMBER, and where the member's action window is kept. */
  members: MemberQuotas;
  /** Undefined when WS_RATE_LIMIT_ACTIONS is "off". */
  rateLimit: ActionRateLimit | undefined;
  metrics: GatewayMetrics;
  logger: Logger;
  authTimeoutMs: number;
  /** After the socket closed and its channels were released (before `closed` resolves). */
  onClosed?: (session: ClientSession) => void;
}

/**
 * One client socket. Frames are handled strictly one after another, so acks come back in the order
 * the actions were sent even though joins wait for the broker (a client may send `authenticate`
 * and its joins without waiting).
 *
 * A socket whose upgrade carried a valid token starts authenticated. Otherwise its first frame
 * must be `authenticate`, within `authTimeoutMs`; anything else closes it with 4401. Once
 * authenticated it is admitted, unless its member already holds WS_MAX_SOCKETS_PER_MEMBER sockets
 * here (then it is closed with 4429): registered, implicitly joined to `global:notifications`, and
 * sent the `connected` frame, which is the "you're in" signal on every path.
 */
export class ClientSession implements LocalConnection, HeartbeatTarget {
  private queue: Promise<void> = IDLE;
  private pending = 0;
  private awaitingPong = false;
  private authenticated = false;
  private authTimer: NodeJS.Timeout | undefined;
  /** Shared with the member's other sockets here; set once admitted, cleared when released. */
  private quota: MemberQuota | undefined;
  private logger: Logger | undefined;
  /** `closed` is made on first use (a drain, a test): most sockets are never waited for. */
  private closedPromise: Promise<void> | undefined;
  private resolveClosed: (() => void) | undefined;
  private released = false;

  /**
   * @param userId from the path `/ws/{user_id}`; an authenticated socket's token has it as `sub`.
   * @param preAuthenticated true when the upgrade request carried a valid token for `userId`.
   */
  constructor(
    readonly id: string,
    readonly userId: string,
    private readonly socket: WebSocket,
    private readonly deps: SessionDeps,
    preAuthenticated: boolean,
  ) {
    // The listeners are shared by every session (they find theirs on the socket): one closure per
    // listener per socket would be a good part of an idle connection's memory.
    (socket as SessionSocket)[SESSION] = this;
    socket.on('close', onClose);
    socket.on('message', onMessage);
    socket.on('pong', onPong);
    socket.on('error', onError);
    if (preAuthenticated) {
      this.enqueue(() => this.admit());
    } else {
      this.authTimer = setTimeout(() => {
        this.deps.metrics.invalidFrame('unauthenticated');
        this.close(CLOSE.authenticationTimeout.code, CLOSE.authenticationTimeout.reason);
      }, deps.authTimeoutMs);
    }
  }

  get isOpen(): boolean {
    return this.socket.readyState === WebSocket.OPEN;
  }

  get bufferedAmount(): number {
    return this.socket.bufferedAmount;
  }

  send(frame: TextFrame | string): void {
    if (!this.isOpen) return;
    if (typeof frame === 'string') this.socket.send(frame);
    // `binary: false`: the fallback's Buffer goes out as a text frame, like the JSON it holds.
    else if (!writeFramed(this.socket, frame.bytes))
      this.socket.send(frame.payload, { binary: false });
  }

  close(code: number, reason: string): void {
    this.socket.close(code, reason);
  }

  /** Drops the connection without a close handshake (the peer stopped answering). */
  terminate(): void {
    this.socket.terminate();
  }

  /** Called by the socket's shared `close` listener. */
  socketClosed(code: number): void {
    this.log.debug({ code }, 'socket closed');
    clearTimeout(this.authTimer);
    if (this.quota) {
      this.quota = undefined;
      this.deps.members.release(this.userId);
    }
    void this.deps.registry.release(this).then(
      () => this.onReleased(),
      (error: unknown) => {
        this.log.error({ err: error }, 'releasing channels failed');
        this.onReleased();
      },
    );
  }

  private onReleased(): void {
    this.released = true;
    this.resolveClosed?.();
    this.deps.onClosed?.(this);
  }

  /** Called by the socket's shared `pong` listener. */
  ponged(): void {
    this.awaitingPong = false;
  }

  /** Called by the socket's shared `error` listener. */
  socketFailed(error: Error & { code?: string }): void {
    // `ws` closes the socket itself after a protocol error (1009 for an oversize frame, 1007
    // for invalid UTF-8, ...); transport errors such as ECONNRESET are not the client's frames.
    if (error.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') {
      this.deps.metrics.invalidFrame('too_big');
    } else if (error.code?.startsWith('WS_ERR_')) this.deps.metrics.invalidFrame('protocol');
    this.log.debug({ err: error }, 'socket error');
  }

  /** Resolves once the socket closed and every channel it held was released. */
  get closed(): Promise<void> {
    if (this.released) return Promise.resolve();
    return (this.closedPromise ??= new Promise((resolve) => {
      this.resolveClosed = resolve;
    }));
  }

  /** Made on first use: most sessions never log, and a child logger per socket costs memory. */
  private get log(): Logger {
    return (this.logger ??= this.deps.logger.child({ connection: this.id, userId: this.userId }));
  }

  probe(): void {
    if (this.awaitingPong) {
      this.log.info('terminating unresponsive peer');
      this.terminate();
      return;
    }
    this.awaitingPong = true;
    if (this.isOpen) this.socket.ping();
  }

  /** Called by the socket's shared `message` listener. */
  received(data: RawData, isBinary: boolean): void {
    if (this.pending >= MAX_PENDING_FRAMES) {
      this.deps.metrics.invalidFrame('protocol');
      this.close(CLOSE.tooManyPending.code, CLOSE.tooManyPending.reason);
      return;
    }
    this.enqueue(() => this.handleFrame(data, isBinary));
  }

  private async handleFrame(data: RawData, isBinary: boolean): Promise<void> {
    if (!this.isOpen) return; // closing: nobody will read the answer
    if (!this.authenticated) return this.handleFirstFrame(data, isBinary);
    const decoded = isBinary ? undefined : decodeClientFrame(rawText(data));
    const ref = decoded?.ok ? decoded.action.ref : decoded?.ref;
    // Every frame counts, refused ones too: answering garbage costs as much as answering actions.
    try {
      if (this.deps.rateLimit && this.quota) this.deps.rateLimit.consume(this.quota);
    } catch (error) {
      this.deps.metrics.invalidFrame('rate_limited');
      this.reply(errorFrameFor(error, ref));
      return;
    }
    if (!decoded) {
      this.deps.metrics.invalidFrame('binary');
      this.reply(
        errorFrame('UNSUPPORTED_MEDIA_TYPE', 'binary frames are not supported; send JSON text'),
      );
      return;
    }
    if (!decoded.ok) {
      this.deps.metrics.invalidFrame(decoded.reason);
      this.reply(errorFrame(decoded.code, decoded.message, decoded.ref));
      return;
    }
    try {
      this.reply(await this.deps.actions.perform(this, decoded.action));
    } catch (error) {
      const frame = errorFrameFor(error, decoded.action.ref);
      if (frame.code === 'INTERNAL') this.log.error({ err: error }, 'action failed');
      this.reply(frame);
    }
  }

  /** Authenticates with the first frame, or closes 4401 / 4403. */
  private async handleFirstFrame(data: RawData, isBinary: boolean): Promise<void> {
    const decoded = isBinary ? undefined : decodeClientFrame(rawText(data));
    if (!decoded?.ok || decoded.action.action !== 'authenticate') {
      this.deps.metrics.invalidFrame('unauthenticated');
      this.close(CLOSE.authenticationRequired.code, CLOSE.authenticationRequired.reason);
      return;
    }
    const { token, ref } = decoded.action;
    try {
      await this.deps.authenticator.authenticate(token, this.userId);
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      this.deps.metrics.invalidFrame('unauthenticated');
      const close = closeForAuthError(error);
      this.close(close.code, close.reason);
      return;
    }
    await this.admit(ackFrame('authenticate', undefined, ref));
  }

  /**
   * Takes a place among the member's sockets (or closes 4429), then acks `authenticate` if it was
   * sent, registers the socket, joins the global channel, and says `connected`.
   */
  private async admit(authenticateAck?: ServerFrame): Promise<void> {
    // Never admit a socket that already closed (timed out, or closed by the peer while the token
    // was checked): its release has run and would not run again.
    if (!this.isOpen) return;
    clearTimeout(this.authTimer);
    this.quota = this.deps.members.admit(this.userId);
    if (!this.quota) {
      this.deps.metrics.socketRefused();
      this.close(CLOSE.tooManyConnections.code, CLOSE.tooManyConnections.reason);
      return;
    }
    this.authenticated = true;
    if (authenticateAck) this.reply(authenticateAck);
    this.deps.registry.add(this);
    await this.deps.registry.join(this, GLOBAL_CHANNEL);
    this.reply(connectedFrame(this.userId));
  }

  private reply(frame: ServerFrame): void {
    this.send(encodeFrame(frame));
  }

  private enqueue(task: () => Promise<void>): void {
    this.pending += 1;
    this.queue = this.queue
      .then(task)
      .catch((error: unknown) => this.log.error({ err: error }, 'frame handling failed'))
      .finally(() => {
        this.pending -= 1;
        // Nothing waits on an idle queue: drop the settled chain rather than keep it per socket.
        if (this.pending === 0) this.queue = IDLE;
      });
  }
}

const IDLE: Promise<void> = Promise.resolve();

/** Where a socket's listeners find their session (set once, in the constructor). */
const SESSION = Symbol('session');
type SessionSocket = WebSocket & { [SESSION]?: ClientSession };

function sessionOf(socket: WebSocket): ClientSession {
  return (socket as SessionSocket)[SESSION]!;
}

function onClose(this: WebSocket, code: number): void {
  sessionOf(this).socketClosed(code);
}

function onMessage(this: WebSocket, data: RawData, isBinary: boolean): void {
  sessionOf(this).received(data, isBinary);
}

function onPong(this: WebSocket): void {
  sessionOf(this).ponged();
}

function onError(this: WebSocket, error: Error & { code?: string }): void {
  sessionOf(this).socketFailed(error);
}

function rawText(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}
