import { EPHEMERAL_EVENT_TYPES } from '@communities/contracts';
import { type MessageHandler } from '@communities/broker';
import { type Logger } from 'pino';
import { type LocalConnection } from '../connections/local-connection';
import { type GatewayMetrics } from '../metrics';
import { CLOSE } from '../protocol/close-codes';
import { TextFrame } from '../protocol/text-frame';
import { pressureFor } from './backpressure';
import { decodeBrokerEvent } from './broker-event';
import { type CatchUp } from './catch-up';
import { type OriginTracker } from './origin-tracker';

export interface FanoutDeps {
  membersOf(channel: string): ReadonlySet<LocalConnection> | undefined;
  /** Sockets catching up on the channel (see `CatchUpTracker.of`); undefined: none. */
  catchingUp?: (channel: string) => ReadonlyMap<LocalConnection, CatchUp> | undefined;
  origins: OriginTracker;
  metrics: GatewayMetrics;
  logger: Logger;
  /** Above this many unsent bytes a socket is closed as a slow consumer. */
  maxBufferedBytes: number;
  now?: () => number;
}

/**
 * Broker message → local sockets. Each payload is validated once against the `DomainEvent`
 * contract (an invalid one is dropped and counted, never forwarded), framed once (`TextFrame`),
 * and those same bytes are written to every local socket in the channel. Frames written to one
 * socket within one tick (several broker messages from one read) leave in one `writev`.
 *
 * A socket catching up on the channel (a join being answered, see `CatchUp`) gets the event
 * through its catch-up instead, which holds or deduplicates it; that costs one lookup per event
 * and nothing per socket on channels where nobody is catching up.
 *
 * Backpressure (`pressureFor`): a socket whose send buffer is past half the limit stops receiving
 * ephemeral events; past the limit it is closed with 1013 (reconnect and resume) instead of
 * letting the gateway's memory grow with it.
 */
export function createFanout(deps: FanoutDeps): MessageHandler {
  const { metrics, logger, origins, maxBufferedBytes } = deps;
  const now = deps.now ?? Date.now;
  const catchingUp = deps.catchingUp ?? (() => undefined);
  const log = logger.child({ module: 'fanout' });

  return (payload, channel) => {
    const decoded = decodeBrokerEvent(payload, channel);
    if (!decoded.ok) {
      metrics.dropped(decoded.reason);
      const { reason, detail } = decoded;
      log.warn({ channel, bytes: payload.length, reason, detail }, 'dropped broker message');
      return;
    }
    const event = decoded.event;
    const ephemeral = EPHEMERAL_EVENT_TYPES.has(event.type);
    // Only this gateway's own typing events have an origin; take it even if nobody is listening.
    const origin = ephemeral ? origins.take(event.id) : undefined;
    const members = deps.membersOf(channel);
    if (!members || members.size === 0) return;

    const frame = new TextFrame(payload);
    const catching = catchingUp(channel);
    let delivered = 0;
    for (const connection of members) {
      if (connection.id === origin || !connection.isOpen) continue;
      if (catching !== undefined) {
        const catchUp = catching.get(connection);
        if (catchUp !== undefined) {
          const admission = catchUp.admit({ frame, seq: event.seq, epoch: event.epoch, ephemeral });
          if (admission !== 'deliver') {
            if (admission !== 'held') metrics.dropped(admission);
            continue;
          }
        }
      }
      const buffered = connection.bufferedAmount;
      const pressure = pressureFor(buffered, ephemeral, maxBufferedBytes);
      if (pressure !== 'send') {
        metrics.dropped(pressure);
        if (pressure === 'slow_consumer') {
          log.warn({ connection: connection.id, buffered }, 'closing slow consumer');
          connection.close(CLOSE.slowConsumer.code, CLOSE.slowConsumer.reason);
        }
        continue;
      }
      connection.send(frame);
      delivered += 1;
    }
    if (delivered > 0) {
      metrics.delivered(event.type, delivered);
      const latencyMs = now() - Date.parse(event.occurred_at);
      metrics.deliveryLatency.observe(Math.max(0, latencyMs) / 1000);
    }
  };
}
