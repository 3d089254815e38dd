import { performance } from 'node:perf_hooks';
import { type BenchConfig, type FanoutShape } from '../config';
import { sleep } from '../infra/ports';
import { type ServerProcess } from '../infra/server-process';
import { DeliverySink } from '../loadgen/delivery-sink';
import { benchEvent } from '../loadgen/event-payload';
import { Fleet } from '../loadgen/fleet';
import { PROTOCOLS, type Publisher, type ServerKind } from '../loadgen/protocols';
import { type Progress } from '../progress';
import { type LaunchContext, startRealtimeServer } from '../servers';
import { round, summarize } from '../stats';

export interface StepResult {
  /** Offered deliveries/s (publishes/s × clients per room). */
  offered: number;
  publishesPerS: number;
  /** Measured events received per second of the measured window. */
  deliveriesPerS: number;
  expected: number;
  received: number;
  lost: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  serverCpuUsPerDelivery: number;
  /** Server CPU time ÷ wall time over the window (1 = one core busy). */
  serverCpuUtil: number;
  loadgenCpuUtil: number;
  clientsClosed: number;
  publishErrors: number;
  pass: boolean;
}

export interface SaturationRun {
  /** Highest offered deliveries/s that passed (0 if none did). */
  rate: number;
  steps: StepResult[];
}

export interface FanoutServerResult {
  kind: ServerKind;
  connectMs: number;
  fixed: StepResult[];
  saturation: SaturationRun[];
  /** Ours only: steps at half of our median saturation rate. */
  halfSaturation: StepResult[];
  error?: string;
}

export interface FanoutShapeResult {
  rooms: number;
  perRoom: number;
  clients: number;
  servers: FanoutServerResult[];
}

export interface FanoutResult {
  payloadBytes: number;
  shapes: FanoutShapeResult[];
}

const MAX_RATE = 5_000_000;

/** One server, one shape: its clients, its publisher, and the open-loop steps. */
class FanoutRig {
  private publishErrors = 0;

  constructor(
    private readonly server: ServerProcess,
    private readonly fleet: Fleet,
    private readonly publisher: Publisher,
    private readonly sink: DeliverySink,
    private readonly shape: FanoutShape,
    private readonly settings: BenchConfig['fanout'],
  ) {}

  /** Publishes at `perSecond` for `ms`, open loop (a late tick catches up); resolves with the count. */
  private publishFor(perSecond: number, ms: number): Promise<number> {
    const total = Math.max(1, Math.round((perSecond * ms) / 1000));
    const rooms = this.shape.rooms;
    return new Promise((resolve) => {
      const started = performance.now();
      let sent = 0;
      const tick = (): void => {
        const due = Math.min(total, Math.floor(((performance.now() - started) * perSecond) / 1000));
        while (sent < due) {
          const seq = this.sink.stamp();
          const result = this.publisher.publish(benchEvent(seq, seq % rooms));
          if (result) result.catch(() => (this.publishErrors += 1));
          sent += 1;
        }
        if (sent >= total) {
          clearInterval(timer);
          resolve(sent);
        }
      };
      const timer = setInterval(tick, 1);
      tick();
    });
  }

  async step(offered: number): Promise<StepResult> {
    const { warmupMs, stepMs, drainMs, p99LimitMs } = this.settings;
    const publishesPerS = offered / this.shape.perRoom;
    this.publishErrors = 0;
    this.fleet.takeClosed();
    await this.publishFor(publishesPerS, warmupMs);

    this.sink.openWindow();
    const cpu0 = await this.server.probe();
    const own0 = process.cpuUsage();
    const total0 = this.sink.total;
    const t0 = performance.now();
    const published = await this.publishFor(publishesPerS, stepMs);
    this.sink.closeWindow();
    const publishedAt = performance.now();
    const expected = published * this.shape.perRoom;
    while (this.sink.measured < expected && performance.now() - publishedAt < drainMs) {
      await sleep(5);
    }
    const t1 = performance.now();
    const cpu1 = await this.server.probe();
    const own = process.cpuUsage(own0);
    const deliveries = this.sink.total - total0;
    const latency = this.sink.latencies.percentiles();
    const received = this.sink.measured;
    const lost = Math.max(0, expected - received);
    const wallUs = (t1 - t0) * 1000;
    const clientsClosed = this.fleet.takeClosed();
    const result: StepResult = {
      offered: Math.round(offered),
      publishesPerS: round(publishesPerS),
      deliveriesPerS: Math.round(received / ((publishedAt - t0) / 1000)),
      expected,
      received,
      lost,
      p50Ms: round(latency.p50, 2),
      p99Ms: round(latency.p99, 2),
      maxMs: round(latency.max, 2),
      serverCpuUsPerDelivery: round((cpu1.cpuUs - cpu0.cpuUs) / Math.max(1, deliveries), 3),
      serverCpuUtil: round((cpu1.cpuUs - cpu0.cpuUs) / wallUs, 3),
      loadgenCpuUtil: round((own.user + own.system) / wallUs, 3),
      clientsClosed,
      publishErrors: this.publishErrors,
      pass: lost === 0 && clientsClosed === 0 && latency.p99 <= p99LimitMs,
    };
    await this.settle();
    return result;
  }

  /** Waits out any backlog of an overloaded step, and re-opens sockets the server closed. */
  private async settle(): Promise<void> {
    const deadline = performance.now() + 20_000;
    const quiet = this.settings.settleQuietMs;
    while (performance.now() - this.sink.lastReceiptAt < quiet && performance.now() < deadline) {
      await sleep(50);
    }
    await this.fleet.repair(this.settings.connectConcurrency);
  }

