import type {
  AckFrame,
  ClientAction,
  DomainEvent,
  ResyncRequiredFrame,
} from '@communities/contracts';
import { isTransient, type RestApi } from './rest-api';
import { ChannelSequence, MessageLedger } from './sequence';
import {
  RealtimeClientError,
  type ClientStats,
  type CommunityHandlers,
  type ResyncInfo,
  type ResyncReason,
  type Subscription,
  type ThreadHandlers,
} from './types';

/** What a subscription needs from its client. */
export interface ChannelHost {
  readonly rest: RestApi;
  readonly stats: ClientStats;
  /** How far below the highest delivered message seq a REST catch-up starts. */
  readonly resyncOverlap: number;
  delivered(event: DomainEvent): void;
  resynced(info: ResyncInfo): void;
  /** Leave and join again from the last seq (after a gap); false when there is no socket. */
  rejoin(subscription: ChannelSubscription, received: number): boolean;
  end(subscription: ChannelSubscription, error: RealtimeClientError): void;
  unsubscribe(subscription: ChannelSubscription): void;
  /** A transient failure (it is retried); reported to `error` listeners. */
  report(error: RealtimeClientError): void;
  /** Runs a handler; an exception is reported, never thrown into the client. */
  safely(run: () => void): void;
  sleepBackoff(attempt: number): Promise<void>;
}

export type ChannelKind = 'thread' | 'community';

/**
 * `idle`: not joined on the current socket; `granting`: waiting for a grant; `joining`: join
 * sent; `joined`: acked; `leaving`: left to rejoin after a gap (events are dropped until the
 * leave's ack, the rejoin replays them).
 */
export type JoinPhase = 'idle' | 'granting' | 'joining' | 'joined' | 'leaving';

/**
 * One channel the client is subscribed to: its position (seq, epoch), the dedupe by seq, and the
 * recovery when events were lost: a rejoin from the last seq after a gap, else (history reset or
 * truncated, or the rejoin did not close the gap) a REST catch-up of a thread's messages, or
 * `onResync` for a community. Live events that arrive during a catch-up are held and delivered
 * after it, so a thread's messages reach `onMessage` in order and exactly once.
 */
export class ChannelSubscription implements Subscription {
  readonly sequence = new ChannelSequence();
  readonly ledger: MessageLedger | undefined;
  readonly ready: Promise<void>;
  phase: JoinPhase = 'idle';
  /** Incremented at each join attempt, so a late grant of an older attempt is discarded. */
  joinToken = 0;
  joinAttempts = 0;
  active = true;
  delivered = 0;
  /** The current join carried `last_seq`: its ack's position must not move ours. */
  private resuming = false;
  private resyncing = false;
  private resyncAgain = false;
  private held: DomainEvent[] = [];
  private gapRejoined = false;
  private settle!: { resolve: () => void; reject: (error: Error) => void };

  constructor(
    readonly kind: ChannelKind,
    readonly id: string,
    readonly handlers: ThreadHandlers | CommunityHandlers,
    private readonly host: ChannelHost,
    afterSeq?: number,
  ) {
    this.ledger = kind === 'thread' ? new MessageLedger(afterSeq) : undefined;
    this.ready = new Promise((resolve, reject) => (this.settle = { resolve, reject }));
    // Awaiting `ready` is optional: its rejection must never count as unhandled.
    this.ready.catch(() => undefined);
  }

  get channel(): string {
    return `${this.kind}:${this.id}`;
  }

  get lastSeq(): number | undefined {
    return this.sequence.lastSeq;
  }

  get epoch(): string | undefined {
    return this.sequence.epoch;
  }

  unsubscribe(): void {
    this.host.unsubscribe(this);
  }

  /** The join action: with `last_seq` / `epoch` when the position is known (resume). */
  joinAction(grant: string, ref: string): ClientAction {
    const { lastSeq, epoch } = this.sequence;
    this.resuming = lastSeq !== undefined;
    const resume = {
      ...(lastSeq !== undefined && { last_seq: lastSeq }),
      ...(lastSeq !== undefined && epoch && { epoch }),
    };
    return this.kind === 'thread'
      ? { action: 'join_thread', thread_id: this.id, grant, ...resume, ref }
      : { action: 'join_community', community_id: this.id, grant, ...resume, ref };
  }

  leaveAction(ref?: string): ClientAction {
    const ack = ref === undefined ? {} : { ref };
    return this.kind === 'thread'
      ? { action: 'leave_thread', thread_id: this.id, ...ack }
      : { action: 'leave_community', community_id: this.id, ...ack };
  }

