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
    };
    expect(loadApiConfig(empty)).toEqual(loadApiConfig({}));
  });
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
