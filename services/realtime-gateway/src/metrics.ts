import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { type DecodeRefusalReason } from './protocol/decode-frame';

/** Why an event from the broker did not reach a socket. */
export type DropReason =
  | 'invalid_json'
  | 'invalid_event'
  | 'channel_mismatch'
  | 'slow_consumer'
  | 'ephemeral_backpressure'
  | 'duplicate';

/** How a join with `last_seq` was answered. */
export type ResumeOutcome = 'replayed' | 'epoch_changed' | 'history_truncated';

/**
 * Why a client frame was refused (decode reasons plus transport-level ones). `unauthenticated`:
 * the socket was closed because its first frame, or the token in it, was refused, or it never
 * authenticated; `rate_limited`: past WS_RATE_LIMIT_ACTIONS.
 */
export type InvalidFrameReason =
  DecodeRefusalReason | 'binary' | 'too_big' | 'protocol' | 'unauthenticated' | 'rate_limited';

export interface MetricSources {
  openConnections(): number;
  activeChannels(): number;
  /** Members with at least one admitted socket on this gateway. */
  members(): number;
}

/**
 * One Registry per gateway instance, so two gateways in one process (tests, the standalone) never
 * collide on metric names. Gauges are read from the live state at scrape time.
 */
export class GatewayMetrics {
  readonly registry = new Registry();
  readonly eventsDelivered: Counter<'type'>;
  readonly eventsDropped: Counter<'reason'>;
  readonly invalidFrames: Counter<'reason'>;
  readonly socketsRefused: Counter;
  readonly deliveryLatency: Histogram;
  readonly resumes: Counter<'outcome'>;
  readonly eventsReplayed: Counter;
  private readonly deliveredByType = new Map<string, Counter.Internal>();

  constructor(sources: MetricSources) {
    const registers = [this.registry];
    new Gauge({
      name: 'gateway_open_connections',
      help: 'WebSocket connections currently open on this gateway',
      registers,
      collect() {
        this.set(sources.openConnections());
      },
    });
    new Gauge({
      name: 'gateway_channel_subscriptions',
      help: 'Broker channels this gateway is subscribed to (channels with at least one local socket)',
      registers,
      collect() {
        this.set(sources.activeChannels());
      },
    });
    new Gauge({
      name: 'gateway_members',
      help: 'Members with at least one authenticated socket on this gateway',
      registers,
      collect() {
        this.set(sources.members());
      },
    });
    this.eventsDelivered = new Counter({
      name: 'gateway_events_delivered_total',
      help: 'Event frames written to sockets (one per socket per event)',
      labelNames: ['type'],
      registers,
    });
    this.eventsDropped = new Counter({
      name: 'gateway_events_dropped_total',
      help:
        'Events not delivered: invalid on the broker, withheld from a slow socket, or a duplicate ' +
        'of one already replayed to it',
      labelNames: ['reason'],
      registers,
    });
    this.invalidFrames = new Counter({
      name: 'gateway_invalid_frames_total',
      help: 'Client frames refused with an error frame or a close',
      labelNames: ['reason'],
      registers,
    });
    this.socketsRefused = new Counter({
      name: 'gateway_sockets_refused_total',
      help: 'Authenticated sockets closed with 4429: their member already held WS_MAX_SOCKETS_PER_MEMBER',
      registers,
    });
    this.deliveryLatency = new Histogram({
      name: 'gateway_delivery_latency_seconds',
      help: 'From the event occurred_at (set by the publisher) to the write on the local sockets',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    this.resumes = new Counter({
      name: 'gateway_resumes_total',
      help: 'Joins with last_seq: replayed from the history, or answered with resync_required',
      labelNames: ['outcome'],
      registers,
    });
    this.eventsReplayed = new Counter({
      name: 'gateway_events_replayed_total',
      help: 'Events written to sockets from the channel history when they resumed',
      registers,
    });
  }

  /** Counts frames written for one event; the per-type child is looked up once per type. */
  delivered(type: string, count: number): void {
    let child = this.deliveredByType.get(type);
    if (!child) this.deliveredByType.set(type, (child = this.eventsDelivered.labels(type)));
    child.inc(count);
  }

  dropped(reason: DropReason, count = 1): void {
    this.eventsDropped.inc({ reason }, count);
  }

  invalidFrame(reason: InvalidFrameReason): void {
    this.invalidFrames.inc({ reason });
  }

  socketRefused(): void {
    this.socketsRefused.inc();
  }
}
