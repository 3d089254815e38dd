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
    .describe('embedded store: directory of the datafiles (ignored with MONGO_URL)'),
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
});

export type ApiConfig = z.infer<typeof ApiConfigSchema>;

export class ConfigError extends Error {}

/** Parses the environment; throws a ConfigError naming each bad setting. */
export function loadApiConfig(env: NodeJS.ProcessEnv = process.env): ApiConfig {
  // `FOO=` means unset for every setting, not only the optional strings: drop empty values.
  const set = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
  const parsed = ApiConfigSchema.safeParse(set);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`invalid configuration: ${problems.join('; ')}`);
  }
  return parsed.data;
}

/** The MongoDB database to use: MONGO_DB_NAME, else the URL's path, else `communities`. */
export function mongoDbName(config: Pick<ApiConfig, 'MONGO_URL' | 'MONGO_DB_NAME'>): string {
  if (config.MONGO_DB_NAME) return config.MONGO_DB_NAME;
  const match = /^mongodb(?:\+srv)?:\/\/[^/]+\/([^?]+)/.exec(config.MONGO_URL ?? '');
  return match?.[1] ? decodeURIComponent(match[1]) : 'communities';
}
