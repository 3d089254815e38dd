import { roomChannel } from './event-payload';
import { type Protocol } from './protocols';
import { type TextHandler, type WsClient } from './ws-client';

export interface ConnectOutcome {
  connected: number;
  /** The first failure, when connecting stopped before the target. */
  error?: string;
}

/**
 * The load generator's sockets for one server: client `i` joins room `roomOf(i)` (none when
 * undefined), then gets the protocol's steady-state handler around `sink`.
 */
export class Fleet {
  readonly clients: (WsClient | undefined)[] = [];
  /** Clients the server closed (slow consumer, heartbeat, …) since the last `takeClosed`. */
  private closedSince = 0;
  private readonly handler: TextHandler;

  constructor(
    private readonly protocol: Protocol,
    private readonly port: number,
    private readonly roomOf: (index: number) => number | undefined,
    sink: TextHandler,
  ) {
    this.handler = protocol.steady(sink);
  }

  get size(): number {
    return this.clients.filter((client) => client && !client.closed).length;
  }

  takeClosed(): number {
    const closed = this.closedSince;
    this.closedSince = 0;
    return closed;
  }

  /** Opens clients until `target` are held, `concurrency` handshakes at a time. */
  async grow(
    target: number,
    concurrency: number,
    onProgress?: (connected: number) => void,
  ): Promise<ConnectOutcome> {
    let next = this.clients.length;
    let failure: string | undefined;
    const worker = async (): Promise<void> => {
      while (failure === undefined && next < target) {
        const index = next;
        next += 1;
        try {
          await this.open(index);
          if (index % 500 === 0) onProgress?.(index);
        } catch (error) {
          failure = `client ${index}: ${error instanceof Error ? error.message : String(error)}`;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
    const connected = this.size;
    return failure === undefined ? { connected } : { connected, error: failure };
  }

  /** Re-opens every client the server closed, so the next step starts at full strength. */
  async repair(concurrency: number): Promise<number> {
    const broken = this.clients.flatMap((client, index) => (client?.closed ? [index] : []));
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < broken.length) {
        const index = broken[next]!;
        next += 1;
        await this.open(index);
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
    this.closedSince = 0;
    return broken.length;
  }

  destroyAll(): void {
    for (const client of this.clients) {
      if (!client) continue;
      client.onClose = () => {};
      client.destroy();
    }
    this.clients.length = 0;
    this.closedSince = 0;
  }

  private async open(index: number): Promise<void> {
    const room = this.roomOf(index);
    const channel = room === undefined ? undefined : roomChannel(room);
    const client = await this.protocol.open(this.port, index, channel);
    client.tag = room ?? -1;
    client.onText = this.handler;
    client.onClose = () => {
      this.closedSince += 1;
    };
    this.clients[index] = client;
  }
}
