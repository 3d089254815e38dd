/**
 * Preloaded (`--import`) into every server process the benchmark starts, ours and the baselines
 * alike, so none of them needs benchmark code of its own: over the IPC channel it answers with the
 * process's own `process.cpuUsage()`, memory and open file descriptors, after a full GC when asked.
 */
import { readdirSync } from 'node:fs';
import { type ProbeReply, type ProbeRequest } from './probe-types';

function openFds(): number {
  try {
    return readdirSync('/proc/self/fd').length;
  } catch {
    return -1;
  }
}

function isRequest(message: unknown): message is ProbeRequest {
  return typeof message === 'object' && message !== null && 'probe' in message;
}

const send = process.send?.bind(process);
if (send) {
  process.on('message', (message: unknown) => {
    if (!isRequest(message)) return;
    if (message.gc && typeof global.gc === 'function') {
      // Several passes: the first frees objects whose finalizers free more.
      for (let pass = 0; pass < 4; pass += 1) global.gc();
    }
    const cpu = process.cpuUsage();
    const memory = process.memoryUsage();
    const reply: ProbeReply = {
      probe: message.probe,
      cpuUs: cpu.user + cpu.system,
      rss: memory.rss,
      heapUsed: memory.heapUsed,
      external: memory.external,
      fds: message.fds ? openFds() : -1,
    };
    send(reply);
  });
  // The IPC channel alone must not keep a server alive.
  process.channel?.unref();
}
