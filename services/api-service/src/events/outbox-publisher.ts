import type { EventPublisher as BrokerPublisher } from '@communities/broker';
import type { DomainEvent } from '@communities/contracts';
import type { Logger } from 'pino';
import type { ApiMetrics } from '../http/metrics';
import { idToHex, type DocumentDb } from '../store/document-db';
import type { EventPublisher } from './event-publisher';
import type { OutboxRepository } from './outbox.repository';

export interface OutboxSettings {
  /** Pause between relay rounds while there is nothing to retry. */
  intervalMs: number;
  /** First pause after the broker refused an event; doubles per failed round up to the cap. */
  retryBaseMs: number;
  retryMaxMs: number;
  /**
   * A replica renews its lease every third of this; an owner whose lease is older is taken for
   * dead and its entries are relayed by another replica. Must exceed clock skew between replicas.
   */
  leaseTtlMs: number;
  /** Entries read per query. */
  batchSize: number;
  /** How long `stop` waits for publishes and outbox writes still under way. */
  stopTimeoutMs: number;
}

export const DEFAULT_OUTBOX_SETTINGS: OutboxSettings = {
  intervalMs: 1000,
  retryBaseMs: 200,
  retryMaxMs: 5000,
  leaseTtlMs: 30_000,
  batchSize: 100,
  stopTimeoutMs: 5000,
};

/**
 * Publishes each event after its write without making the request wait, and never loses one to a
 * broker outage: an event the broker refuses is stored in the outbox and published again, in
 * order, by this replica's relay once the broker is back (then removed). While this replica has
 * entries in the outbox (or is writing one), new events go there too, behind them, so none
 * overtakes an earlier one. The guarantee: every event handed to `publish` is published at least
 * once, in `publish` order per replica, unless the process dies before the broker took it and
 * before its outbox entry was written (the store has no transactions to write both at once).
 * At least once: an event whose publish timed out may have gone through and goes again.
 */
