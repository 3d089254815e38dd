import { type Socket } from 'node:net';
import { type WebSocket } from 'ws';

/**
 * What this file reads of `ws` (8.x) internals, the only place in the gateway that does: `ws` has
 * no public way to write bytes framed elsewhere, nor to cork, and the fanout needs both. If a
 * later `ws` changes them, `writeFramed` answers false and the caller falls back to `ws.send`.
 */
interface WsInternals {
  _socket?: Socket | null;
  /** `Sender`: `_state` 0 (DEFAULT) and an empty `_queue` mean nothing of its own is pending. */
  _sender?: { _state?: unknown; _queue?: { length: number } } | null;
}

/**
 * Writes one complete frame (see `TextFrame`) straight to the socket under `ws`, after whatever
 * `ws` already wrote to it. Returns false, writing nothing, when the sender still holds frames of
 * its own (compressing, or reading a Blob): those must leave first, so the caller uses `ws.send`.
 *
 * The socket is corked until the end of the current tick (`corkUntilTickEnd`): every frame written
 * to it in the same tick, e.g. several broker messages from one read, leaves in one `writev`.
 */
export function writeFramed(ws: WebSocket, frame: Buffer): boolean {
  const { _socket: socket, _sender: sender } = ws as unknown as WsInternals;
  if (!socket || sender?._state !== 0 || sender._queue?.length !== 0) return false;
  corkUntilTickEnd(socket);
  socket.write(frame);
  return true;
}

let corked: Socket[] = [];

/**
 * Corks `socket` until the current tick's `process.nextTick` queue runs; all sockets corked in a
 * tick are uncorked there, once each. A socket already corked is left alone: only this function
 * corks across calls (`ws` corks and uncorks within one `sendFrame`), so already corked means
 * corked by this function in this tick.
 */
export function corkUntilTickEnd(socket: Socket): void {
  if (socket.writableCorked !== 0) return;
  socket.cork();
  if (corked.push(socket) === 1) process.nextTick(uncorkAll);
}

function uncorkAll(): void {
  // Swapped first: an uncork that leads to a write (and a cork) starts the next batch.
  const sockets = corked;
  corked = [];
  // Destroyed or ended sockets are fine: `uncork` on them has nothing to flush.
  for (const socket of sockets) socket.uncork();
}
