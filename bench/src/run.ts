/**
 * `npm run bench [-- <scenario…>] [options]`: issue 8's harness. See bench/README.md.
 *
 * This process is the load generator. It first re-launches itself with its fd limit raised to the
 * hard limit and pinned (taskset) to the load-generator cores; servers run as separate processes
 * pinned to the other core.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, relative } from 'node:path';
import { performance } from 'node:perf_hooks';
import { format, resolveConfig } from 'prettier';
import { type BenchConfig, parseConfig } from './config';
import { launcher, planCpus, planEnv } from './infra/cpus';
import { REPO_ROOT } from './infra/paths';
import { provideRedis } from './infra/redis';
import { currentLogDir, setLogDir } from './infra/server-process';
import { assertValidPayload } from './loadgen/event-payload';
import { machineInfo, mongoServer } from './machine';
import { Progress } from './progress';
import { renderMarkdown } from './report/markdown';
import { type BenchReport } from './report/report';
import { evaluateTargets } from './report/targets';
import { type FanoutResult, type StepResult, runFanout } from './scenarios/fanout';
import { type IdleResult, runIdle } from './scenarios/idle';
import { type RestResult, runRest } from './scenarios/rest';

const RELAUNCHED = 'BENCH_LOADGEN';

function relaunch(): void {
  const cpus = planCpus();
  const [command, args] = launcher(cpus.loadgen, [
    process.execPath,
    ...process.execArgv,
    process.argv[1]!,
    ...process.argv.slice(2),
  ]);
  const child = spawn(command, args, {
    stdio: 'inherit',
    env: { ...process.env, ...planEnv(cpus), [RELAUNCHED]: '1' },
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => child.kill(signal));
  }
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

async function writeReport(report: BenchReport, config: BenchConfig): Promise<string[]> {
  mkdirSync(config.outDir, { recursive: true });
  const all = config.scenarios.length === 3;
  const stem = all ? 'latest' : `latest-${config.scenarios.join('-')}`;
  const written: string[] = [];
  mkdirSync(currentLogDir(), { recursive: true });
  writeFileSync(join(currentLogDir(), `${stem}.full.json`), JSON.stringify(report, null, 2));
  const files: [string, string, string][] = [
    [`${stem}.json`, JSON.stringify(compact(report)), 'json'],
    [`${stem}.md`, renderMarkdown(report), 'markdown'],
  ];
  for (const [name, text, parser] of files) {
    const path = join(config.outDir, name);
    const options = (await resolveConfig(path)) ?? {};
    const tmp = `${path}.tmp`;
    writeFileSync(tmp, await format(text, { ...options, parser }));
    renameSync(tmp, path);
    written.push(relative(REPO_ROOT, path));
  }
  return written;
}

function commandLine(config: BenchConfig): string {
  const args = process.argv.slice(2).filter((arg) => arg !== '--smoke');
  const script = config.mode === 'smoke' ? 'bench:smoke' : 'bench';
  return `npm run ${script}${args.length > 0 ? ` -- ${args.join(' ')}` : ''}`;
}

/**
 * The committed JSON stays small: each saturation step keeps only what decided it. The full
 * report (every field of every step) goes to `results/logs/`, which is not committed.
 */
function compact(report: BenchReport): BenchReport {
  if (!report.fanout) return report;
  const shapes = report.fanout.shapes.map((shape) => ({
    ...shape,
    servers: shape.servers.map((entry) => ({
      ...entry,
      saturation: entry.saturation.map((run) => ({
        rate: run.rate,
        steps: run.steps.map((step) => ({
          offered: step.offered,
          p99Ms: step.p99Ms,
          lost: step.lost,
          serverCpuUtil: step.serverCpuUtil,
          loadgenCpuUtil: step.loadgenCpuUtil,
          pass: step.pass,
        })) as StepResult[],
      })),
    })),
  }));
  return { ...report, fanout: { ...report.fanout, shapes } };
}

function notesFor(report: BenchReport): string[] {
  const notes: string[] = [];
  const [start] = report.machine.loadAverageAtStart;
  if ((start ?? 0) > 0.5) {
    notes.push(
      `The load average was ${start} at the start on ${report.machine.cores} cores: other work ` +
        `shared this machine, so absolute figures are noisy (ratios less so, as runs interleave ` +
        `or follow each other closely). Re-run on a quiet machine for publishable numbers.`,
    );
  }
  const realtime = report.parameters.scenarios.some((name) => name === 'fanout' || name === 'idle');
  if (realtime && report.parameters.servers.includes('ours')) {
    notes.push(
      `Our gateway's sockets authenticate (access token in the upgrade request) and join with a ` +
        `grant, as its clients must; the raw ws floor and Socket.IO have no authentication. ` +
        `That is a connect-time cost, outside every measured window, not a per-delivery one; ` +
        `what the gateway keeps per authenticated socket is part of its idle memory figure.`,
    );
  }
  for (const shape of report.fanout?.shapes ?? []) {
    for (const entry of shape.servers) {
      const boundary = entry.saturation.flatMap((run) => run.steps.filter((s) => !s.pass));
      const busy = boundary.filter((s) => s.loadgenCpuUtil >= 0.9);
      const neither = boundary.filter((s) => s.loadgenCpuUtil < 0.9 && s.serverCpuUtil < 0.9);
      if (boundary.length > 0 && neither.length === boundary.length) {
        notes.push(
          `${shape.rooms}×${shape.perRoom} ${entry.kind}: in every failing step neither the ` +
            `server nor the load generator was ≥ 90 % busy: the limit was elsewhere (Redis and the ` +
            `publisher share the load generator's core; other work on the machine), so that ` +
            `saturation figure is a lower bound for the server.`,
        );
      }
      if (busy.length > 0) {
        notes.push(
          `${shape.rooms}×${shape.perRoom} ${entry.kind}: the load generator was ≥ 90 % busy in ` +
            `${busy.length} failing step(s): that saturation figure may be the load generator's ` +
            `limit, a lower bound for the server.`,
        );
      }
    }
  }
  return notes;
}

