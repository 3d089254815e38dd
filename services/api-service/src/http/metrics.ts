import type { Request, RequestHandler } from 'express';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface ApiMetricsOptions {
  defaultMetrics?: boolean;
  /**
   * Whether the broker takes publishes now (`EventBus.ready`), read at scrape time as the
   * `broker_connected` gauge. The broker is not part of readiness (writes go on, their events wait
   * in the outbox): this gauge is where its outage shows. Without it the gauge is not served.
   */
  brokerReady?: () => boolean;
}

const REPLAY_LOCAL = 'idempotentReplay';

/**
 * Marks the request's answer as an idempotent replay found by `path` (`ReplayPath` of the message
 * repository); `idempotent_replays_total` counts it once the response is sent.
 */
export function markReplay(req: Request, path: string): void {
  if (req.res) req.res.locals[REPLAY_LOCAL] = path;
}

/** Prometheus metrics of one api-service instance (its own registry, so tests can run several). */
export class ApiMetrics {
  readonly registry = new Registry();
  readonly httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration by method, route pattern and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  readonly eventsPublished = new Counter({
    name: 'events_published_total',
    help: 'domain events the broker took, at once or from the outbox, by type',
    labelNames: ['type'] as const,
    registers: [this.registry],
  });
  readonly eventsPublishFailed = new Counter({
    name: 'events_publish_failed_total',
    help: 'domain events the broker did not accept at once (kept in the outbox), by type',
    labelNames: ['type'] as const,
    registers: [this.registry],
  });
  readonly outboxPublished = new Counter({
    name: 'events_outbox_published_total',
    help: 'domain events published from the outbox (after the broker had refused them), by type',
    labelNames: ['type'] as const,
    registers: [this.registry],
  });
  readonly outboxPending = new Gauge({
    name: 'events_outbox_pending',
    help: "this replica's domain events waiting in the outbox (or being written to it)",
    registers: [this.registry],
  });
  readonly eventsLost = new Counter({
    name: 'events_lost_total',
    help: 'domain events neither published nor stored in the outbox (store down too), by type',
    labelNames: ['type'] as const,
    registers: [this.registry],
  });

  readonly idempotentReplays = new Counter({
    name: 'idempotent_replays_total',
    help:
      'posts answered as replays of an earlier one with the same key, by how it was found: ' +
      'lookup (already stored), same_batch (an earlier post of the same batch), duplicate_key ' +
      '(its own insert broke a unique index first: a retry racing in on another replica)',
    labelNames: ['path'] as const,
    registers: [this.registry],
  });
  readonly brokerConnected: Gauge | undefined;

  constructor({ defaultMetrics = true, brokerReady }: ApiMetricsOptions = {}) {
    if (defaultMetrics) collectDefaultMetrics({ register: this.registry });
    if (brokerReady) {
      this.brokerConnected = new Gauge({
        name: 'broker_connected',
        help: '1 while the broker (Redis, or the in-process bus) takes publishes, else 0',
        registers: [this.registry],
        collect() {
          this.set(brokerReady() ? 1 : 0);
        },
      });
    }
  }

  /** Times API requests; the route label is the declared pattern, never the raw URL. */
  middleware(): RequestHandler {
    return (req, res, next) => {
      const end = this.httpDuration.startTimer();
      res.on('finish', () => {
        const route = (res.locals.routePattern as string | undefined) ?? 'unmatched';
        end({ method: req.method, route, status: String(res.statusCode) });
        const replay = res.locals[REPLAY_LOCAL] as string | undefined;
        if (replay) this.idempotentReplays.inc({ path: replay });
      });
      next();
    };
  }

  /**
   * Serves this registry, plus any others given (the standalone adds the gateway's). `others` is
   * read at scrape time, not here: the standalone's gateway, and so its registry, is created after
   * the app and appended to the array then.
   */
  handler(others: Registry[] = []): RequestHandler {
    return async (_req, res) => {
      const registry =
        others.length > 0 ? Registry.merge([this.registry, ...others]) : this.registry;
      res.type(registry.contentType).send(await registry.metrics());
    };
  }
}
