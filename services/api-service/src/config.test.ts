import { ConfigError, loadApiConfig, mongoDbName } from './config';

function problemWith(env: NodeJS.ProcessEnv): string {
  try {
    loadApiConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error(`expected ${JSON.stringify(env)} to be rejected`);
}

describe('loadApiConfig', () => {
  it('gives every setting its default when the environment is empty', () => {
    expect(loadApiConfig({})).toEqual({
      HOST: '0.0.0.0',
      PORT: 5001,
      LOG_LEVEL: 'info',
      MONGO_URL: undefined,
      MONGO_DB_NAME: undefined,
      DATA_DIR: './data',
      EMBEDDED_IN_MEMORY: false,
      REDIS_URL: undefined,
      BODY_LIMIT_BYTES: 1024 * 1024,
      TRUST_PROXY: 'loopback',
      SHUTDOWN_GRACE_MS: 10_000,
      NODE_ENV: 'development',
      AUTH_JWT_KEYS: undefined,
      AUTH_JWT_ISSUER: 'communities-api',
      AUTH_GRANT_TTL_SECONDS: 60,
      CORS_ORIGINS: [],
      AUTH_ACCESS_TTL_SECONDS: 900,
      AUTH_REFRESH_TTL_SECONDS: 30 * 24 * 3600,
      AUTH_PASSWORD_HASH_COST: 17,
      RATE_LIMIT_LOGIN_PER_IP: { points: 30, durationSeconds: 300 },
      RATE_LIMIT_LOGIN_PER_ACCOUNT: { points: 10, durationSeconds: 300 },
      RATE_LIMIT_SIGNUP_PER_IP: { points: 20, durationSeconds: 3600 },
      RATE_LIMIT_WRITES_PER_MEMBER: { points: 120, durationSeconds: 60 },
      RATE_LIMIT_WRITES_PER_IP: { points: 600, durationSeconds: 60 },
    });
  });

  it('parses the values it is given and ignores unrelated variables', () => {
    const config = loadApiConfig({
      HOST: '127.0.0.1',
      PORT: '8080',
      LOG_LEVEL: 'debug',
      MONGO_URL: 'mongodb://db:27017/app',
      EMBEDDED_IN_MEMORY: 'true',
      BODY_LIMIT_BYTES: '2048',
      SHUTDOWN_GRACE_MS: '0',
      PATH: '/usr/bin',
    });
    expect(config).toMatchObject({
      HOST: '127.0.0.1',
      PORT: 8080,
      LOG_LEVEL: 'debug',
      MONGO_URL: 'mongodb://db:27017/app',
      EMBEDDED_IN_MEMORY: true,
      BODY_LIMIT_BYTES: 2048,
      SHUTDOWN_GRACE_MS: 0,
    });
    expect(config).not.toHaveProperty('PATH');
  });

  it.each(['abc', '70000', '-1', '80.5'])('rejects PORT=%s, naming the setting', (port) => {
    expect(problemWith({ PORT: port })).toMatch(/\bPORT\b/);
  });

  it('names every bad setting, and only those', () => {
    const message = problemWith({
      LOG_LEVEL: 'loud',
      EMBEDDED_IN_MEMORY: 'yes',
      BODY_LIMIT_BYTES: '10',
      PORT: '80',
    });
    expect(message).toMatch(/\bLOG_LEVEL\b/);
    expect(message).toMatch(/\bEMBEDDED_IN_MEMORY\b/);
    expect(message).toMatch(/\bBODY_LIMIT_BYTES\b/);
    expect(message).not.toMatch(/\bPORT\b/);
  });

  it('treats an empty string as unset, so every setting falls back to its default', () => {
    const empty = {
      HOST: '',
      PORT: '',
      LOG_LEVEL: '',
      MONGO_URL: '',
      MONGO_DB_NAME: '',
      DATA_DIR: '',
      EMBEDDED_IN_MEMORY: '',
      REDIS_URL: '',
      BODY_LIMIT_BYTES: '',
      TRUST_PROXY: '',
      SHUTDOWN_GRACE_MS: '',
      NODE_ENV: '',
      AUTH_JWT_KEYS: '',
      AUTH_JWT_ISSUER: '',
      AUTH_GRANT_TTL_SECONDS: '',
      CORS_ORIGINS: '',
      AUTH_ACCESS_TTL_SECONDS: '',
      AUTH_REFRESH_TTL_SECONDS: '',
      AUTH_PASSWORD_HASH_COST: '',
      RATE_LIMIT_LOGIN_PER_IP: '',
      RATE_LIMIT_LOGIN_PER_ACCOUNT: '',
      RATE_LIMIT_SIGNUP_PER_IP: '',
      RATE_LIMIT_WRITES_PER_MEMBER: '',
      RATE_LIMIT_WRITES_PER_IP: '',
    };
    expect(loadApiConfig(empty)).toEqual(loadApiConfig({}));
  });
});

describe('loadApiConfig: authentication settings', () => {
  const SECRET = 'a-secret-of-at-least-thirty-two-characters';
  const OTHER = 'another-secret-of-at-least-32-characters!';

  it('parses AUTH_JWT_KEYS into a key ring whose first key signs', () => {
    const { AUTH_JWT_KEYS: keys } = loadApiConfig({
      AUTH_JWT_KEYS: `new:${SECRET}, old:${OTHER}`,
    });
    expect(keys?.active.kid).toBe('new');
    expect([...keys!.byKid.keys()]).toEqual(['new', 'old']);
    expect(new TextDecoder().decode(keys!.byKid.get('old')!.secret)).toBe(OTHER);
  });

  it.each([
    ['a key without a kid', SECRET],
    ['an empty kid', `:${SECRET}`],
    ['a kid with a space', `my key:${SECRET}`],
    ['a secret under 32 characters', 'k1:short-secret'],
    ['a kid given twice', `k1:${SECRET},k1:${OTHER}`],
    ['no key at all', ' , '],
  ])('rejects AUTH_JWT_KEYS with %s, naming the setting but not the secret', (_case, spec) => {
    const message = problemWith({ AUTH_JWT_KEYS: spec });
    expect(message).toMatch(/\bAUTH_JWT_KEYS\b/);
    expect(message).not.toContain(SECRET);
    expect(message).not.toContain(OTHER);
    expect(message).not.toContain('short-secret');
  });

  it('refuses NODE_ENV=production without AUTH_JWT_KEYS, and accepts it with them', () => {
    expect(problemWith({ NODE_ENV: 'production' })).toMatch(/\bAUTH_JWT_KEYS\b.*production/);
    expect(problemWith({ NODE_ENV: 'production', AUTH_JWT_KEYS: '' })).toMatch(/\bAUTH_JWT_KEYS\b/);
    const config = loadApiConfig({ NODE_ENV: 'production', AUTH_JWT_KEYS: `k1:${SECRET}` });
    expect(config.NODE_ENV).toBe('production');
    expect(config.AUTH_JWT_KEYS?.active.kid).toBe('k1');
    expect(loadApiConfig({ NODE_ENV: 'test' }).AUTH_JWT_KEYS).toBeUndefined();
  });

  it('splits CORS_ORIGINS on commas, dropping blanks', () => {
    expect(
      loadApiConfig({ CORS_ORIGINS: 'https://a.example.com, https://b.example.com,' }).CORS_ORIGINS,
    ).toEqual(['https://a.example.com', 'https://b.example.com']);
  });

  it('bounds the token lifetimes and the password hash cost', () => {
    const message = problemWith({
      AUTH_ACCESS_TTL_SECONDS: '10',
      AUTH_REFRESH_TTL_SECONDS: 'forever',
      AUTH_PASSWORD_HASH_COST: '9',
      AUTH_GRANT_TTL_SECONDS: '7200',
    });
    for (const name of [
      'AUTH_ACCESS_TTL_SECONDS',
      'AUTH_REFRESH_TTL_SECONDS',
      'AUTH_PASSWORD_HASH_COST',
      'AUTH_GRANT_TTL_SECONDS',
    ]) {
      expect(message).toMatch(new RegExp(`\\b${name}\\b`));
    }
  });
});

describe('loadApiConfig: rate limits', () => {
  const RATE_SETTINGS = [
    'RATE_LIMIT_LOGIN_PER_IP',
    'RATE_LIMIT_LOGIN_PER_ACCOUNT',
    'RATE_LIMIT_SIGNUP_PER_IP',
    'RATE_LIMIT_WRITES_PER_MEMBER',
    'RATE_LIMIT_WRITES_PER_IP',
  ] as const;

  it.each(RATE_SETTINGS)('reads %s as "points/seconds", or "off" for no limit', (name) => {
    expect(loadApiConfig({ [name]: '10/60' })[name]).toEqual({ points: 10, durationSeconds: 60 });
    expect(loadApiConfig({ [name]: ' 3/1 ' })[name]).toEqual({ points: 3, durationSeconds: 1 });
    expect(loadApiConfig({ [name]: 'off' })[name]).toBeNull();
  });

  it.each(['10 per minute', '10/', '/60', '10/60s', '0/60', '10/0', '-1/60', '1.5/60'])(
    'rejects RATE_LIMIT_WRITES_PER_MEMBER=%s, naming the setting only',
    (value) => {
      const message = problemWith({ RATE_LIMIT_WRITES_PER_MEMBER: value });
      expect(message).toMatch(/\bRATE_LIMIT_WRITES_PER_MEMBER\b/);
      expect(message).not.toMatch(/\bRATE_LIMIT_WRITES_PER_IP\b/);
    },
  );
});

describe('mongoDbName', () => {
  it('prefers MONGO_DB_NAME', () => {
    expect(mongoDbName({ MONGO_URL: 'mongodb://h:27017/fromurl', MONGO_DB_NAME: 'explicit' })).toBe(
      'explicit',
    );
  });

  it.each([
    ['mongodb://h:27017/fromurl', 'fromurl'],
    ['mongodb://user:pw@h1:27017,h2:27017/app?replicaSet=rs0', 'app'],
    ['mongodb+srv://cluster.example.net/prod?retryWrites=true', 'prod'],
    ['mongodb://h:27017/my%20db', 'my db'],
    ['mongodb://h:27017/', 'communities'],
    ['mongodb://h:27017/?directConnection=true', 'communities'],
    ['mongodb://h:27017', 'communities'],
  ])('reads the database of %s as %s', (url, name) => {
    expect(mongoDbName({ MONGO_URL: url, MONGO_DB_NAME: undefined })).toBe(name);
  });

  it('falls back to communities without a URL', () => {
    expect(mongoDbName({ MONGO_URL: undefined, MONGO_DB_NAME: undefined })).toBe('communities');
  });
});
