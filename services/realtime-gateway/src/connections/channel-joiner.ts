import { AppError, type DomainEvent } from '@communities/contracts';
import { type ChannelHistory, type ChannelPosition, type EventHistory } from '@communities/broker';
import { type Logger } from 'pino';
import { decodeBrokerEvent } from '../fanout/broker-event';
import { type CatchUp, type CatchUpTracker, type SequencedFrame } from '../fanout/catch-up';
import { redactReplay } from '../fanout/replay-redaction';
import { type GatewayMetrics, type ResumeOutcome } from '../metrics';
import { encodeFrame, resyncRequiredFrame } from '../protocol/server-frames';
import { type ChannelAccess, type ConnectionRegistry } from './connection-registry';
import { type LocalConnection } from './local-connection';

/** From a join's `last_seq` / `epoch`: the last event the client received on the channel. */
export interface ResumePoint {
  lastSeq: number;
  epoch: string | undefined;
}

export interface ChannelJoinerDeps {
  registry: ConnectionRegistry;
  bus: EventHistory;
  catchUps: CatchUpTracker;
  metrics: GatewayMetrics;
  logger: Logger;
}

/**
 * Replay or resync: replay only when the history still holds every event after `last_seq` in the
 * client's epoch. A `last_seq` beyond the latest seq means the history was reset under the client
 * (e.g. Redis lost it) even if it sent no epoch.
 */
export function resumeOutcome(
  resume: ResumePoint,
  history: Pick<ChannelHistory, 'epoch' | 'latestSeq' | 'complete'>,
): ResumeOutcome {
  if (resume.epoch !== undefined && resume.epoch !== history.epoch) return 'epoch_changed';
  if (resume.lastSeq > history.latestSeq) return 'epoch_changed';
  if (!history.complete) return 'history_truncated';
  return 'replayed';
}

/**
 * A join, and what the socket receives before its ack. Subscribe first, holding the socket's live
 * events (`CatchUp`), then read where the channel stands, then write in order:
 *
 * - with a resume point: every history event after `last_seq`, then the held events newer than
 *   those, then live; or, when the history cannot cover the gap, one `resync_required` frame
 *   (the latest seq and epoch), then the held events newer than that, then live;
 * - without: the held events newer than the channel's position, then live.
 *
 * Resolves with the position the socket now holds, which the ack carries: every event written
 * after the ack has a greater seq. Undefined when a plain join could not read the position (the
 * broker is unreachable): the join still stands, without dedupe.
 */
export class ChannelJoiner {
  private readonly log: Logger;

  constructor(private readonly deps: ChannelJoinerDeps) {
    this.log = deps.logger.child({ module: 'channel-joiner' });
  }

  async join(
    connection: LocalConnection,
    channel: string,
    access: ChannelAccess | undefined,
    resume: ResumePoint | undefined,
  ): Promise<ChannelPosition | undefined> {
    const catchUp = this.deps.catchUps.begin(connection, channel);
    try {
      await this.deps.registry.join(connection, channel, access);
      this.assertJoined(connection, channel);
      return resume ? await this.resume(catchUp, resume) : await this.startLive(catchUp);
    } finally {
      catchUp.abandon();
    }
  }

  private async startLive(catchUp: CatchUp): Promise<ChannelPosition | undefined> {
    const { connection, channel } = catchUp;
    let position: ChannelPosition | undefined;
    try {
      position = await this.deps.bus.position(channel);
    } catch (error) {
      this.log.warn({ err: error, channel }, 'channel position unavailable; joining without it');
    }
    this.assertJoined(connection, channel);
    const released = catchUp.release(position ?? { seq: 0, epoch: null }, []);
    this.countDuplicates(released.duplicates);
    return position && released.position;
  }

  private async resume(catchUp: CatchUp, resume: ResumePoint): Promise<ChannelPosition> {
    const { connection, channel } = catchUp;
    let history: ChannelHistory;
    try {
      history = await this.deps.bus.history(channel, resume.lastSeq);
    } catch (error) {
      this.log.warn({ err: error, channel }, 'channel history unavailable');
      // Live without the missed events would be a silent gap: undo the join, the client retries.
      await this.deps.registry.leave(connection, channel);
      throw new AppError('SERVICE_UNAVAILABLE', `could not read the history of ${channel}`);
    }
    this.assertJoined(connection, channel);
    const outcome = resumeOutcome(resume, history);
    this.deps.metrics.resumes.inc({ outcome });
    if (outcome !== 'replayed') {
      const latest = { seq: history.latestSeq, epoch: history.epoch };
      connection.send(encodeFrame(resyncRequiredFrame(channel, latest, outcome)));
      const released = catchUp.release(latest, []);
      this.countDuplicates(released.duplicates);
      return released.position;
    }
    const released = catchUp.release(
      { seq: resume.lastSeq, epoch: history.epoch },
      this.decodeReplay(channel, history.events),
    );
    this.deps.metrics.eventsReplayed.inc(released.replayed);
    this.countDuplicates(released.duplicates);
    return released.position;
  }

  /**
   * History payloads are validated like live ones (an invalid one is dropped and counted), then
   * redacted: what was deleted or edited since replays as it stands now (see `redactReplay`).
   */
  private decodeReplay(channel: string, payloads: readonly string[]): SequencedFrame[] {
    const valid: { payload: string; event: DomainEvent }[] = [];
    for (const payload of payloads) {
      const decoded = decodeBrokerEvent(payload, channel);
      if (!decoded.ok) {
        this.deps.metrics.dropped(decoded.reason);
        this.log.warn({ channel, reason: decoded.reason }, 'dropped invalid history event');
        continue;
      }
      valid.push({ payload, event: decoded.event });
    }
    const redacted = redactReplay(valid.map(({ event }) => event));
    return redacted.map((event, i) => {
      const original = valid[i]!;
      const frame = event === original.event ? original.payload : JSON.stringify(event);
      return { frame, seq: event.seq, epoch: event.epoch, ephemeral: false };
    });
  }

  private countDuplicates(count: number): void {
    if (count > 0) this.deps.metrics.dropped('duplicate', count);
  }

  /** A revocation (or the socket closing) can arrive while the broker is asked; it wins. */
  private assertJoined(connection: LocalConnection, channel: string): void {
    if (!this.deps.registry.isJoined(connection, channel)) {
      throw new AppError('FORBIDDEN', `access to ${channel} was revoked while joining`);
    }
  }
}
