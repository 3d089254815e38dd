import type { FetchLike } from '@communities/client';
import { Message } from '@communities/contracts';

/** A JSON frame as it crossed the socket, parsed but not validated (a bad frame is data here). */
export type WireFrame = Record<string, unknown>;

/** One frame on one socket: `received` from the gateway, or `sent` by the client. */
export interface WireRecord {
  direction: 'received' | 'sent';
  frame: WireFrame;
}

/** Everything that crossed one socket, in order. */
export interface WireConnection {
  /** The gateway the socket went to (index into the stack's gateways). */
  gateway: number;
  records: WireRecord[];
}

/** A frame that is not a JSON object; kept so that the counts can see it was there. */
const UNPARSEABLE: WireFrame = { type: '<unparseable>' };

/** Parses a text frame; anything but a JSON object becomes `UNPARSEABLE`. */
export function parseWireFrame(data: unknown): WireFrame {
  try {
    const value: unknown = JSON.parse(String(data));
    return typeof value === 'object' && value !== null ? (value as WireFrame) : UNPARSEABLE;
  } catch {
    return UNPARSEABLE;
  }
}

/**
 * What a scripted client's sockets and REST catch-ups carried, recorded below the client: every
 * frame the gateway wrote and every action the client sent, per socket, before the client's
 * dedupe, gap handling or catch-up touched them; and every message of the catch-up pages it
 * fetched over REST. The fault suites count the server's side of delivery from this, not from what
 * the client chose to deliver.
 */
export class WireTap {
  readonly connections: WireConnection[] = [];
  /** The messages of every `GET /api/messages/thread/…` page answered 200, in fetch order. */
  readonly restMessages: Message[] = [];

  /** A new socket to `gateway`; the returned function records what crosses it. */
  opened(gateway: number): (direction: WireRecord['direction'], data: unknown) => void {
    const connection: WireConnection = { gateway, records: [] };
    this.connections.push(connection);
    return (direction, data) => connection.records.push({ direction, frame: parseWireFrame(data) });
  }

  /** `fetch` for the client that records the messages of the thread pages it reads. */
  fetch(): FetchLike {
    return async (url, init) => {
      const response = await fetch(url, init);
      const body: unknown = await response.json().catch(() => undefined);
      if (init.method === 'GET' && response.status === 200 && isThreadPage(url)) {
        const items = (body as { items?: unknown[] } | undefined)?.items ?? [];
        this.restMessages.push(...items.map((item) => Message.parse(item)));
      }
      return { status: response.status, json: () => Promise.resolve(body) };
    };
  }
}

/** `GET /api/messages/thread/{id}?…`: a page of a thread's messages (a catch-up's REST side). */
function isThreadPage(url: string): boolean {
  return /\/api\/messages\/thread\/[^/?]+\?/.test(url);
}
