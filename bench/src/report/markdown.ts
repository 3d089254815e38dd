import { SERVER_LABELS, type ServerKind } from '../loadgen/protocols';
import { type FanoutServerResult, type StepResult } from '../scenarios/fanout';
import { type IdleServerResult } from '../scenarios/idle';
import { type LoadRun } from '../scenarios/rest';
import { summarize } from '../stats';
import { type BenchReport } from './report';
import { type TargetCheck } from './targets';

type Row = (string | number)[];

function table(header: string[], rows: Row[]): string {
  const line = (cells: Row) => `| ${cells.map(String).join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

function num(value: number, digits = 0): string {
  if (!Number.isFinite(value)) return '–';
  return value.toLocaleString('en-US', {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
}

/** `median (min–max)` of several runs; just the value for a single run. */
function spread(values: number[], digits = 0): string {
  const s = summarize(values);
  if (values.length <= 1) return num(s.median, digits);
  return `${num(s.median, digits)} (${num(s.min, digits)}–${num(s.max, digits)})`;
}

const kib = (bytes: number) => bytes / 1024;

function label(kind: ServerKind): string {
  return SERVER_LABELS[kind];
}

function targetRow(check: TargetCheck): Row {
  const digits = check.unit === 'µs' || check.unit === 'ms' ? 2 : 0;
  const value = (v: number | null) =>
    v === null
      ? '–'
      : check.unit === 'bytes'
        ? `${num(kib(v), 2)} KiB`
        : `${num(v, digits)} ${check.unit}`;
  const verdict =
    check.met === null
      ? 'n/a'
      : check.met
        ? check.stretch === false
          ? 'met (stretch missed)'
          : 'met'
        : '**missed**';
  return [
    check.target,
    check.scope,
    value(check.ours),
    value(check.baseline),
    check.ratio === null ? '–' : `${num(check.ratio, 2)}×`,
    check.goal,
    verdict,
  ];
}

function stepCells(steps: StepResult[]): Row {
  return [
    spread(steps.map((s) => s.deliveriesPerS)),
    spread(
      steps.map((s) => s.p50Ms),
      2,
    ),
    spread(
      steps.map((s) => s.p99Ms),
      2,
    ),
    spread(
      steps.map((s) => s.maxMs),
      1,
    ),
    spread(
      steps.map((s) => s.serverCpuUsPerDelivery),
      2,
    ),
    spread(steps.map((s) => s.serverCpuUtil * 100)),
    spread(steps.map((s) => s.loadgenCpuUtil * 100)),
    steps.reduce((sum, s) => sum + s.lost, 0),
  ];
}

function fanoutRows(servers: FanoutServerResult[]): Row[] {
  return servers.map((entry) => {
    if (entry.error)
      return [label(entry.kind), `error: ${entry.error}`, '', '', '', '', '', '', '', ''];
    return [
      label(entry.kind),
      ...stepCells(entry.fixed),
      spread(entry.saturation.map((run) => run.rate)),
    ];
  });
}

function loadRows(name: string, runs: LoadRun[]): Row {
  return [
    name,
    spread(runs.map((r) => r.requestsPerS)),
    spread(
      runs.map((r) => r.p50Ms),
      1,
    ),
    spread(
      runs.map((r) => r.p99Ms),
      1,
    ),
    spread(runs.map((r) => r.serverCpuUtil * 100)),
    spread(
      runs.map((r) => (r.serverCpuUtil * 1000) / Math.max(1, r.requestsPerS)),
      2,
    ),
    runs.reduce((sum, r) => sum + r.non2xx + r.errors, 0),
  ];
}

function idleRow(entry: IdleServerResult): Row {
  if (entry.error) return [label(entry.kind), `error: ${entry.error}`, '', '', '', ''];
  const runs = entry.runs;
  return [
    label(entry.kind),
    spread(runs.map((r) => r.connections)),
    spread(
      runs.map((r) => kib(r.rssPerConnectionBytes)),
      2,
    ),
    spread(
      runs.map((r) => kib(r.heapPerConnectionBytes)),
      2,
    ),
    spread(
      runs.map((r) => r.idleCpuUsPerConnectionPerS),
      3,
    ),
    spread(
      runs.map((r) => r.connectMs / 1000),
      1,
    ),
  ];
}

/** The §4 targets table alone (also what `tools/readme-figures.ts` prints for the README). */
export function renderTargets(report: BenchReport): string {
  return report.targets.length === 0
    ? 'No target could be evaluated (a scenario or server was not run).'
    : table(
        ['target', 'scope', 'ours', 'baseline', 'ratio (ours ÷ baseline)', 'goal', 'result'],
        report.targets.map(targetRow),
      );
}

export function renderMarkdown(report: BenchReport): string {
  const { machine: m, parameters: p } = report;
  const out: string[] = [];
  out.push(`# Benchmark report (${report.mode})`);
  out.push(
    `Generated ${report.generatedAt} in ${Math.round(report.durationS)} s by \`${report.command}\`, ` +
      `commit ${m.commit}. Every figure is the median of ${p.runs} run(s), with (min–max).`,
  );
  out.push('## Machine');
  out.push(
    table(
      ['cores', 'CPU', 'memory', 'Node', 'kernel', 'load average (start → end)'],
      [
        [
          m.cores,
          m.cpuModel,
          `${m.memoryGiB} GiB`,
          m.node,
          m.kernel,
          `${m.loadAverageAtStart.join(' ')} → ${m.loadAverageAtEnd?.join(' ') ?? '?'}`,
        ],
      ],
    ),
  );
  out.push(`- Pinning: ${m.pinning}.\n- Redis: ${m.redis}.\n- MongoDB: ${m.mongo}.`);

  out.push('## Targets (issue 8 §4)');
  out.push(renderTargets(report));

  if (report.fanout) {
    const f = p.fanout;
    out.push('## Fan-out');
    out.push(
      `C WebSocket clients over R rooms, client i in room i mod R. One publisher at a fixed offered ` +
        `rate (open loop) sends a ${report.fanout.payloadBytes}-byte \`message_deleted\` event ` +
        `round-robin over the rooms: ours through Redis (\`RedisEventBus.publish\`, what the ` +
        `api-service uses), Socket.IO through Redis (\`@socket.io/redis-emitter\`), the raw ws floor ` +
        `over one control socket with no Redis. Each step: ${f.warmupMs} ms warm-up (not measured), ` +
        `${f.stepMs} ms measured, up to ${f.drainMs} ms for the last deliveries (later = lost). ` +
        `Latency is publish call → frame read by the client. CPU µs per delivery is the server ` +
        `process's \`process.cpuUsage()\` over the window ÷ deliveries. Saturation: the highest rate ` +
        `with p99 ≤ ${f.p99LimitMs} ms and nothing lost (doubling from ${num(f.searchStartRate)}/s, ` +
        `later runs ×1.25 from the previous result, then bisection to ` +
        `${f.searchPrecision * 100} %).`,
    );
    for (const shape of report.fanout.shapes) {
      out.push(`### ${shape.rooms} rooms × ${shape.perRoom} clients (${shape.clients} sockets)`);
      out.push(`At a fixed ${num(f.fixedRate)} offered deliveries/s:`);
      out.push(
        table(
          [
            'server',
            'deliveries/s',
            'p50 ms',
            'p99 ms',
            'max ms',
            'server CPU µs/delivery',
            'server CPU %',
            'load-gen CPU %',
            'lost',
            'saturation deliveries/s',
          ],
          fanoutRows(shape.servers),
        ),
      );
      const ours = shape.servers.find((s) => s.kind === 'ours');
      if (ours && ours.halfSaturation.length > 0) {
        out.push(`Ours at half its saturation rate (${num(ours.halfSaturation[0]!.offered)}/s):`);
        out.push(
          table(
            [
              'deliveries/s',
              'p50 ms',
              'p99 ms',
              'max ms',
              'server CPU µs/delivery',
              'server CPU %',
              'load-gen CPU %',
              'lost',
            ],
            [stepCells(ours.halfSaturation)],
          ),
        );
      }
    }
  }

  if (report.idle) {
    const i = report.idle;
    out.push('## Idle connections');
    out.push(
      `${num(i.connections)} sockets, each joined to one room (10 per room), heartbeat every ` +
        `${i.heartbeatMs / 1000} s on every server (ours: WS_HEARTBEAT_MS, Socket.IO: pingInterval, ` +
        `ws: a ping loop). RSS and heap growth per connection after full GCs (\`--expose-gc\`), ` +
        `against the same server after a warm-up; idle CPU over ${i.windowMs / 1000} s.`,
    );
    out.push(
      table(
        ['server', 'held', 'RSS KiB/conn', 'heap KiB/conn', 'idle CPU µs/conn/s', 'connect time s'],
        i.servers.map(idleRow),
      ),
    );
    if (i.max) {
      out.push(
        `Most connections held by ours: **${num(i.max.held)}** (aimed at ${num(i.max.target)}; ` +
          `limited by ${i.max.limitedBy}); ${num(kib(i.max.rssPerConnectionBytes), 2)} KiB RSS ` +
          `per connection there, ${num(i.max.serverFds)} fds open.`,
      );
    }
  }

  if (report.rest) {
    const r = report.rest;
    out.push('## REST');
    if (r.error) out.push(`Error: ${r.error}`);
    out.push(
      `autocannon, ${r.concurrency} connections, ${r.durationS} s per run. \`${r.postPath}\` with a ` +
        `${r.postBodyBytes}-byte body against the api-service on MongoDB (FerretDB) + Redis at ` +
        `LOG_LEVEL=${r.logLevel}, vs the same number of driver \`insertOne\` calls at the same ` +
        `concurrency into a collection with the same indexes. \`${r.getPath}\` on the ` +
        `api-service vs a bare Express route returning the same JSON. CPU is the server process's ` +
        `(for the driver row, the driver process's) over the run.`,
    );
    const driver: Row = [
      'driver insertOne alone',
      spread(r.driverInsert.map((d) => d.insertsPerS)),
      '–',
      '–',
      spread(r.driverInsert.map((d) => d.cpuUtil * 100)),
      spread(
        r.driverInsert.map((d) => (d.cpuUtil * 1000) / Math.max(1, d.insertsPerS)),
        2,
      ),
      0,
    ];
    out.push(
      table(
        ['what', 'per s', 'p50 ms', 'p99 ms', 'CPU %', 'CPU ms / request', 'errors / non-2xx'],
        [
          loadRows('POST message (ours)', r.post),
          driver,
          loadRows('GET /healthz (ours)', r.getOurs),
          loadRows('GET /healthz (bare Express)', r.getBare),
        ],
      ),
    );
  }

  out.push('## Parameters');
  out.push(
    [
      `- servers: ${p.servers.join(', ')}; scenarios: ${p.scenarios.join(', ')}; runs: ${p.runs}`,
      `- payload: ${p.payloadBytes} bytes; Redis: ${p.redisSource}; --cpu-prof: ${p.cpuProf}`,
      `- fan-out: ${JSON.stringify(p.fanout)}`,
      `- idle: ${JSON.stringify(p.idle)}`,
      `- rest: ${JSON.stringify(p.rest)}`,
    ].join('\n'),
  );
  if (report.notes.length > 0) {
    out.push('## Notes');
    out.push(report.notes.map((note) => `- ${note}`).join('\n'));
  }
  return `${out.join('\n\n')}\n`;
}
