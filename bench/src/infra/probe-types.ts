/** IPC messages between the runner and the probe agent preloaded into each server. */
export interface ProbeRequest {
  probe: number;
  /** Run full GCs first (memory figures). */
  gc?: boolean;
  /** Count open fds (lists /proc/self/fd: not free with 20k sockets, so only when asked). */
  fds?: boolean;
}

export interface ProbeReply {
  probe: number;
  /** `process.cpuUsage()` user + system, µs since the process started. */
  cpuUs: number;
  rss: number;
  heapUsed: number;
  external: number;
  /** -1 unless asked for. */
  fds: number;
}
