import { createServer } from 'node:http';
import { type AddressInfo } from 'node:net';
import { InProcessEventBus } from '@communities/broker';
import { createGateway, loadConfig } from '@communities/realtime-gateway';
import { type WsAuthVia } from '@communities/test-support';
import { pino } from 'pino';
import { TEST_KEY_SPEC, accessToken, grant, signer, unsignedAccessToken } from './support/auth';
import { newId } from './support/events';
import { type RunningGateway, startGateway } from './support/harness';
import { TestClient } from './support/test-client';

const logger = pino({ level: 'silent' });

/** Tokens an attacker might try, each refused by the gateway, with the close reason it gives. */
const TAMPERED: [string, (memberId: string) => Promise<string> | string, string][] = [
  [
    'signed with another secret under the right kid',
    (id) => accessToken(id, { keySpec: `test-key:${'x'.repeat(40)}` }),
    'invalid token',
  ],
  [
    'expired',
    (id) => accessToken(id, { issuedAt: Date.now() - 60 * 60 * 1000, accessTtlSeconds: 60 }),
    'token expired',
  ],
  ['unsigned (alg: none)', (id) => unsignedAccessToken(id), 'invalid token'],
  [
    'signed with an unknown kid',
    (id) => accessToken(id, { keySpec: `unknown-kid:${TEST_KEY_SPEC.split(':')[1]}` }),
    'invalid token',
  ],
  [
    'a subscription grant instead of an access token',
    (id) => grant(id, `thread:${newId()}`),
    'invalid token',
  ],
];

