import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import { type AddressInfo } from 'node:net';
import { type TokenService } from '@communities/auth';
import { ACCESS_CHANNEL, GLOBAL_CHANNEL } from '@communities/contracts';
import { type EventBus } from '@communities/broker';
import { type Logger } from 'pino';
import { type Registry } from 'prom-client';
import { WebSocketServer } from 'ws';
import { buildAsyncApiDocument } from './asyncapi/asyncapi-document';
import { Authenticator } from './auth/authenticator';
import { GrantVerifier } from './auth/grant-verifier';
import { createOriginPolicy } from './auth/origin-policy';
import { RevocationList } from './auth/revocation-list';
import { tokenVerifierFor } from './auth/token-verifier';
import { type GatewayConfig } from './config';
import { createAccessRevocationHandler } from './connections/access-revocation';
import { ActionHandler } from './connections/action-handler';
import { ActionRateLimit } from './connections/action-rate-limit';
import { ClientSession } from './connections/client-session';
import { ConnectionRegistry } from './connections/connection-registry';
import { startHeartbeat } from './connections/heartbeat';
import { createFanout } from './fanout/fanout';
import { OriginTracker } from './fanout/origin-tracker';
import { GatewayMetrics } from './metrics';
import { CLOSE } from './protocol/close-codes';
import { sendError, createHttpHandler, createUpgradeHandler } from './server';

export interface GatewayDeps {
  config: GatewayConfig;
  logger: Logger;
  bus: EventBus;
  /**
   * Mount on an existing server (the standalone serves REST and WebSocket on one port): the
   * gateway then only adds an `upgrade` listener, `start()` does not listen and `stop()` does not
   * close the server. Its HTTP routes are available through `handleHttp`.
   */
  server?: Server;
  /** Close the bus in `stop()`. Default true; pass false when the bus is shared. */
  ownsBus?: boolean;
  /**
   * Verifies access tokens and grants. The standalone passes the api-service's own; without it the
   * gateway builds one from `config.jwtKeys` (AUTH_JWT_KEYS) and throws ConfigError if unset.
   */
  tokens?: TokenService;
}

export interface Gateway {
  /**
   * Subscribes to the access-revocation channel, then accepts sockets (503 before) and starts
   * listening (own server) and the heartbeat; resolves with the bound port.
   */
  start(): Promise<number>;
  /** Stops accepting, closes every socket with 1001, then closes the bus (if owned). */
  stop(): Promise<void>;
  /** True while the bus is usable and the gateway is not stopping (what `/readyz` reports). */
  ready(): boolean;
  /** Serves `/healthz`, `/readyz`, `/metrics`, `/asyncapi.json`; false for any other path. */
  handleHttp(req: IncomingMessage, res: ServerResponse): boolean;
  readonly server: Server;
  /** This instance's Prometheus registry (e.g. to add default process metrics in main). */
  readonly metricsRegistry: Registry;
  /** Open sockets, authenticated or not. */
  readonly connectionCount: number;
}

/** How long `stop()` waits for clients to answer the 1001 close before terminating them. */
const CLOSE_GRACE_MS = 5000;
const VERSION = '0.1.0';

