import { spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { type BenchConfig } from '../config';
import { sleep } from '../infra/ports';
import { type ServerProcess } from '../infra/server-process';
import { Fleet } from '../loadgen/fleet';
import { PROTOCOLS, type ServerKind } from '../loadgen/protocols';
import { type Progress } from '../progress';
import { type LaunchContext, startRealtimeServer } from '../servers';
import { round } from '../stats';

export interface IdleRun {
  connections: number;
  connectMs: number;
  /** RSS after full GCs with the connections held, minus the same before, ÷ connections. */
  rssPerConnectionBytes: number;
  heapPerConnectionBytes: number;
  rssBeforeBytes: number;
  rssAfterBytes: number;
  /** Server CPU over the idle window ÷ connections ÷ seconds. */
  idleCpuUsPerConnectionPerS: number;
  serverFds: number;
}

export interface IdleServerResult {
  kind: ServerKind;
  runs: IdleRun[];
  error?: string;
}

export interface MaxConnections {
  kind: ServerKind;
  target: number;
  held: number;
  /** Why it stopped: the first failed connection, or the fd limit we aimed at. */
  limitedBy: string;
  rssPerConnectionBytes: number;
  serverFds: number;
  fdLimit: number;
}

export interface IdleResult {
  connections: number;
  windowMs: number;
  heartbeatMs: number;
  roomsPerSocket: number;
  servers: IdleServerResult[];
  max?: MaxConnections;
}

/** Sockets a process may open here: the hard limit, which the launcher raises every process to. */
export function hardFdLimit(): number {
  const out = spawnSync('sh', ['-c', 'ulimit -Hn'], { encoding: 'utf8' }).stdout.trim();
  const limit = Number(out);
  return Number.isFinite(limit) ? limit : 1_000_000;
}

/** Every socket joins one room, ten sockets a room, as in a quiet community. */
const roomOf = (index: number): number => Math.floor(index / 10);

async function warmUp(fleet: Fleet, count: number, concurrency: number): Promise<void> {
  await fleet.grow(count, concurrency);
  fleet.destroyAll();
  await sleep(500);
}

async function measureRun(
  kind: ServerKind,
  config: BenchConfig,
  ctx: LaunchContext,
  progress: Progress,
  label: string,
): Promise<IdleRun> {
  const { connections, windowMs, heartbeatMs } = config.idle;
  const server = await startRealtimeServer(kind, ctx, `idle-${kind}`, heartbeatMs);
  const fleet = new Fleet(PROTOCOLS[kind], server.port, roomOf, () => {});
  try {
    await warmUp(fleet, Math.min(200, connections), config.fanout.connectConcurrency);
    const before = await server.probe({ gc: true });
    const started = performance.now();
    const outcome = await fleet.grow(connections, config.fanout.connectConcurrency, (n) =>
      progress.update(`${label}: connecting ${n}/${connections}`),
    );
    if (outcome.error)
      throw new Error(`held ${outcome.connected}/${connections}: ${outcome.error}`);
    const connectMs = performance.now() - started;
    await sleep(Math.min(2000, windowMs));
    const after = await server.probe({ gc: true, fds: true });
    progress.update(`${label}: idle for ${windowMs / 1000} s`);
    const cpu0 = await server.probe();
    const t0 = performance.now();
    await sleep(windowMs);
    const cpu1 = await server.probe({ fds: true });
    const seconds = (performance.now() - t0) / 1000;
    const held = fleet.size;
    return {
      connections: held,
      connectMs: Math.round(connectMs),
      rssPerConnectionBytes: Math.round((after.rss - before.rss) / held),
      heapPerConnectionBytes: Math.round((after.heapUsed - before.heapUsed) / held),
      rssBeforeBytes: before.rss,
      rssAfterBytes: after.rss,
      idleCpuUsPerConnectionPerS: round((cpu1.cpuUs - cpu0.cpuUs) / held / seconds, 4),
      serverFds: cpu1.fds,
    };
  } finally {
    fleet.destroyAll();
    await sleep(200);
    await server.stop();
  }
}

/** As many connections as our gateway holds: up to the fd limit, or until one is refused. */
async function measureMax(
  config: BenchConfig,
  ctx: LaunchContext,
  progress: Progress,
): Promise<MaxConnections> {
  const fdLimit = hardFdLimit();
  // The server needs a few fds besides its sockets (Redis, logs, epoll, IPC), and so do we.
  const target = fdLimit - 64;
  let server: ServerProcess | undefined;
  let fleet: Fleet | undefined;
  try {
    server = await startRealtimeServer('ours', ctx, 'idle-max-ours', config.idle.heartbeatMs);
    const current = new Fleet(PROTOCOLS.ours, server.port, roomOf, () => {});
    fleet = current;
    const before = await server.probe({ gc: true });
    const outcome = await current.grow(target, config.fanout.connectConcurrency, (n) =>
      progress.update(`idle max ours: connecting ${n}/${target}`),
    );
    await sleep(1000);
    const after = await server.probe({ gc: true, fds: true });
    const held = current.size;
    return {
      kind: 'ours',
      target,
      held,
      limitedBy:
        outcome.error ??
        `the fd limit: ${fdLimit} per process (hard limit; the launcher raised to it)`,
      rssPerConnectionBytes: Math.round((after.rss - before.rss) / Math.max(1, held)),
      serverFds: after.fds,
      fdLimit,
    };
  } finally {
    fleet?.destroyAll();
    await sleep(500);
    await server?.stop();
  }
}

export async function runIdle(
  config: BenchConfig,
  ctx: LaunchContext,
  progress: Progress,
): Promise<IdleResult> {
  const servers: IdleServerResult[] = [];
  for (const kind of config.servers) {
    const result: IdleServerResult = { kind, runs: [] };
    try {
      for (let run = 1; run <= config.runs; run += 1) {
        const label = `idle ${kind} run ${run}/${config.runs}`;
        const measured = await measureRun(kind, config, ctx, progress, label);
        result.runs.push(measured);
        progress.log(
          `  ${label}: ${measured.connections} held, ` +
            `${(measured.rssPerConnectionBytes / 1024).toFixed(2)} KiB RSS/conn, ` +
            `${measured.idleCpuUsPerConnectionPerS} µs CPU/conn/s`,
        );
      }
    } catch (error) {
      result.error = error instanceof Error ? error.message : String(error);
      progress.log(`  idle ${kind}: ERROR ${result.error}`);
    }
    servers.push(result);
  }
  const idle: IdleResult = {
    connections: config.idle.connections,
    windowMs: config.idle.windowMs,
    heartbeatMs: config.idle.heartbeatMs,
    roomsPerSocket: 1,
    servers,
  };
  if (config.idle.max && config.servers.includes('ours')) {
    try {
      idle.max = await measureMax(config, ctx, progress);
      progress.log(`  idle max ours: held ${idle.max.held} (${idle.max.limitedBy})`);
    } catch (error) {
      progress.log(
        `  idle max ours: ERROR ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }
  return idle;
}