describe('realtime-gateway authentication', () => {
  let gateway: RunningGateway;
  const clients: TestClient[] = [];
  const track = (client: TestClient): TestClient => {
    clients.push(client);
    return client;
  };

  beforeEach(async () => {
    gateway = await startGateway(new InProcessEventBus(logger), {
      authTimeoutMs: 1000,
      corsOrigins: ['https://app.example.com'],
    });
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
    await gateway.gateway.stop();
  });

  it.each<WsAuthVia>(['header', 'frame', 'query'])(
    'accepts a valid access token in the %s and says connected',
    async (via) => {
      const userId = newId();
      const client = track(
        await TestClient.connect(gateway.port, userId, await accessToken(userId), via),
      );
      expect(client.frames.find((frame) => frame.type === 'connected')).toEqual({
        type: 'connected',
        user_id: userId,
      });
    },
  );

  it('acks the authenticate frame before the connected frame', async () => {
    const userId = newId();
    const client = track(await TestClient.open(gateway.port, userId));
    expect(client.frames).toEqual([]);
    expect(await client.authenticate(await accessToken(userId))).toEqual({
      type: 'ack',
      action: 'authenticate',
      ref: 'r1',
    });
    await client.waitFor((frame) => frame.type === 'connected');
    expect(client.frames.map((frame) => frame.type)).toEqual(['ack', 'connected']);
  });

  describe.each(TAMPERED)('a token %s', (_name, makeToken, reason) => {
    it('is refused at the upgrade with 401, in the header and in the query', async () => {
      const userId = newId();
      const token = await makeToken(userId);
      const viaHeader = await TestClient.refusal(gateway.port, userId, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(viaHeader.status).toBe(401);
      expect(viaHeader.body).toMatchObject({ error: { code: 'UNAUTHENTICATED' } });
      const viaQuery = await TestClient.refusal(gateway.port, userId, { query: { token } });
      expect(viaQuery.status).toBe(401);
      // Positive control: the same member with a genuine token gets in the same way.
      track(await TestClient.connect(gateway.port, userId, await accessToken(userId), 'header'));
    });

    it('closes the socket with 4401 when sent in the authenticate frame', async () => {
      const userId = newId();
      const client = track(await TestClient.open(gateway.port, userId));
      client.send({ action: 'authenticate', token: await makeToken(userId) });
      // The reason tells a refusal from the authentication timeout, which also closes with 4401.
      expect(await client.waitForClose()).toEqual({ code: 4401, reason });
      expect(client.frames).toEqual([]);
      track(await TestClient.connect(gateway.port, userId, await accessToken(userId), 'frame'));
    });
  });

  it('refuses a malformed Authorization header with 401', async () => {
    const userId = newId();
    const refusal = await TestClient.refusal(gateway.port, userId, {
      headers: { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` },
    });
    expect(refusal.status).toBe(401);
    expect((await TestClient.refusal(gateway.port, userId, { query: { token: '' } })).status).toBe(
      401,
    );
  });

  it("refuses another member's token for the path's user with 403 at the upgrade", async () => {
    const [pathUser, tokenUser] = [newId(), newId()];
    const token = await accessToken(tokenUser);
    const refusal = await TestClient.refusal(gateway.port, pathUser, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(refusal.status).toBe(403);
    expect(refusal.body).toMatchObject({ error: { code: 'FORBIDDEN' } });
    track(await TestClient.connect(gateway.port, tokenUser, token));
  });

  it("closes with 4403 on another member's token in the authenticate frame", async () => {
    const [pathUser, tokenUser] = [newId(), newId()];
    const client = track(await TestClient.open(gateway.port, pathUser));
    client.send({ action: 'authenticate', token: await accessToken(tokenUser) });
    expect(await client.waitForClose()).toEqual({
      code: 4403,
      reason: 'the token belongs to another user than the path',
    });
    track(await TestClient.connect(gateway.port, pathUser, await accessToken(pathUser), 'frame'));
  });

  it('closes with 4401 when any other action comes before authenticate', async () => {
    const userId = newId();
    const client = track(await TestClient.open(gateway.port, userId));
    client.send({ action: 'join_thread', thread_id: newId() });
    expect(await client.waitForClose()).toEqual({ code: 4401, reason: 'authentication required' });
    expect(client.frames).toEqual([]);
  });

  it('closes with 4401 a socket that does not authenticate in time', async () => {
    const userId = newId();
    const idle = track(await TestClient.open(gateway.port, userId));
    const prompt = track(await TestClient.open(gateway.port, userId));
    await prompt.authenticate(await accessToken(userId));
    expect(await idle.waitForClose(3000)).toEqual({ code: 4401, reason: 'authentication timeout' });
    // The one that authenticated in time outlives the timeout.
    expect(prompt.isOpen).toBe(true);
    await prompt.waitFor((frame) => frame.type === 'connected');
  });

  it('answers a second authenticate with an error and keeps the socket', async () => {
    const userId = newId();
    const token = await accessToken(userId);
    const client = track(await TestClient.connect(gateway.port, userId, token));
    expect(await client.authenticate(token)).toMatchObject({
      type: 'error',
      code: 'VALIDATION_FAILED',
    });
    expect(client.isOpen).toBe(true);
  });

  describe('Origin', () => {
    const open = async (origin: string, host?: string): Promise<TestClient> => {
      const userId = newId();
      return track(
        await TestClient.connect(gateway.port, userId, await accessToken(userId), 'header', {
          headers: { origin, ...(host && { host }) },
        }),
      );
    };

    it('accepts a socket without Origin, from its own origin, or from CORS_ORIGINS', async () => {
      const userId = newId();
      track(await TestClient.connect(gateway.port, userId, await accessToken(userId)));
      await open(`http://127.0.0.1:${gateway.port}`);
      await open('https://app.example.com');
      await open('https://app.example.com', 'gateway.example.com');
    });

    it('refuses a foreign origin with 403 even with a valid token', async () => {
      const userId = newId();
      for (const origin of ['https://evil.example.com', 'null', 'http://app.example.com']) {
        const refusal = await TestClient.refusal(gateway.port, userId, {
          headers: { origin, authorization: `Bearer ${await accessToken(userId)}` },
        });
        expect(refusal.status).toBe(403);
        expect(refusal.body).toMatchObject({ error: { code: 'FORBIDDEN' } });
      }
    });
  });
});

describe('createGateway', () => {
  const bus = (): InProcessEventBus => new InProcessEventBus(logger);
  const env = { PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent' };

  it('needs AUTH_JWT_KEYS or a TokenService', () => {
    expect(() => createGateway({ config: loadConfig(env), logger, bus: bus() })).toThrow(
      /AUTH_JWT_KEYS is required/,
    );
    const withKeys = loadConfig({ ...env, AUTH_JWT_KEYS: TEST_KEY_SPEC });
    expect(() => createGateway({ config: withKeys, logger, bus: bus() })).not.toThrow();
  });

  it('refuses sockets on a host server until start() has subscribed to revocations', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    const config = loadConfig({ ...env, AUTH_JWT_KEYS: TEST_KEY_SPEC });
    const gateway = createGateway({ config, logger, bus: bus(), server });
    try {
      const userId = newId();
      const token = await accessToken(userId);
      const early = await TestClient.refusal(port, userId, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(early.status).toBe(503);
      await gateway.start();
      await (await TestClient.connect(port, userId, token)).close();
    } finally {
      await gateway.stop();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('verifies with the TokenService it is given', async () => {
    const otherKeys = `shared-key:${'s'.repeat(40)}`;
    const gateway = createGateway({
      config: loadConfig(env),
      logger,
      bus: bus(),
      tokens: signer({ keySpec: otherKeys }),
    });
    const port = await gateway.start();
    try {
      const userId = newId();
      const token = await accessToken(userId, { keySpec: otherKeys });
      const client = await TestClient.connect(port, userId, token);
      await client.close();
      const foreign = await accessToken(userId);
      expect(
        (
          await TestClient.refusal(port, userId, {
            headers: { authorization: `Bearer ${foreign}` },
          })
        ).status,
      ).toBe(401);
    } finally {
      await gateway.stop();
    }
  });
});