  joined(ack: AckFrame): void {
    this.phase = 'joined';
    this.joinAttempts = 0;
    if (!this.resuming) this.sequence.adoptStart(ack.seq, ack.epoch);
    this.settle.resolve();
  }

  ended(error: Error): void {
    this.active = false;
    this.settle.reject(error);
  }

  event(event: DomainEvent): void {
    if (event.seq === undefined) return this.deliver(event); // ephemeral: never stored, never held
    if (this.phase === 'leaving') return; // the rejoin replays it
    if (this.resyncing) {
      this.held.push(event);
      return;
    }
    switch (this.sequence.classify(event.seq, event.epoch)) {
      case 'duplicate':
        this.host.stats.duplicates += 1;
        return;
      case 'next':
        this.gapRejoined = false;
        this.sequence.moveTo(event.seq, event.epoch);
        return this.deliver(event);
      case 'gap':
        // First try the gateway's history; if the rejoin did not close the gap, it is gone.
        if (!this.gapRejoined && this.host.rejoin(this, event.seq)) {
          this.gapRejoined = true;
          return;
        }
        this.sequence.moveTo(event.seq - 1, event.epoch);
        return this.recover('gap', event);
      case 'epoch_changed':
        this.sequence.moveTo(event.seq - 1, event.epoch);
        return this.recover('epoch_changed', event);
    }
  }

  resyncRequired(frame: ResyncRequiredFrame): void {
    // The subscription is live after frame.seq; what came before it is refetched over REST.
    this.sequence.resetTo(frame.seq, frame.epoch);
    this.recover(frame.reason);
  }

  /** Events were lost; `event` (if any) is the first one after the loss, delivered after it. */
  private recover(reason: ResyncReason, event?: DomainEvent): void {
    if (this.kind === 'community') {
      this.host.resynced({ channel: this.channel, reason, recovered: 0 });
      this.host.safely(() =>
        this.handlers.onResync?.({ channel: this.channel, reason, recovered: 0 }),
      );
      if (event) this.event(event);
      return;
    }
    // First in line: events still held from an earlier catch-up came after it.
    if (event) this.held.unshift(event);
    if (this.resyncing) {
      this.resyncAgain = true;
      return;
    }
    this.resyncing = true;
    void this.catchUp(reason);
  }

  /** Fetches the thread's messages after the last delivered one, then releases the held events. */
  private async catchUp(reason: ResyncReason): Promise<void> {
    const ledger = this.ledger!;
    let recovered = 0;
    for (let attempt = 0; ;) {
      this.resyncAgain = false;
      try {
        let cursor: string | null = null;
        const afterSeq = ledger.catchUpAfter(this.host.resyncOverlap);
        do {
          const page = await this.host.rest.messagesAfter(this.id, afterSeq, cursor);
          if (!this.active) return;
          for (const message of page.items) {
            if (!ledger.record(message)) continue;
            recovered += 1;
            this.host.safely(() => (this.handlers as ThreadHandlers).onMessage(message));
          }
          cursor = page.next_cursor;
        } while (cursor !== null);
      } catch (error) {
        if (!this.active) return;
        const failure = `catch-up of ${this.channel} failed`;
        if (!isTransient(error)) {
          const cause = { cause: error };
          this.host.end(
            this,
            new RealtimeClientError('SUBSCRIPTION_FAILED', failure, this.channel, cause),
          );
          return;
        }
        this.host.report(
          new RealtimeClientError('RESYNC_FAILED', failure, this.channel, { cause: error }),
        );
        await this.host.sleepBackoff(attempt);
        attempt += 1;
        if (!this.active) return;
        this.resyncAgain = true;
      }
      if (!this.resyncAgain) break;
    }
    this.resyncing = false;
    this.host.stats.recovered += recovered;
    const info: ResyncInfo = { channel: this.channel, reason, recovered };
    this.host.resynced(info);
    this.host.safely(() => this.handlers.onResync?.(info));
    while (!this.resyncing && this.active && this.held.length > 0) this.event(this.held.shift()!);
  }

  private deliver(event: DomainEvent): void {
    this.delivered += 1;
    this.host.safely(() => this.handlers.onEvent?.(event));
    if (event.type === 'new_message' && this.ledger) {
      const message = event.data.message;
      if (this.ledger.record(message)) {
        this.host.safely(() => (this.handlers as ThreadHandlers).onMessage(message));
      }
    }
    this.host.delivered(event);
  }
}
