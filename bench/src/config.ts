import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { RESULTS_DIR } from './infra/paths';
import { SERVER_KINDS, type ServerKind } from './loadgen/protocols';

export const SCENARIOS = ['fanout', 'idle', 'rest'] as const;
export type Scenario = (typeof SCENARIOS)[number];

export interface FanoutShape {
  rooms: number;
  perRoom: number;
}

export interface BenchConfig {
  mode: 'full' | 'smoke';
  scenarios: Scenario[];
  servers: ServerKind[];
  /** Repetitions of every figure; the report shows their median, min and max. */
  runs: number;
  fanout: {
    shapes: FanoutShape[];
    /** Offered deliveries/s of the fixed-rate comparison (publishes/s × clients per room). */
    fixedRate: number;
    warmupMs: number;
    stepMs: number;
    /** How long after the last publish of a step a delivery may still arrive; later is lost. */
    drainMs: number;
    /** Saturation: the highest rate whose p99 is within this and that lost nothing. */
    p99LimitMs: number;
    searchStartRate: number;
    /** The search stops when the pass/fail bracket is this tight (0.1 = 10 %). */
    searchPrecision: number;
    searchMaxSteps: number;
    /** Between steps: wait until no event arrived for this long (an overloaded step's backlog). */
    settleQuietMs: number;
    connectConcurrency: number;
  };
  idle: {
    connections: number;
    windowMs: number;
    /** Heartbeat (ping) interval given to every server, so one window holds one round of pings. */
    heartbeatMs: number;
    /** Also find how many connections our gateway holds at most. */
    max: boolean;
  };
  rest: {
    concurrency: number;
    durationS: number;
    warmupS: number;
    /** The api-service's LOG_LEVEL: `info` is its shipped default (one access-log line a request). */
    logLevel: string;
  };
  cpuProf: boolean;
  ownRedis: boolean;
  redisUrl: string | undefined;
  mongoUrl: string;
  outDir: string;
}

const USAGE = `usage: npm run bench -- [${SCENARIOS.join('|')}|all ...] [options]
  --smoke                 tiny N, a few seconds, asserts nothing about speed (CI)
  --runs N                repetitions per figure (default 3)
  --servers a,b           subset of ${SERVER_KINDS.join(',')}
  --shapes RxC,...        fan-out shapes: R rooms x C clients per room (default 1000x10,100x100)
  --fixed-rate N          offered deliveries/s of the fixed-rate comparison (default 10000)
  --step-ms N             measured window of a fan-out step (default 2000)
  --idle-connections N    connections held in the idle scenario (default 10000)
  --idle-window-ms N      idle CPU window (default 10000)
  --no-max                skip the max-connections probe
  --concurrency N         REST concurrency (default 16)
  --rest-duration N       seconds per REST run (default 8)
  --cpu-prof              run every server under --cpu-prof (bench/results/profiles/); slows them
  --redis-url URL         use this Redis instead of starting one (default: own redis-server, else REDIS_URL)
  --out DIR               where reports go (default bench/results)`;

function int(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed <= 0) throw new Error(`--${name}: not a positive number`);
  return parsed;
}

export function parseConfig(argv: string[], env: NodeJS.ProcessEnv): BenchConfig {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      smoke: { type: 'boolean', default: false },
      runs: { type: 'string' },
      servers: { type: 'string' },
      shapes: { type: 'string' },
      'fixed-rate': { type: 'string' },
      'step-ms': { type: 'string' },
      'idle-connections': { type: 'string' },
      'idle-window-ms': { type: 'string' },
      'no-max': { type: 'boolean', default: false },
      concurrency: { type: 'string' },
      'rest-duration': { type: 'string' },
      'cpu-prof': { type: 'boolean', default: false },
      'redis-url': { type: 'string' },
      out: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const wanted = positionals.length === 0 || positionals.includes('all') ? SCENARIOS : positionals;
  for (const name of wanted) {
    if (!(SCENARIOS as readonly string[]).includes(name)) {
      throw new Error(`unknown scenario "${name}"\n${USAGE}`);
    }
  }
  const servers = (values.servers?.split(',') ?? [...SERVER_KINDS]) as ServerKind[];
  for (const kind of servers) {
    if (!SERVER_KINDS.includes(kind)) throw new Error(`unknown server "${kind}"\n${USAGE}`);
  }
  const smoke = values.smoke;
  const shapes = (values.shapes ?? (smoke ? '4x5' : '1000x10,100x100')).split(',').map((text) => {
    const match = /^(\d+)x(\d+)$/.exec(text);
    if (!match) throw new Error(`--shapes: "${text}" is not RxC`);
    return { rooms: Number(match[1]), perRoom: Number(match[2]) };
  });
  return {
    mode: smoke ? 'smoke' : 'full',
    scenarios: wanted as Scenario[],
    servers,
    runs: int(values.runs, smoke ? 1 : 3, 'runs'),
    fanout: {
      shapes,
      fixedRate: int(values['fixed-rate'], smoke ? 200 : 10_000, 'fixed-rate'),
      warmupMs: smoke ? 100 : 500,
      stepMs: int(values['step-ms'], smoke ? 300 : 2000, 'step-ms'),
      drainMs: smoke ? 1000 : 2000,
      p99LimitMs: 100,
      searchStartRate: smoke ? 200 : 10_000,
      searchPrecision: 0.1,
      searchMaxSteps: smoke ? 1 : 12,
      settleQuietMs: smoke ? 100 : 300,
      connectConcurrency: smoke ? 8 : 200,
    },
    idle: {
      connections: int(values['idle-connections'], smoke ? 20 : 10_000, 'idle-connections'),
      windowMs: int(values['idle-window-ms'], smoke ? 500 : 10_000, 'idle-window-ms'),
      heartbeatMs: smoke ? 30_000 : 10_000,
      max: !smoke && !values['no-max'],
    },
    rest: {
      concurrency: int(values.concurrency, smoke ? 4 : 16, 'concurrency'),
      durationS: int(values['rest-duration'], smoke ? 1 : 8, 'rest-duration'),
      warmupS: smoke ? 0.5 : 2,
      logLevel: 'info',
    },
    cpuProf: values['cpu-prof'],
    ownRedis: !smoke && values['redis-url'] === undefined,
    redisUrl: values['redis-url'] ?? env.REDIS_URL,
    mongoUrl: env.MONGO_URL ?? 'mongodb://127.0.0.1:27017/',
    outDir: values.out ?? (smoke ? join(RESULTS_DIR, 'smoke') : RESULTS_DIR),
  };
}