export class OutboxPublisher implements EventPublisher {
  /** This process's name in the outbox and on its lease. */
  readonly owner: string;
  private readonly settings: OutboxSettings;
  /** Publication number of the next event. */
  private nextN = 1;
  /** Events whose fate is open: a direct publish under way, or an outbox write under way. */
  private readonly unsettled = new Set<number>();
  /** Of those, the outbox writes under way. */
  private writing = 0;
  /** Entries of this owner in the outbox, as far as this process knows. */
  private stored = 0;
  /** Outbox writes that completed, ever: tells the relay whether one landed during its read. */
  private writesCompleted = 0;
  /** Dead owners whose entries this relay took over. */
  private readonly adopted = new Set<string>();
  private failedRounds = 0;
  private nextLeaseAt = 0;
  private timer: NodeJS.Timeout | undefined;
  private round: Promise<void> | undefined;
  private rerun = false;
  private running = false;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly broker: BrokerPublisher,
    private readonly outbox: OutboxRepository,
    db: DocumentDb,
    private readonly logger: Logger,
    private readonly metrics: ApiMetrics,
    settings: Partial<OutboxSettings> = {},
  ) {
    this.owner = idToHex(db.newId());
    this.settings = { ...DEFAULT_OUTBOX_SETTINGS, ...settings };
  }

  publish(event: DomainEvent): void {
    const n = this.nextN++;
    this.unsettled.add(n);
    if (this.stored > 0 || this.writing > 0) {
      this.store(event, n);
      return;
    }
    this.broker.publish(event).then(
      () => {
        this.published(event);
        this.settle(n);
      },
      (error: unknown) => {
        this.metrics.eventsPublishFailed.inc({ type: event.type });
        this.logger.warn(
          { err: error, event_id: event.id, type: event.type, channel: event.channel },
          'event not published: kept in the outbox',
        );
        this.store(event, n);
      },
    );
  }

  /** Takes this replica's lease and starts relaying. */
  async start(): Promise<void> {
    await this.outbox.holdLease(this.owner);
    // The first round looks for outboxes left by stopped replicas (this service's last run too).
    this.nextLeaseAt = 0;
    this.running = true;
    this.schedule(0);
  }

  /**
   * Stops relaying once the round under way ends, after the publishes and outbox writes under way
   * (bounded). Entries left in the outbox are handed over: the lease is marked stale at once, so
   * another replica's relay (or this service's next start) publishes them.
   */
  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    await this.round;
    await this.settled(this.settings.stopTimeoutMs);
    try {
      if (this.stored > 0) await this.outbox.expireLease(this.owner);
      else await this.outbox.dropLease(this.owner);
      for (const owner of this.adopted) await this.outbox.expireLease(owner);
    } catch (error) {
      // The leases then go stale by themselves.
      this.logger.warn({ err: error }, 'outbox lease not released');
    }
  }

  private store(event: DomainEvent, n: number): void {
    this.writing += 1;
    this.updatePending();
    this.outbox
      .add(this.owner, n, event)
      .then(
        () => {
          this.stored += 1;
          this.writesCompleted += 1;
        },
        (error: unknown) => {
          this.metrics.eventsLost.inc({ type: event.type });
          this.logger.error(
            { err: error, event_id: event.id, type: event.type, channel: event.channel },
            'event lost: neither published nor stored in the outbox',
          );
        },
      )
      .finally(() => {
        this.writing -= 1;
        this.settle(n);
      });
  }

  private settle(n: number): void {
    this.unsettled.delete(n);
    this.updatePending();
    if (this.unsettled.size === 0) for (const done of this.idleWaiters.splice(0)) done();
    // The relay may have stopped short of this event's successors.
    if (this.stored > 0) this.kick();
  }

  private published(event: DomainEvent): void {
    this.metrics.eventsPublished.inc({ type: event.type });
  }

  private updatePending(): void {
    this.metrics.outboxPending.set(this.stored + this.writing);
  }

  /** Starts a round now, unless one is running (it then runs again) or the relay is backing off. */
  private kick(): void {
    if (!this.running) return;
    if (this.round) this.rerun = true;
    else if (this.failedRounds === 0) this.schedule(0);
  }

  private schedule(delayMs: number): void {
    clearTimeout(this.timer);
    if (!this.running) return;
    this.timer = setTimeout(() => {
      this.round = this.runRound().finally(() => {
        this.round = undefined;
      });
    }, delayMs);
    this.timer.unref();
  }

  private async runRound(): Promise<void> {
    this.rerun = false;
    let more = false;
    try {
      if (Date.now() >= this.nextLeaseAt) await this.keepLeases();
      more = await this.relayOwn();
      for (const owner of [...this.adopted]) more = (await this.relayAdopted(owner)) || more;
      this.failedRounds = 0;
    } catch (error) {
      this.failedRounds += 1;
      this.logger.warn(
        { err: error, failed_rounds: this.failedRounds },
        'outbox relay round failed',
      );
    }
    if (!this.running) return;
    if (this.failedRounds > 0) {
      const backoff = this.settings.retryBaseMs * 2 ** (this.failedRounds - 1);
      this.schedule(Math.min(backoff, this.settings.retryMaxMs));
    } else {
      this.schedule(more || this.rerun ? 0 : this.settings.intervalMs);
    }
  }

  /**
   * Publishes this owner's entries in order, each removed once the broker took it. Stops before
   * an entry numbered after an event whose fate is still open, which may yet land before it.
   * Returns whether entries remain that a next round can publish now.
   */
  private async relayOwn(): Promise<boolean> {
    if (this.stored === 0) return false;
    const writesBefore = this.writesCompleted;
    const entries = await this.outbox.pending(this.owner, this.settings.batchSize);
    if (entries.length === 0) {
      // Nothing left (another relay took over while this one was stalled): back to direct
      // publishing, unless an entry was written during the read.
      if (this.writesCompleted === writesBefore && this.writing === 0) this.stored = 0;
      this.updatePending();
      return false;
    }
    const barrier = Math.min(...this.unsettled);
    for (const entry of entries) {
      if (entry.n > barrier) return false;
      await this.broker.publish(entry.event);
      await this.outbox.remove(entry.id);
      this.stored = Math.max(0, this.stored - 1);
      this.updatePending();
      this.published(entry.event);
      this.metrics.outboxPublished.inc({ type: entry.event.type });
    }
    return this.stored > 0;
  }

  /** Publishes a dead owner's entries in their order; gives its lease up once none remain. */
  private async relayAdopted(owner: string): Promise<boolean> {
    const entries = await this.outbox.pending(owner, this.settings.batchSize);
    if (entries.length === 0) {
      await this.outbox.dropLease(owner);
      this.adopted.delete(owner);
      this.logger.info({ owner }, 'outbox of a stopped replica relayed');
      return false;
    }
    for (const entry of entries) {
      await this.broker.publish(entry.event);
      await this.outbox.remove(entry.id);
      this.published(entry.event);
      this.metrics.outboxPublished.inc({ type: entry.event.type });
    }
    return true;
  }

  /**
   * Renews this replica's lease and those it took over, then takes over the entries of owners
   * without a live lease: a stale one (the process died) or none at all.
   */
  private async keepLeases(): Promise<void> {
    const now = new Date();
    await this.outbox.holdLease(this.owner, now);
    for (const owner of [...this.adopted]) {
      // Gone: another relay finished that outbox.
      if (!(await this.outbox.renewLease(owner, now))) this.adopted.delete(owner);
    }
    const leases = await this.outbox.allLeases();
    const liveSince = now.getTime() - this.settings.leaseTtlMs;
    const skip = new Set([
      this.owner,
      ...this.adopted,
      ...leases.filter((l) => l.renewed_at.getTime() > liveSince).map((l) => l.owner),
    ]);
    for (;;) {
      const owner = await this.outbox.ownerOutside([...skip]);
      if (owner === null) break;
      skip.add(owner);
      const seen = leases.find((l) => l.owner === owner)?.renewed_at ?? null;
      if (await this.outbox.takeOverLease(owner, seen, now)) {
        this.adopted.add(owner);
        this.logger.info({ owner }, 'taking over the outbox of a stopped replica');
      }
    }
    this.nextLeaseAt = now.getTime() + this.settings.leaseTtlMs / 3;
  }

  /** Resolves once no publish or outbox write is under way, or after `timeoutMs`. */
  private settled(timeoutMs: number): Promise<void> {
    if (this.unsettled.size === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      this.idleWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}