  /**
   * Highest offered rate with p99 within the limit and nothing lost: from `start`, multiply by
   * `factor` until a step fails (divide while they fail), then bisect (geometrically) until the
   * bracket is tight. Later runs start at the previous result with a small factor.
   */
  async saturation(
    start: number,
    factor: number,
    onStep: (step: StepResult) => void,
  ): Promise<SaturationRun> {
    const { searchPrecision, searchMaxSteps } = this.settings;
    const steps: StepResult[] = [];
    let passed = 0;
    let failed = Infinity;
    let rate = start;
    while (steps.length < searchMaxSteps) {
      const step = await this.step(rate);
      steps.push(step);
      onStep(step);
      if (step.pass) passed = Math.max(passed, rate);
      else failed = Math.min(failed, rate);
      if (failed === Infinity) rate = rate * factor;
      else if (passed === 0) rate = rate / factor;
      else if (failed / passed <= 1 + searchPrecision) break;
      else rate = Math.sqrt(passed * failed);
      if (rate > MAX_RATE || rate < 1) break;
    }
    return { rate: Math.round(passed), steps };
  }
}

function describe(step: StepResult): string {
  const verdict = step.pass ? 'ok' : 'FAIL';
  return (
    `${step.offered}/s → p99 ${step.p99Ms} ms, lost ${step.lost}, ` +
    `${step.serverCpuUsPerDelivery} µs/delivery, server ${Math.round(step.serverCpuUtil * 100)}% ` +
    `loadgen ${Math.round(step.loadgenCpuUtil * 100)}% ${verdict}`
  );
}

async function runServer(
  kind: ServerKind,
  shape: FanoutShape,
  config: BenchConfig,
  ctx: LaunchContext,
  progress: Progress,
): Promise<FanoutServerResult> {
  const settings = config.fanout;
  const label = `fanout ${shape.rooms}x${shape.perRoom} ${kind}`;
  const clients = shape.rooms * shape.perRoom;
  const result: FanoutServerResult = {
    kind,
    connectMs: 0,
    fixed: [],
    saturation: [],
    halfSaturation: [],
  };
  const protocol = PROTOCOLS[kind];
  const name = `fanout-${shape.rooms}x${shape.perRoom}-${kind}`;
  progress.update(`${label}: starting server`);
  const server = await startRealtimeServer(kind, ctx, name);
  const sink = new DeliverySink();
  const fleet = new Fleet(protocol, server.port, (index) => index % shape.rooms, sink.handler);
  let publisher: Publisher | undefined;
  try {
    const connectStart = performance.now();
    const outcome = await fleet.grow(clients, settings.connectConcurrency, (n) =>
      progress.update(`${label}: connecting ${n}/${clients}`),
    );
    if (outcome.error)
      throw new Error(`connected ${outcome.connected}/${clients}: ${outcome.error}`);
    result.connectMs = Math.round(performance.now() - connectStart);
    publisher = await protocol.publisher(server.port, ctx.redisUrl);
    const rig = new FanoutRig(server, fleet, publisher, sink, shape, settings);

    progress.update(`${label}: warm-up at ${settings.fixedRate}/s`);
    await rig.step(settings.fixedRate); // warm-up step: JIT, buffers, subscriptions; not reported
    let start = settings.searchStartRate;
    let factor = 2;
    for (let run = 1; run <= config.runs; run += 1) {
      progress.update(`${label} run ${run}/${config.runs}: fixed ${settings.fixedRate}/s`);
      const fixed = await rig.step(settings.fixedRate);
      result.fixed.push(fixed);
      progress.log(`  ${label} run ${run} fixed: ${describe(fixed)}`);
      const search = await rig.saturation(start, factor, (step) =>
        progress.update(`${label} run ${run}/${config.runs}: saturation ${describe(step)}`),
      );
      result.saturation.push(search);
      progress.log(
        `  ${label} run ${run} saturation: ${search.rate}/s (${search.steps.length} steps)`,
      );
      // Later runs start near the last result, so they need fewer steps.
      if (search.rate > 0) {
        start = search.rate;
        factor = 1.25;
      }
    }
    if (kind === 'ours') {
      const half = summarize(result.saturation.map((run) => run.rate)).median / 2;
      if (half > 0) {
        for (let run = 1; run <= config.runs; run += 1) {
          progress.update(
            `${label} run ${run}/${config.runs}: half saturation ${Math.round(half)}/s`,
          );
          const step = await rig.step(half);
          result.halfSaturation.push(step);
          progress.log(`  ${label} run ${run} at half saturation: ${describe(step)}`);
        }
      }
    }
  } catch (error) {
    result.error = error instanceof Error ? error.message : String(error);
    progress.log(`  ${label}: ERROR ${result.error}\n${server.logTail(5)}`);
  } finally {
    fleet.destroyAll();
    await publisher?.close();
    await sleep(200);
    await server.stop();
  }
  return result;
}

export async function runFanout(
  config: BenchConfig,
  ctx: LaunchContext,
  progress: Progress,
  payloadBytes: number,
): Promise<FanoutResult> {
  const shapes: FanoutShapeResult[] = [];
  for (const shape of config.fanout.shapes) {
    const servers: FanoutServerResult[] = [];
    for (const kind of config.servers) {
      servers.push(await runServer(kind, shape, config, ctx, progress));
    }
    shapes.push({
      rooms: shape.rooms,
      perRoom: shape.perRoom,
      clients: shape.rooms * shape.perRoom,
      servers,
    });
  }
  return { payloadBytes, shapes };
}
