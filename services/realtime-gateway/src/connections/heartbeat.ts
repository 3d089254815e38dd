/** A socket the heartbeat can probe. */
export interface HeartbeatTarget {
  /** Sends a ping, or terminates the socket if the previous ping got no pong. */
  probe(): void;
}

/**
 * Every `intervalMs`, probes every socket: a peer that did not answer the previous ping within one
 * interval is terminated (no close handshake: it is not listening). Returns the stop function.
 */
export function startHeartbeat(
  intervalMs: number,
  targets: () => Iterable<HeartbeatTarget>,
): () => void {
  const timer = setInterval(() => {
    for (const target of targets()) target.probe();
  }, intervalMs);
  // The HTTP server keeps the process alive; the heartbeat alone must not.
  timer.unref();
  return () => clearInterval(timer);
}
