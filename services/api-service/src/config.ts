import { AUTH_SETTINGS, rateSetting } from '@communities/auth';
import { z } from 'zod';

/**
 * Every setting of the api-service, parsed once from the environment at start. This module is
 * the only reader of `process.env`; a bad value stops the process with the setting's name.
 * Empty strings count as unset, so `FOO=` in an env file means "use the default".
 */
const optionalString = z.preprocess((v) => (v === '' ? undefined : v), z.string().optional());

export const ApiConfigSchema = z.object({
  HOST: z.string().default('0.0.0.0').describe('interface to listen on'),
  PORT: z.coerce.number().int().min(0).max(65535).default(5001).describe('HTTP port'),
  LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
    .default('info')
    .describe('pino log level'),
  MONGO_URL: optionalString.describe('MongoDB connection string; unset selects the embedded store'),
  MONGO_DB_NAME: optionalString.describe(
    "database name; default: the URL's database, else `communities`",
  ),
  DATA_DIR: z
    .string()
    .default('./data')
    .describe(
      'embedded store: directory of the datafiles (ignored with MONGO_URL); made 0700, files 0600',
    ),
  EMBEDDED_IN_MEMORY: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true')
    .describe('embedded store: keep data in memory only (tests, demos)'),
  REDIS_URL: optionalString.describe(
    'Redis URL for domain events; unset selects the in-process broker',
  ),
  BODY_LIMIT_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .max(50 * 1024 * 1024)
    .default(1024 * 1024)
    .describe('largest accepted request body; larger bodies get 413'),
  TRUST_PROXY: z
    .string()
    .default('loopback')
    .describe('Express trust proxy setting (which proxies may set X-Forwarded-*)'),
  SHUTDOWN_GRACE_MS: z.coerce
    .number()
    .int()
    .min(0)
    .default(10_000)
    .describe('how long SIGTERM waits for in-flight requests'),
  NODE_ENV: z
    .string()
    .default('development')
    .describe('"production" requires AUTH_JWT_KEYS (no per-process random key)'),
  ...AUTH_SETTINGS,
  AUTH_ACCESS_TTL_SECONDS: z.coerce
    .number()
    .int()
    .min(30)
    .max(24 * 3600)
    .default(900)
    .describe('lifetime of an access token (JWT)'),
  AUTH_GRANT_TTL_SECONDS: z.coerce
    .number()
    .int()
    .min(5)
    .max(3600)
    .default(60)
    .describe('how long a WebSocket subscription grant may wait before it is used'),
  AUTH_REFRESH_TTL_SECONDS: z.coerce
    .number()
    .int()
    .min(60)
    .max(365 * 24 * 3600)
    .default(30 * 24 * 3600)
    .describe('lifetime of a refresh token; each refresh issues a new one'),
  // 17 is OWASP's minimum for scrypt (N=2^17, r=8, p=1). 10 is allowed for the test suites,
  // which sign up hundreds of members; 20 is the most a stored hash may ask for.
  AUTH_PASSWORD_HASH_COST: z.coerce
    .number()
    .int()
    .min(10)
    .max(20)
    .default(17)
    .describe(
      'scrypt cost as log2(N), r=8, p=1; 17 = 128 MiB and ~0.3 s per hash; a login rehashes a weaker stored hash',
    ),
  RATE_LIMIT_LOGIN_PER_IP: rateSetting('30/300').describe(
    'login and refresh attempts per client IP, whatever their outcome ("points/seconds" or "off")',
  ),
  RATE_LIMIT_LOGIN_PER_ACCOUNT: rateSetting('10/300').describe(
    'failed logins per account (username and email together), from one client IP and from all: ' +
      'a failing IP is refused, never one that has not failed (see http/login-failures.ts)',
  ),
  RATE_LIMIT_SIGNUP_PER_IP: rateSetting('20/3600').describe('sign-ups per client IP'),
  RATE_LIMIT_WRITES_PER_MEMBER: rateSetting('120/60').describe(
    'authenticated writes (POST/PUT/DELETE) per member',
  ),
  RATE_LIMIT_WRITES_PER_IP: rateSetting('600/60').describe(
    'writes per client IP, all members behind it together',
  ),
});

export type ApiConfig = z.infer<typeof ApiConfigSchema>;

export class ConfigError extends Error {}

/**
 * Parses the environment; throws a ConfigError naming each bad setting. With NODE_ENV=production
 * AUTH_JWT_KEYS is required, unless `sharedKeysInProduction` is false (a single process).
 */
export function loadApiConfig(
  env: NodeJS.ProcessEnv = process.env,
  options: { sharedKeysInProduction?: boolean } = {},
): ApiConfig {
  // `FOO=` means unset for every setting, not only the optional strings: drop empty values.
  const set = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
  const parsed = ApiConfigSchema.safeParse(set);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`invalid configuration: ${problems.join('; ')}`);
  }
  // Replicas must share the keys (a random per-process key would make each replica refuse the
  // others' tokens). The standalone is one process by design and opts out.
  const sharedKeys = options.sharedKeysInProduction ?? true;
  if (sharedKeys && parsed.data.NODE_ENV === 'production' && !parsed.data.AUTH_JWT_KEYS) {
    throw new ConfigError(
      'invalid configuration: AUTH_JWT_KEYS: required when NODE_ENV=production',
    );
  }
  return parsed.data;
}

/** The MongoDB database to use: MONGO_DB_NAME, else the URL's path, else `communities`. */
export function mongoDbName(config: Pick<ApiConfig, 'MONGO_URL' | 'MONGO_DB_NAME'>): string {
  if (config.MONGO_DB_NAME) return config.MONGO_DB_NAME;
  const match = /^mongodb(?:\+srv)?:\/\/[^/]+\/([^?]+)/.exec(config.MONGO_URL ?? '');
  return match?.[1] ? decodeURIComponent(match[1]) : 'communities';
}