function harnessErrors(report: BenchReport): string[] {
  const errors: string[] = [];
  for (const shape of report.fanout?.shapes ?? []) {
    for (const entry of shape.servers) {
      if (entry.error) errors.push(`fanout ${entry.kind}: ${entry.error}`);
      else if (entry.fixed.some((step) => step.received === 0)) {
        errors.push(`fanout ${entry.kind}: no event reached a client`);
      }
    }
  }
  for (const entry of report.idle?.servers ?? []) {
    if (entry.error) errors.push(`idle ${entry.kind}: ${entry.error}`);
  }
  if (report.rest?.error) errors.push(`rest: ${report.rest.error}`);
  else if (report.rest && report.rest.post.some((run) => run.ok === 0)) {
    errors.push('rest: no POST succeeded');
  }
  return errors;
}

async function main(): Promise<number> {
  const config = parseConfig(process.argv.slice(2), process.env);
  setLogDir(join(config.outDir, 'logs'));
  const started = performance.now();
  const progress = new Progress();
  const cpus = planCpus();
  const payloadBytes = assertValidPayload();
  progress.update('starting Redis');
  const redis = await provideRedis(config.ownRedis, config.redisUrl, cpus.loadgen);
  const ctx = { cpus: cpus.server, redisUrl: redis.url, cpuProf: config.cpuProf };
  const machine = machineInfo(
    cpus.note,
    `${redis.version}, ${redis.source === 'own' ? 'own redis-server on a spare port' : 'REDIS_URL'}`,
    config.scenarios.includes('rest') ? await mongoServer(config.mongoUrl) : 'not used',
  );
  let fanout: FanoutResult | undefined;
  let idle: IdleResult | undefined;
  let rest: RestResult | undefined;
  try {
    if (config.scenarios.includes('fanout')) {
      progress.log('== fan-out');
      fanout = await runFanout(config, ctx, progress, payloadBytes);
    }
    if (config.scenarios.includes('idle')) {
      progress.log('== idle connections');
      idle = await runIdle(config, ctx, progress);
    }
    if (config.scenarios.includes('rest')) {
      progress.log('== REST write path');
      rest = await runRest(config, ctx, progress);
    }
  } finally {
    await redis.stop();
  }
  machine.loadAverageAtEnd = loadavg().map((value) => Math.round(value * 100) / 100);
  const report: BenchReport = {
    generatedAt: new Date().toISOString(),
    mode: config.mode,
    durationS: Math.round((performance.now() - started) / 1000),
    command: commandLine(config),
    machine,
    parameters: {
      scenarios: config.scenarios,
      servers: config.servers,
      runs: config.runs,
      payloadBytes,
      fanout: config.fanout,
      idle: config.idle,
      rest: config.rest,
      cpuProf: config.cpuProf,
      redisSource: redis.source,
    },
    targets: evaluateTargets(fanout, idle, rest),
    ...(fanout && { fanout }),
    ...(idle && { idle }),
    ...(rest && { rest }),
    notes: [],
  };
  report.notes = notesFor(report);
  const files = await writeReport(report, config);
  progress.done();
  console.log(`\nreport: ${files.join(', ')} (${report.durationS} s)`);
  if (config.mode === 'smoke') {
    console.log('  smoke mode: figures are not meaningful and targets are not evaluated');
  }
  for (const target of config.mode === 'smoke' ? [] : report.targets) {
    const ratio = target.ratio === null ? '' : ` ratio ${target.ratio.toFixed(2)}×`;
    const verdict = target.met === null ? 'n/a' : target.met ? 'met' : 'MISSED';
    console.log(`  ${target.target} [${target.scope}]:${ratio} goal ${target.goal} → ${verdict}`);
  }
  const errors = harnessErrors(report);
  for (const error of errors) console.error(`harness error: ${error}`);
  return errors.length === 0 ? 0 : 1;
}

if (process.env[RELAUNCHED] !== '1') {
  relaunch();
} else {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
