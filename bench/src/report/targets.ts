import { type FanoutResult, type FanoutServerResult } from '../scenarios/fanout';
import { type IdleResult } from '../scenarios/idle';
import { type RestResult } from '../scenarios/rest';
import { summarize } from '../stats';

/** One line of issue 8 §4: our figure, the baseline's, their ratio (ours ÷ baseline), the goal. */
export interface TargetCheck {
  target: string;
  scope: string;
  ours: number;
  baseline: number | null;
  /** ours ÷ baseline; null for an absolute target. */
  ratio: number | null;
  goal: string;
  unit: string;
  /** null when a figure is missing (scenario not run, or it failed). */
  met: boolean | null;
  stretch?: boolean | null;
}

const median = (values: number[]): number => summarize(values).median;

function check(
  target: string,
  scope: string,
  ours: number,
  baseline: number | null,
  unit: string,
  goal: { at: 'most' | 'least'; value: number; text: string; stretch?: number },
): TargetCheck {
  const compared = baseline === null ? ours : ours / baseline;
  const known = Number.isFinite(compared) && (baseline === null || baseline > 0);
  const meets = (limit: number) => (goal.at === 'most' ? compared <= limit : compared >= limit);
  return {
    target,
    scope,
    ours,
    baseline,
    ratio: baseline === null || !known ? null : compared,
    goal: goal.text,
    unit,
    met: known ? meets(goal.value) : null,
    ...(goal.stretch !== undefined && { stretch: known ? meets(goal.stretch) : null }),
  };
}

function server(result: FanoutServerResult[], kind: string): FanoutServerResult | undefined {
  return result.find((entry) => entry.kind === kind && entry.error === undefined);
}

export function evaluateTargets(
  fanout: FanoutResult | undefined,
  idle: IdleResult | undefined,
  rest: RestResult | undefined,
): TargetCheck[] {
  const checks: TargetCheck[] = [];
  for (const shape of fanout?.shapes ?? []) {
    const scope = `${shape.rooms} rooms × ${shape.perRoom}`;
    const ours = server(shape.servers, 'ours');
    const sio = server(shape.servers, 'socketio');
    const floor = server(shape.servers, 'ws');
    if (!ours) continue;
    const cpu = (entry: FanoutServerResult) =>
      median(entry.fixed.map((step) => step.serverCpuUsPerDelivery));
    const sat = (entry: FanoutServerResult) => median(entry.saturation.map((run) => run.rate));
    if (sio) {
      checks.push(
        check('server CPU per delivery vs Socket.IO', scope, cpu(ours), cpu(sio), 'µs', {
          at: 'most',
          value: 1 / 3,
          stretch: 1 / 5,
          text: '≤ 1/3 (stretch 1/5)',
        }),
      );
      checks.push(
        check('saturation throughput vs Socket.IO', scope, sat(ours), sat(sio), 'deliveries/s', {
          at: 'least',
          value: 3,
          text: '≥ 3×',
        }),
      );
    }
    if (floor) {
      checks.push(
        check(
          'saturation throughput vs raw ws floor',
          scope,
          sat(ours),
          sat(floor),
          'deliveries/s',
          {
            at: 'least',
            value: 0.8,
            text: '≥ 0.8×',
          },
        ),
      );
    }
    const half = ours.halfSaturation.map((step) => step.p99Ms);
    checks.push(
      check('p99 publish→receipt at half our saturation', scope, median(half), null, 'ms', {
        at: 'most',
        value: 20,
        text: '≤ 20 ms',
      }),
    );
  }

  if (idle) {
    const rss = (kind: string): number | null => {
      const entry = idle.servers.find((s) => s.kind === kind && s.error === undefined);
      return entry ? median(entry.runs.map((run) => run.rssPerConnectionBytes)) : null;
    };
    const ours = rss('ours');
    const scope = `${idle.connections} idle connections`;
    if (ours !== null) {
      const floor = rss('ws');
      const sio = rss('socketio');
      if (floor !== null) {
        checks.push(
          check('idle RSS per connection vs plain ws', scope, ours, floor, 'bytes', {
            at: 'most',
            value: 1.2,
            text: '≤ 1.2×',
          }),
        );
      }
      checks.push(
        check('idle RSS per connection', scope, ours, null, 'bytes', {
          at: 'most',
          value: 10 * 1024,
          text: '≤ 10 KiB',
        }),
      );
      if (sio !== null) {
        checks.push(
          check('idle RSS per connection vs Socket.IO', scope, ours, sio, 'bytes', {
            at: 'most',
            value: 0.5,
            text: '≤ 0.5×',
          }),
        );
      }
    }
  }

  if (rest && rest.post.length > 0) {
    const scope = `concurrency ${rest.concurrency}`;
    checks.push(
      check(
        'REST POST message vs driver insertOne',
        scope,
        median(rest.post.map((run) => run.requestsPerS)),
        median(rest.driverInsert.map((run) => run.insertsPerS)),
        'per s',
        { at: 'least', value: 0.8, text: '≥ 0.8×' },
      ),
    );
  }
  if (rest && rest.getOurs.length > 0) {
    checks.push(
      check(
        'small-JSON GET vs bare Express route',
        `concurrency ${rest.concurrency}`,
        median(rest.getOurs.map((run) => run.requestsPerS)),
        median(rest.getBare.map((run) => run.requestsPerS)),
        'req/s',
        { at: 'least', value: 0.9, text: '≥ 0.9×' },
      ),
    );
  }
  return checks;
}
