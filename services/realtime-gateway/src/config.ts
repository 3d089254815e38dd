import { AUTH_SETTINGS, type RateSpec, type SigningKeys, rateSetting } from '@communities/auth';
import { z } from 'zod';

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

/** Empty strings count as unset, so `REDIS_URL=` in a .env file selects the in-process bus. */
const optionalString = z.preprocess(
  (value) => (value === '' ? undefined : value),
  z.string().optional(),
);

/**
 * Every setting of the gateway, read from the environment once at start. Each has a default, and a
 * bad value stops the process with the setting's name in the message.
 */
const EnvSchema = z.object({
  PORT: int(0, 65535).default(5002).describe('HTTP and WebSocket port; 0 picks a free one'),
  HOST: z.string().min(1).default('0.0.0.0').describe('interface to listen on'),
  REDIS_URL: optionalString
    .pipe(z.url({ protocol: /^rediss?$/ }).optional())
    .describe('Redis for pub/sub between replicas; unset: in-process bus (single process)'),
  LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
    .default('info')
    .describe('pino log level'),
  WS_MAX_FRAME_BYTES: int(128, 16 * 1024 * 1024)
    .default(64 * 1024)
    .describe('largest client frame; a bigger one closes the socket with 1009'),
  WS_HEARTBEAT_MS: int(50, 10 * 60 * 1000)
    .default(30_000)
    .describe('ping interval; a peer that missed the previous pong is terminated'),
  WS_MAX_BUFFERED_BYTES: int(1024, 1024 * 1024 * 1024)
    .default(1024 * 1024)
    .describe(
      'unsent bytes per socket: past half, typing events are dropped for it; past all of it, ' +
        'it is closed with 1013 (reconnect and resume)',
    ),
  WS_MAX_CHANNELS_PER_SOCKET: int(1, 10_000)
    .default(100)
    .describe('joined communities + threads per socket'),
  BROKER_PUBLISH_TIMEOUT_MS: int(50, 60_000)
    .default(2000)
    .describe('how long publishing a typing event may wait for the broker'),
  // AUTH_JWT_KEYS, AUTH_JWT_ISSUER, CORS_ORIGINS: shared with the api-service,
  // which signs what the gateway verifies. The gateway never signs, so it needs no token lifetimes.
  ...AUTH_SETTINGS,
  WS_AUTH_TIMEOUT_MS: int(50, 10 * 60 * 1000)
    .default(5000)
    .describe('how long a socket may stay unauthenticated before it is closed with 4401'),
  WS_MAX_SOCKETS_PER_MEMBER: int(1, 10_000)
    .default(16)
    .describe(
      'authenticated sockets one member may hold on this gateway (tabs, devices); one more is ' +
        'closed with 4429 once authenticated, the others stay',
    ),
  // Per member, so more sockets do not multiply it; 120/10 leaves four busy tabs 30 actions each.
  WS_RATE_LIMIT_ACTIONS: rateSetting('120/10').describe(
    'client actions per member on this gateway, all their sockets together, ' +
      '"<points>/<seconds>" or "off"; authenticate is not counted',
  ),
  WS_DRAIN_WINDOW_MS: int(0, 10 * 60 * 1000)
    .default(10_000)
    .describe(
      'on SIGTERM, each socket is told to reconnect after a random delay in [0, window) and ' +
        'closed with 1012 at that delay; keep it below the orchestrator grace period',
    ),
});

export interface GatewayConfig {
  port: number;
  host: string;
  redisUrl: string | undefined;
  logLevel: z.infer<typeof EnvSchema>['LOG_LEVEL'];
  maxFrameBytes: number;
  heartbeatMs: number;
  maxBufferedBytes: number;
  maxChannelsPerSocket: number;
  publishTimeoutMs: number;
  /** Verification keys; undefined only where the caller passes its own `TokenService`. */
  jwtKeys: SigningKeys | undefined;
  jwtIssuer: string;
  /** Browser origins allowed to open a socket besides the gateway's own (CSWSH protection). */
  corsOrigins: string[];
  authTimeoutMs: number;
  maxSocketsPerMember: number;
  /** Limit on client actions per member per gateway, shared by their sockets; null: unlimited. */
  actionRateLimit: RateSpec | null;
  /** `stop()` spreads reconnects and 1012 closes over this many ms. */
  drainWindowMs: number;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** The only reader of `process.env` in the gateway; pass `env` to configure an embedded gateway. */
export function loadConfig(env: Record<string, string | undefined> = process.env): GatewayConfig {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (issue) => `${issue.path.join('.')}: ${issue.message}`,
    );
    throw new ConfigError(`invalid gateway configuration: ${problems.join('; ')}`);
  }
  const e = parsed.data;
  return {
    port: e.PORT,
    host: e.HOST,
    redisUrl: e.REDIS_URL,
    logLevel: e.LOG_LEVEL,
    maxFrameBytes: e.WS_MAX_FRAME_BYTES,
    heartbeatMs: e.WS_HEARTBEAT_MS,
    maxBufferedBytes: e.WS_MAX_BUFFERED_BYTES,
    maxChannelsPerSocket: e.WS_MAX_CHANNELS_PER_SOCKET,
    publishTimeoutMs: e.BROKER_PUBLISH_TIMEOUT_MS,
    jwtKeys: e.AUTH_JWT_KEYS,
    jwtIssuer: e.AUTH_JWT_ISSUER,
    corsOrigins: e.CORS_ORIGINS,
    authTimeoutMs: e.WS_AUTH_TIMEOUT_MS,
    maxSocketsPerMember: e.WS_MAX_SOCKETS_PER_MEMBER,
    actionRateLimit: e.WS_RATE_LIMIT_ACTIONS,
    drainWindowMs: e.WS_DRAIN_WINDOW_MS,
  };
}
