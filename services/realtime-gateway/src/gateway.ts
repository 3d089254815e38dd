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
import { RevocationCheck } from './auth/revocation-check';
import { RevocationList } from './auth/revocation-list';
import { tokenVerifierFor } from './auth/token-verifier';
import { type GatewayConfig } from './config';
import { createAccessRevocationHandler } from './connections/access-revocation';
import { ActionHandler } from './connections/action-handler';
import { ActionRateLimit } from './connections/action-rate-limit';
import { ChannelJoiner } from './connections/channel-joiner';
import { ClientSession } from './connections/client-session';
import { ConnectionRegistry } from './connections/connection-registry';
import { drain } from './connections/drain';
import { startHeartbeat } from './connections/heartbeat';
import { MemberQuotas } from './connections/member-quotas';
import { CatchUpTracker } from './fanout/catch-up';
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
  /** [0, 1): picks each socket's reconnect delay when draining. Default Math.random. */
  random?: () => number;
}

export interface StopOptions {
  /** Overrides `config.drainWindowMs` (WS_DRAIN_WINDOW_MS) for this stop; 0 closes at once. */
  drainWindowMs?: number;
}

export interface Gateway {
  /**
   * Subscribes to the access-revocation channel, then accepts sockets (503 before) and starts
   * listening (own server) and the heartbeat; resolves with the bound port.
   */
  start(): Promise<number>;
  /**
   * The drain: readiness fails and upgrades are refused (503) at once; every socket is sent
   * `reconnect` with a delay uniform in [0, drain window) and closed with 1012 at that delay; then
   * the bus is closed (if owned) and the own server. Resolves within the window plus 5 s for
   * close handshakes. Only the first call's options count; later calls return the same promise.
   */
  stop(options?: StopOptions): Promise<void>;
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

/** How long `stop()` waits, after the drain window, for close handshakes before terminating. */
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
  const catchUps = new CatchUpTracker(config.maxBufferedBytes);
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
      left: (connection, channel) => catchUps.left(connection, channel),
    },
    {
      maxChannelsPerSocket: config.maxChannelsPerSocket,
      implicitChannels: new Set([GLOBAL_CHANNEL]),
    },
  );
  const members = new MemberQuotas(config.maxSocketsPerMember);
  const metrics = new GatewayMetrics({
    openConnections: () => sessions.size,
    activeChannels: () => registry.channelCount,
    members: () => members.memberCount,
  });
  const fanout = createFanout({
    membersOf: (channel) => registry.membersOf(channel),
    catchingUp: (channel) => catchUps.of(channel),
    origins,
    metrics,
    logger: deps.logger,
    maxBufferedBytes: config.maxBufferedBytes,
  });
  const revocations = new RevocationList();
  const revocationCheck = new RevocationCheck(bus, revocations);
  const authenticator = new Authenticator(tokens, revocationCheck);
  const actions = new ActionHandler({
    registry,
    joiner: new ChannelJoiner({ registry, bus, catchUps, metrics, logger: deps.logger }),
    bus,
    origins,
    grants: new GrantVerifier(tokens, revocationCheck),
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
    members,
    rateLimit,
    metrics,
    logger: deps.logger,
    authTimeoutMs: config.authTimeoutMs,
    onClosed: (session: ClientSession) => sessions.delete(session),
  };
  const onUpgrade = createUpgradeHandler({
    wss,
    logger,
    authenticator,
    originAllowed: createOriginPolicy(config.corsOrigins),
    accepting: () => started && !stopping,
    onSocket: (socket, userId, authenticated) => {
      // An upgrade that passed `accepting()` just before the drain began: it would miss the drain.
      if (stopping) return socket.close(CLOSE.drain.code, CLOSE.drain.reason);
      nextId += 1;
      const session = new ClientSession(String(nextId), userId, socket, sessionDeps, authenticated);
      sessions.add(session);
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

  async function shutdown(options: StopOptions): Promise<void> {
    // From here `ready()` is false (/readyz 503) and upgrades are refused with 503; the server
    // keeps answering HTTP during the drain so the orchestrator sees the readiness failure.
    stopping = true;
    stopHeartbeat?.();
    const windowMs = options.drainWindowMs ?? config.drainWindowMs;
    logger.info({ connections: sessions.size, windowMs }, 'gateway draining');
    await drain([...sessions], {
      windowMs,
      closeGraceMs: CLOSE_GRACE_MS,
      ...(deps.random && { random: deps.random }),
    });
    server.off('upgrade', onUpgrade);
    const serverClosed = ownsServer && server.listening ? closeServer(server) : Promise.resolve();
    wss.close();
    if (deps.ownsBus ?? true) await bus.close();
    else if (accessSubscribed) await bus.unsubscribe(ACCESS_CHANNEL);
    if (ownsServer) server.closeAllConnections();
    await serverClosed;
    logger.info('gateway stopped');
  }

  return {
    start,
    stop: (options = {}) => (stopped ??= shutdown(options)),
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
