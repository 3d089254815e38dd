import {
  RealtimeClient,
  type RealtimeClientError,
  type ResyncInfo,
  type WebSocketConstructor,
  type WebSocketLike,
} from '@communities/client';
import type { Message } from '@communities/contracts';
import { WebSocket } from 'ws';
import type { Session } from './rest';
import { WireTap } from './wire-tap';

/** What a socket of a scripted client saw that the client itself does not expose. */
interface SocketObserver {
  /** The socket to gateway `gateway` authenticated (`connected`). */
  connected(gateway: number): void;
  /** The gateway is draining: it asked for a reconnect after `afterMs`. */
  reconnectRequested(gateway: number, afterMs: number): void;
}

/**
 * A `WebSocket` for the client that sends each new socket to the next gateway of the list, as a
 * load balancer in front of the gateways would once one of them is gone: the client opens a new
 * socket only after the previous one closed, so a client whose gateway died or drained goes to
 * another one. The path (`/ws/{member}`) is the client's own. Every frame either way is recorded
 * on `tap` as it crosses the socket, before the client sees it.
 */
function gatewayRotation(
  gatewayUrls: readonly string[],
  first: number,
  observer: SocketObserver,
  tap: WireTap,
): WebSocketConstructor {
  let opened = 0;
  return class GatewaySocket implements WebSocketLike {
    onopen: WebSocketLike['onopen'] = null;
    onmessage: WebSocketLike['onmessage'] = null;
    onclose: WebSocketLike['onclose'] = null;
    onerror: WebSocketLike['onerror'] = null;
    private readonly socket: WebSocket;
    private readonly record: ReturnType<WireTap['opened']>;

    constructor(url: string) {
      const gateway = (first + opened) % gatewayUrls.length;
      opened += 1;
      this.record = tap.opened(gateway);
      this.socket = new WebSocket(`${gatewayUrls[gateway]}${new URL(url).pathname}`);
      this.socket.onopen = (event) => this.onopen?.(event);
      this.socket.onerror = (event) => this.onerror?.(event);
      this.socket.onclose = (event) => this.onclose?.(event);
      this.socket.onmessage = (event) => {
        this.record('received', event.data);
        const frame = parseFrame(event.data);
        if (frame?.type === 'connected') observer.connected(gateway);
        if (frame?.type === 'reconnect') observer.reconnectRequested(gateway, frame.after_ms ?? -1);
        this.onmessage?.(event);
      };
    }

    send(data: string): void {
      this.record('sent', data);
      this.socket.send(data);
    }

    close(code?: number, reason?: string): void {
      this.socket.close(code, reason);
    }
  };
}

function parseFrame(data: unknown): { type?: string; after_ms?: number } | undefined {
  try {
    return JSON.parse(String(data)) as { type?: string; after_ms?: number };
  } catch {
    return undefined; // the client reports it; nothing for the observer
  }
}

/**
 * One scripted user: a `RealtimeClient` subscribed to one thread, recording every message it
 * delivers, which gateways its sockets reached, the drain requests and the REST resyncs.
 */
export class ScriptedClient {
  readonly client: RealtimeClient;
  /** Every `onMessage`, in delivery order (a duplicate would appear twice). */
  readonly messages: Message[] = [];
  /** The gateway index of each socket that authenticated, in order. */
  readonly gateways: number[] = [];
  /** `after_ms` of each `reconnect` frame, with the gateway that sent it. */
  readonly reconnects: { gateway: number; afterMs: number }[] = [];
  readonly resyncs: ResyncInfo[] = [];
  readonly errors: RealtimeClientError[] = [];
  /** What crossed its sockets and came over REST, below the client's dedupe and catch-up. */
  readonly wire = new WireTap();
  /** The thread it subscribed to. */
  threadId: string | undefined;

  constructor(
    readonly name: string,
    session: Session,
    options: { apiUrl: string; gatewayUrls: readonly string[]; firstGateway: number },
  ) {
    const observer: SocketObserver = {
      connected: (gateway) => this.gateways.push(gateway),
      reconnectRequested: (gateway, afterMs) => this.reconnects.push({ gateway, afterMs }),
    };
    this.client = new RealtimeClient({
      wsUrl: options.gatewayUrls[options.firstGateway]!,
      apiUrl: options.apiUrl,
      memberId: session.memberId,
      getAccessToken: () => Promise.resolve(session.token),
      WebSocket: gatewayRotation(options.gatewayUrls, options.firstGateway, observer, this.wire),
      fetch: this.wire.fetch(),
    });
    this.client.on('resynced', (info) => this.resyncs.push(info));
    this.client.on('error', (error) => this.errors.push(error));
  }

  /** Connects and subscribes to the thread; resolves once the join is acknowledged. */
  async subscribe(threadId: string): Promise<void> {
    this.threadId = threadId;
    const subscription = this.client.subscribeThread(threadId, {
      onMessage: (message) => this.messages.push(message),
    });
    await this.client.connect();
    await subscription.ready;
  }

  /** Whether every message of `sent` was delivered (at least once). */
  hasAll(sent: readonly Message[]): boolean {
    const delivered = new Set(this.messages.map((message) => message.id));
    return sent.every((message) => delivered.has(message.id));
  }

  close(): void {
    this.client.close();
  }
}
