import { DomainEvent, EPHEMERAL_EVENT_TYPES } from '@communities/contracts';
import { type MessageHandler } from '@communities/broker';
import { type Logger } from 'pino';
import { type LocalConnection } from '../connections/local-connection';
import { type GatewayMetrics } from '../metrics';
import { CLOSE } from '../protocol/close-codes';
import { type OriginTracker } from './origin-tracker';

export interface FanoutDeps {
  membersOf(channel: string): ReadonlySet<LocalConnection> | undefined;
  origins: OriginTracker;
  metrics: GatewayMetrics;
  logger: Logger;
  /** Above this many unsent bytes a socket is closed as a slow consumer. */
  maxBufferedBytes: number;
  now?: () => number;
}

/**
 * Broker message → local sockets. Each payload is validated once against the `DomainEvent`
 * contract (an invalid one is dropped and counted, never forwarded), turned into one Buffer, and
 * that same Buffer is written to every local socket in the channel.
 *
 * Backpressure: a socket whose send buffer is past half the limit stops receiving ephemeral events
 * (typing indicators are worthless late); past the limit it is closed with 1013 instead of
 * letting the gateway's memory grow with it.
 */
export function createFanout(deps: FanoutDeps): MessageHandler {
  const { metrics, logger, origins, maxBufferedBytes } = deps;
  const now = deps.now ?? Date.now;
  const log = logger.child({ module: 'fanout' });

  return (payload, channel) => {
    let json: unknown;
    try {
      json = JSON.parse(payload);
    } catch {
      metrics.dropped('invalid_json');
      log.warn({ channel, bytes: payload.length }, 'dropped broker message that is not JSON');
      return;
    }
    const parsed = DomainEvent.safeParse(json);
    if (!parsed.success) {
      metrics.dropped('invalid_event');
      log.warn({ channel, issues: parsed.error.issues.slice(0, 3) }, 'dropped invalid event');
      return;
    }
    const event = parsed.data;
    if (event.channel !== channel) {
      metrics.dropped('channel_mismatch');
      log.warn(
        { channel, eventChannel: event.channel, type: event.type },
        'dropped misrouted event',
      );
      return;
    }
    const ephemeral = EPHEMERAL_EVENT_TYPES.has(event.type);
    // Only this gateway's own typing events have an origin; take it even if nobody is listening.
    const origin = ephemeral ? origins.take(event.id) : undefined;
    const members = deps.membersOf(channel);
    if (!members || members.size === 0) return;

    const frame = Buffer.from(payload, 'utf8');
    let delivered = 0;
    for (const connection of members) {
      if (connection.id === origin || !connection.isOpen) continue;
      const buffered = connection.bufferedAmount;
      if (buffered > maxBufferedBytes) {
        metrics.dropped('slow_consumer');
        log.warn({ connection: connection.id, buffered }, 'closing slow consumer');
        connection.close(CLOSE.slowConsumer.code, CLOSE.slowConsumer.reason);
        continue;
      }
      if (ephemeral && buffered > maxBufferedBytes / 2) {
        metrics.dropped('ephemeral_backpressure');
        continue;
      }
      connection.send(frame);
      delivered += 1;
    }
    if (delivered > 0) {
      metrics.eventsDelivered.inc({ type: event.type }, delivered);
      const latencyMs = now() - Date.parse(event.occurred_at);
      metrics.deliveryLatency.observe(Math.max(0, latencyMs) / 1000);
    }
  };
}
