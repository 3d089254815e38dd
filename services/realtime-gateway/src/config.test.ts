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
    });
  });

  it('reads settings from the given environment', () => {
    const config = loadConfig({
      PORT: '0',
      REDIS_URL: 'redis://127.0.0.1:6379',
      WS_HEARTBEAT_MS: '1000',
    });
    expect(config).toMatchObject({
      port: 0,
      redisUrl: 'redis://127.0.0.1:6379',
      heartbeatMs: 1000,
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
  ])('fails fast naming %s when it is invalid', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(new RegExp(`${name}: `));
  });
});