export function createGateway(deps: GatewayDeps): Gateway {
  const { config, bus } = deps;
  const tokens = deps.tokens ?? tokenVerifierFor(config);
  const logger = deps.logger.child({ module: 'gateway' });
  // Upgrades are refused (503) until `start()` subscribed to revocations, and again once stopping.
  let started = false;
  let stopping = false;
  let stopped: Promise<void> | undefined;
  let stopHeartbeat: (() => void) | undefined;
  let nextId = 0;
  const sessions = new Set<ClientSession>();

  const origins = new OriginTracker();
  const registry = new ConnectionRegistry(
    {
      firstJoined: async (channel) => {
        try {
          await bus.subscribe(channel, fanout);
        } catch (error) {
          logger.error({ err: error, channel }, 'broker subscribe failed');
          throw error;
        }
      },
      lastLeft: async (channel) => {
        try {
          await bus.unsubscribe(channel);
        } catch (error) {
          logger.warn({ err: error, channel }, 'broker unsubscribe failed');
        }
      },
    },
    {
      maxChannelsPerSocket: config.maxChannelsPerSocket,
      implicitChannels: new Set([GLOBAL_CHANNEL]),
    },
  );
  const metrics = new GatewayMetrics({
    openConnections: () => sessions.size,
    activeChannels: () => registry.channelCount,
  });
  const fanout = createFanout({
    membersOf: (channel) => registry.membersOf(channel),
    origins,
    metrics,
    logger: deps.logger,
    maxBufferedBytes: config.maxBufferedBytes,
  });
  const revocations = new RevocationList();
  const authenticator = new Authenticator(tokens, revocations);
  const actions = new ActionHandler({
    registry,
    bus,
    origins,
    grants: new GrantVerifier(tokens, revocations),
  });
  const rateLimit = config.actionRateLimit
    ? new ActionRateLimit(config.actionRateLimit)
    : undefined;
  const onAccessEvent = createAccessRevocationHandler({
    registry,
    revocations,
    logger: deps.logger,
  });
  let accessSubscribed: Promise<void> | undefined;

  const ready = (): boolean => !stopping && bus.ready();
  let asyncApi: string | undefined;
  const handleHttp = createHttpHandler({
    metrics,
    ready,
    asyncApiJson: () => (asyncApi ??= JSON.stringify(buildAsyncApiDocument(VERSION))),
  });

  // perMessageDeflate off: compression costs CPU per socket and defeats the shared-buffer fanout.
  const wss = new WebSocketServer({
    noServer: true,
    perMessageDeflate: false,
    maxPayload: config.maxFrameBytes,
    clientTracking: false,
  });
  const sessionDeps = {
    registry,
    actions,
    authenticator,
    rateLimit,
    metrics,
    logger: deps.logger,
    authTimeoutMs: config.authTimeoutMs,
  };
  const onUpgrade = createUpgradeHandler({
    wss,
    logger,
    authenticator,
    originAllowed: createOriginPolicy(config.corsOrigins),
    accepting: () => started && !stopping,
    onSocket: (socket, userId, authenticated) => {
      nextId += 1;
      const session = new ClientSession(String(nextId), userId, socket, sessionDeps, authenticated);
      sessions.add(session);
      void session.closed.then(() => sessions.delete(session));
    },
  });

  const ownsServer = deps.server === undefined;
  const server =
    deps.server ??
    createServer((req, res) => {
      if (!handleHttp(req, res))
        sendError(req, res, 404, 'ROUTE_NOT_FOUND', `no route for ${req.url}`);
    });
  server.on('upgrade', onUpgrade);

  async function start(): Promise<number> {
    // Before the first socket: a revocation must never find a socket the gateway cannot see it for.
    // The bus keeps this subscription across broker reconnects; it is the gateway's for its life.
    await (accessSubscribed ??= bus.subscribe(ACCESS_CHANNEL, onAccessEvent));
    started = true;
    stopHeartbeat ??= startHeartbeat(config.heartbeatMs, () => sessions);
    if (ownsServer && !server.listening) {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(config.port, config.host, () => {
          server.off('error', reject);
          resolve();
        });
      });
    }
    const port = server.listening ? (server.address() as AddressInfo).port : 0;
    logger.info({ port, bus: bus.constructor.name }, 'gateway started');
    return port;
  }

  async function shutdown(): Promise<void> {
    stopping = true;
    stopHeartbeat?.();
    server.off('upgrade', onUpgrade);
    const serverClosed = ownsServer && server.listening ? closeServer(server) : Promise.resolve();
    logger.info({ connections: sessions.size }, 'gateway stopping');
    const open = [...sessions];
    for (const session of open) session.close(CLOSE.shutdown.code, CLOSE.shutdown.reason);
    const allClosed = Promise.all(open.map((session) => session.closed));
    const grace = setTimeout(() => open.forEach((session) => session.terminate()), CLOSE_GRACE_MS);
    await allClosed;
    clearTimeout(grace);
    wss.close();
    if (deps.ownsBus ?? true) await bus.close();
    else if (accessSubscribed) await bus.unsubscribe(ACCESS_CHANNEL);
    if (ownsServer) server.closeAllConnections();
    await serverClosed;
    logger.info('gateway stopped');
  }

  return {
    start,
    stop: () => (stopped ??= shutdown()),
    ready,
    handleHttp,
    server,
    metricsRegistry: metrics.registry,
    get connectionCount() {
      return sessions.size;
    },
  };
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}
