import { CLOSE } from '../protocol/close-codes';
import { encodeFrame, reconnectFrame } from '../protocol/server-frames';

/** A socket as the drain sees it (`ClientSession`). */
export interface DrainTarget {
  send(frame: string): void;
  close(code: number, reason: string): void;
  /** Drops the socket without a close handshake. */
  terminate(): void;
  /** Resolves once the socket is closed and its channels are released. */
  readonly closed: Promise<void>;
}

export interface DrainOptions {
  /** Reconnect delays are uniform in [0, windowMs); every close is sent within the window. */
  windowMs: number;
  /** After the window, how long close handshakes may take before the sockets are terminated. */
  closeGraceMs: number;
  /** [0, 1), like Math.random (the default); tests pass their own. */
  random?: () => number;
}

/**
 * Spreads the reconnects of a stopping gateway's clients over the window instead of sending them
 * all to the other replicas at once (a thundering herd of upgrades, authentications and resumes):
 * each socket gets `{"type":"reconnect","after_ms":…}` at once and is closed with 1012 at its own
 * `after_ms`. Resolves when every socket has closed; by `windowMs + closeGraceMs` at the latest
 * (the rest are terminated).
 */
export async function drain(targets: readonly DrainTarget[], options: DrainOptions): Promise<void> {
  if (targets.length === 0) return;
  const random = options.random ?? Math.random;
  const timers: NodeJS.Timeout[] = [];
  for (const target of targets) {
    const afterMs = Math.min(
      Math.floor(random() * options.windowMs),
      Math.max(0, options.windowMs - 1),
    );
    target.send(encodeFrame(reconnectFrame(afterMs)));
    timers.push(setTimeout(() => target.close(CLOSE.drain.code, CLOSE.drain.reason), afterMs));
  }
  const deadline = setTimeout(
    () => targets.forEach((target) => target.terminate()),
    options.windowMs + options.closeGraceMs,
  );
  try {
    await Promise.all(targets.map((target) => target.closed));
  } finally {
    clearTimeout(deadline);
    timers.forEach((timer) => clearTimeout(timer));
  }
}
