/**
 * The little of the platform the client uses, typed structurally so that neither DOM nor Node
 * typings are needed: a browser's `WebSocket` and `fetch`, the `ws` package's `WebSocket` and
 * Node's `fetch` all fit, and so do the fakes of the unit tests.
 */

/** A handler whose parameter is checked bivariantly, so the DOM's and `ws`'s handlers both fit. */
type Handler<E> = { bivarianceHack(event: E): void }['bivarianceHack'];

export interface MessageEventLike {
  /** A text frame's string (browsers and `ws` both give a string for text frames). */
  readonly data: unknown;
}

export interface CloseEventLike {
  readonly code: number;
  readonly reason: string;
}

/** The subset of the WHATWG `WebSocket` the client needs. */
export interface WebSocketLike {
  onopen: Handler<unknown> | null;
  onmessage: Handler<MessageEventLike> | null;
  onclose: Handler<CloseEventLike> | null;
  onerror: Handler<unknown> | null;
  send(data: string): void;
  /** Browsers accept only 1000 and 3000-4999 from a client. */
  close(code?: number, reason?: string): void;
}

export type WebSocketConstructor = new (url: string) => WebSocketLike;

export interface FetchInit {
  method: string;
  headers: Record<string, string>;
  body?: string;
}

export interface FetchResponseLike {
  readonly status: number;
  json(): Promise<unknown>;
}

/** `fetch(url, init)`; it rejects on a network error, which the client treats as transient. */
export type FetchLike = (url: string, init: FetchInit) => Promise<FetchResponseLike>;

/** Time, injectable so that tests drive backoff and drain delays deterministically. */
export interface Timers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  now(): number;
}

/** The host's timer functions, typed here: neither DOM nor Node typings are assumed. */
interface HostTimers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}
function host(): HostTimers {
  const scope: unknown = globalThis;
  return scope as HostTimers;
}

export const systemTimers: Timers = {
  setTimeout: (callback, ms) => host().setTimeout(callback, ms),
  clearTimeout: (handle) => host().clearTimeout(handle),
  now: () => Date.now(),
};

/** `globalThis.WebSocket` (browsers, Node 22+), else undefined (Node 20: pass `ws`). */
export function globalWebSocket(): WebSocketConstructor | undefined {
  return (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
}

/** The global `fetch`, called through globalThis (an unbound `fetch` throws in browsers). */
export function globalFetch(): FetchLike | undefined {
  const fetch = (globalThis as { fetch?: FetchLike }).fetch;
  return fetch ? (url, init) => fetch.call(globalThis, url, init) : undefined;
}

/** A random RFC 4122 v4 id: `crypto.randomUUID` where available (Node 19+, secure browser pages). */
export function randomId(random: () => number = Math.random): string {
  const scope = globalThis as { crypto?: { randomUUID?: () => string } };
  if (scope.crypto?.randomUUID) return scope.crypto.randomUUID();
  return 'xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx'.replace(/[xy]/g, (c) => {
    const n = Math.floor(random() * 16);
    return (c === 'x' ? n : (n & 0x3) | 0x8).toString(16);
  });
}
