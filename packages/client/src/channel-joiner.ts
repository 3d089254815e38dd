import type { AckFrame, ClientAction, ErrorFrame } from '@communities/contracts';
import type { ChannelSubscription } from './channel-subscription';
import { MAX_GRANTS_PER_REQUEST, isTransient, type RestApi } from './rest-api';
import { RealtimeClientError } from './types';

/** Join refusals that a new grant and a later attempt may cure; any other ends the subscription. */
const TRANSIENT_JOIN_ERRORS: ReadonlySet<string> = new Set([
  'RATE_LIMITED',
  'SERVICE_UNAVAILABLE',
  'INTERNAL',
]);

/**
 * Joins and leaves sent without an answer yet, at most: the gateway closes a socket with 1008 past
 * 64 frames in flight, and a client may hold 100 channels.
 */
const MAX_IN_FLIGHT = 32;

export interface JoinerHost {
  readonly rest: RestApi;
  /** Sends on the authenticated socket; false when there is none. */
  send(action: ClientAction): boolean;
  connected(): boolean;
  end(subscription: ChannelSubscription, error: RealtimeClientError): void;
  /** Runs `callback` after the backoff delay of `attempt` (cancelled when the client stops). */
  afterBackoff(attempt: number, callback: () => void): void;
}

/**
 * Joins subscriptions on the current socket: one grants request per 50 channels, then a join per
 * channel (resuming from its position), matched to its ack or error by `ref`; and the leave +
 * join of a rejoin after a gap.
 */
export class ChannelJoiner {
  /** Refs of the joins and leaves in flight on the current socket. */
  private readonly inFlight = new Map<
    string,
    { subscription: ChannelSubscription; leave: boolean }
  >();
  /** Granted joins waiting for room in flight, in order. */
  private queue: { subscription: ChannelSubscription; grant: string }[] = [];
  private refs = 0;

  constructor(private readonly host: JoinerHost) {}

  /** The socket is gone: nothing is joined any more, and no answer will come. */
  reset(subscriptions: Iterable<ChannelSubscription>): void {
    this.inFlight.clear();
    this.queue = [];
    for (const subscription of subscriptions) subscription.phase = 'idle';
  }

  join(subscriptions: ChannelSubscription[]): void {
    const idle = subscriptions.filter((s) => s.active && s.phase === 'idle');
    for (const subscription of idle) {
      subscription.phase = 'granting';
      subscription.joinToken += 1;
    }
    for (let i = 0; i < idle.length; i += MAX_GRANTS_PER_REQUEST) {
      void this.grantAndJoin(idle.slice(i, i + MAX_GRANTS_PER_REQUEST));
    }
  }

  /** Leaves, to join again from the last seq (the gateway replays the gap); false without a socket. */
  rejoin(subscription: ChannelSubscription): boolean {
    const ref = this.ref('l');
    if (!this.host.send(subscription.leaveAction(ref))) return false;
    this.inFlight.set(ref, { subscription, leave: true });
    subscription.phase = 'leaving';
    return true;
  }

  answered(ack: AckFrame | undefined, error: ErrorFrame | undefined): void {
    const ref = ack?.ref ?? error?.ref;
    const request = ref === undefined ? undefined : this.inFlight.get(ref);
    if (!request || ref === undefined) return;
    this.inFlight.delete(ref);
    this.pump();
    const { subscription, leave } = request;
    if (!subscription.active) return;
    if (leave) {
      subscription.phase = 'idle';
      return this.join([subscription]);
    }
    // Left after a gap before this join was answered: the rejoin that follows answers for it.
    if (subscription.phase === 'leaving') return;
    if (ack) return subscription.joined(ack);
    if (error && TRANSIENT_JOIN_ERRORS.has(error.code)) return this.retry(subscription);
    this.fail(subscription, `${error?.code}: ${error?.message}`);
  }

  private async grantAndJoin(batch: ChannelSubscription[]): Promise<void> {
    // A grant that arrives after the socket changed belongs to an older attempt: discard it.
    const tokens = batch.map((s) => s.joinToken);
    const current = (): ChannelSubscription[] =>
      batch.filter((s, i) => s.active && s.phase === 'granting' && s.joinToken === tokens[i]);
    let grants: Map<string, string>;
    try {
      grants = await this.host.rest.grants(batch.map((s) => s.channel));
    } catch (error) {
      const waiting = current();
      if (isTransient(error)) return waiting.forEach((s) => this.retry(s));
      // One refused channel refuses the whole request (404): find it by asking one by one.
      if (waiting.length > 1) return waiting.forEach((s) => void this.grantAndJoin([s]));
      const [subscription] = waiting;
      if (subscription) this.fail(subscription, 'no grant', error);
      return;
    }
    for (const subscription of current()) {
      const grant = grants.get(subscription.channel);
      if (grant === undefined) this.fail(subscription, 'no grant');
      else this.queue.push({ subscription, grant });
    }
    this.pump();
  }

  /** Sends queued joins while there is room in flight. */
  private pump(): void {
    while (this.inFlight.size < MAX_IN_FLIGHT) {
      const next = this.queue.shift();
      if (!next) return;
      const { subscription, grant } = next;
      if (!subscription.active || subscription.phase !== 'granting') continue;
      const ref = this.ref('j');
      if (!this.host.send(subscription.joinAction(grant, ref))) {
        subscription.phase = 'idle'; // joined again on the next `connected`
        continue;
      }
      subscription.phase = 'joining';
      this.inFlight.set(ref, { subscription, leave: false });
    }
  }

  private retry(subscription: ChannelSubscription): void {
    subscription.phase = 'idle';
    const attempt = subscription.joinAttempts;
    subscription.joinAttempts += 1;
    this.host.afterBackoff(attempt, () => {
      if (this.host.connected()) this.join([subscription]);
    });
  }

  private fail(subscription: ChannelSubscription, why: string, cause?: unknown): void {
    const message = `cannot join ${subscription.channel}: ${why}`;
    const { channel } = subscription;
    this.host.end(
      subscription,
      new RealtimeClientError('SUBSCRIPTION_FAILED', message, channel, { cause }),
    );
  }

  private ref(prefix: string): string {
    this.refs += 1;
    return `${prefix}${this.refs}`;
  }
}
