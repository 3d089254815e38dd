import { ConfigError, loadConfig } from './config';

describe('loadConfig', () => {
  it('has a default for every setting', () => {
    expect(loadConfig({})).toEqual({
      port: 5002,
      host: '0.0.0.0',
      redisUrl: undefined,
      logLevel: 'info',
      maxFrameBytes: 65536,
      heartbeatMs: 30000,
      maxBufferedBytes: 1048576,
      maxChannelsPerSocket: 100,
      publishTimeoutMs: 2000,
      jwtKeys: undefined,
      jwtIssuer: 'communities-api',
      corsOrigins: [],
      authTimeoutMs: 5000,
      maxSocketsPerMember: 16,
      actionRateLimit: { points: 120, durationSeconds: 10 },
      drainWindowMs: 10000,
    });
  });

  it('reads the auth settings shared with the api-service', () => {
    const config = loadConfig({
      AUTH_JWT_KEYS: `new:${'n'.repeat(32)},old:${'o'.repeat(32)}`,
      CORS_ORIGINS: 'https://app.example.com, https://admin.example.com',
      WS_AUTH_TIMEOUT_MS: '2000',
      WS_RATE_LIMIT_ACTIONS: '5/2',
    });
    expect(config.jwtKeys?.active.kid).toBe('new');
    expect([...(config.jwtKeys?.byKid.keys() ?? [])]).toEqual(['new', 'old']);
    expect(config.corsOrigins).toEqual(['https://app.example.com', 'https://admin.example.com']);
    expect(config.authTimeoutMs).toBe(2000);
    expect(config.actionRateLimit).toEqual({ points: 5, durationSeconds: 2 });
    expect(loadConfig({ WS_RATE_LIMIT_ACTIONS: 'off' }).actionRateLimit).toBeNull();
  });

  it('never puts a secret in the error message of a bad key', () => {
    const secret = 'short-secret';
    expect(() => loadConfig({ AUTH_JWT_KEYS: `k:${secret}` })).toThrow(/AUTH_JWT_KEYS: /);
    expect(() => loadConfig({ AUTH_JWT_KEYS: `k:${secret}` })).not.toThrow(new RegExp(secret));
  });

  it('reads settings from the given environment', () => {
    const config = loadConfig({
      PORT: '0',
      REDIS_URL: 'redis://127.0.0.1:6379',
      WS_HEARTBEAT_MS: '1000',
      WS_DRAIN_WINDOW_MS: '0',
    });
    expect(config).toMatchObject({
      port: 0,
      redisUrl: 'redis://127.0.0.1:6379',
      heartbeatMs: 1000,
      drainWindowMs: 0,
    });
  });

  it('treats an empty REDIS_URL as unset (in-process bus)', () => {
    expect(loadConfig({ REDIS_URL: '' }).redisUrl).toBeUndefined();
  });

  it.each([
    ['PORT', 'eighty'],
    ['REDIS_URL', 'http://example.com'],
    ['WS_MAX_FRAME_BYTES', '-1'],
    ['LOG_LEVEL', 'loud'],
    ['AUTH_JWT_KEYS', 'no-colon'],
    ['WS_AUTH_TIMEOUT_MS', '0'],
    ['WS_RATE_LIMIT_ACTIONS', '30 per 10s'],
    ['WS_RATE_LIMIT_ACTIONS', '0/10'],
    ['WS_MAX_SOCKETS_PER_MEMBER', '0'],
    ['WS_DRAIN_WINDOW_MS', '-5'],
  ])('fails fast naming %s when it is invalid', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(new RegExp(`${name}: `));
  });
});
