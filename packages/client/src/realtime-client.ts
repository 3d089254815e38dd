import type {
  AckFrame,
  DomainEvent,
  ErrorFrame,
  GLOBAL_CHANNEL,
  Message,
  ResyncRequiredFrame,
  SubscriptionRevokedFrame,
} from '@communities/contracts';
import { DEFAULT_BACKOFF, backoffDelay } from './backoff';
import { ChannelJoiner } from './channel-joiner';
import { ChannelSubscription, type ChannelHost, type ChannelKind } from './channel-subscription';
import { Connection, type Frame } from './connection';
import { Emitter } from './emitter';
import { globalFetch, globalWebSocket, randomId, systemTimers, type Timers } from './platform';
import { RestApi, isTransient } from './rest-api';
import {
  RealtimeClientError,
  type ClientEvents,
  type ClientState,
  type ClientStats,
  type CommunityHandlers,
  type RealtimeClientOptions,
  type ResyncInfo,
  type Subscription,
  type ThreadHandlers,
  type ThreadSubscribeOptions,
} from './types';

// Checked against the contracts by type only (no run-time import: see connection.ts).
const GLOBAL: typeof GLOBAL_CHANNEL = 'global:notifications';

export interface PostOptions {
  /** The idempotency key; default a random UUID. Pass your own to reconcile optimistic UI. */
  clientMsgId?: string;
  replyTo?: string | null;
  attachments?: string[];
  /** Attempts in all, for network errors, 408, 429 and 5xx (default 5). */
  attempts?: number;
}

/**
 * The typed resume client of the realtime gateway (issue 6). One instance holds one logical
 * connection for one member and any number of thread and community subscriptions; see the
 * package README for the guarantees.
 */
export class RealtimeClient implements ChannelHost {
  readonly stats: ClientStats = {
    connections: 0,
    delivered: 0,
    duplicates: 0,
    recovered: 0,
    resyncs: 0,
    gapRejoins: 0,
  };
  readonly rest: RestApi;
  readonly resyncOverlap: number;
  private readonly emitter = new Emitter<ClientEvents>((error) => this.failedHandler(error));
  private readonly connection: Connection;
  private readonly joiner: ChannelJoiner;
  private readonly subscriptions = new Map<string, ChannelSubscription>();
  private readonly timers: Timers;
  private readonly random: () => number;
  private readonly backoff;
  private readonly pending = new Set<unknown>();
  private reportingFailure = false;
  private firstConnect: Promise<void> | undefined;
  private settleConnected: { resolve: () => void; reject: (error: Error) => void } | undefined;

  constructor(options: RealtimeClientOptions) {
    const WebSocket = options.WebSocket ?? globalWebSocket();
    const fetch = options.fetch ?? globalFetch();
    if (!WebSocket) throw new TypeError('no global WebSocket: pass options.WebSocket (e.g. ws)');
    if (!fetch) throw new TypeError('no global fetch: pass options.fetch');
    this.timers = options.timers ?? systemTimers;
    this.random = options.random ?? Math.random;
    this.backoff = { ...DEFAULT_BACKOFF, ...options.backoff };
    this.resyncOverlap = options.resyncOverlap ?? 32;
    this.rest = new RestApi(options.apiUrl, fetch, (request) => options.getAccessToken(request));
    const url = `${options.wsUrl}/ws/${encodeURIComponent(options.memberId)}`;
    this.joiner = new ChannelJoiner({
      rest: this.rest,
      send: (action) => this.connection.send(action),
      connected: () => this.state === 'connected',
      end: (subscription, error) => this.end(subscription, error),
      afterBackoff: (attempt, callback) => this.later(this.delay(attempt), callback),
    });
    this.connection = new Connection(
      {
        url,
        getAccessToken: (request) => options.getAccessToken(request),
        WebSocket,
        timers: this.timers,
        random: this.random,
        backoff: this.backoff,
        connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
      },
      {
        onConnected: () => this.onConnected(),
        onFrame: (frame) => this.onFrame(frame),
        onDisconnected: (code, reason, reconnectInMs) =>
          this.onDisconnected(code, reason, reconnectInMs),
        onFatal: (error) => this.onFatal(error),
      },
    );
  }

  get state(): ClientState {
    return this.connection.state;
  }

  on<K extends keyof ClientEvents>(
    name: K,
    listener: (payload: ClientEvents[K]) => void,
  ): () => void {
    return this.emitter.on(name, listener);
  }

  /** Starts connecting; resolves at the first `connected`, rejects if the client stops first. */
  connect(): Promise<void> {
    if (!this.firstConnect) {
      this.firstConnect = new Promise(
        (resolve, reject) => (this.settleConnected = { resolve, reject }),
      );
      this.firstConnect.catch(() => undefined);
      if (this.state === 'closed') this.settleConnected?.reject(new Error('client closed'));
      this.connection.start();
    }
    return this.firstConnect;
  }

  subscribeThread(
    threadId: string,
    handlers: ThreadHandlers,
    options: ThreadSubscribeOptions = {},
  ): Subscription {
    return this.subscribe('thread', threadId, handlers, options.afterSeq);
  }

  subscribeCommunity(communityId: string, handlers: CommunityHandlers): Subscription {
    return this.subscribe('community', communityId, handlers);
  }

  /** The last seq delivered on a subscribed channel (`thread:{id}`, `community:{id}`). */
  lastSeq(channel: string): number | undefined {
    return this.subscriptions.get(channel)?.lastSeq;
  }

  epoch(channel: string): string | undefined {
    return this.subscriptions.get(channel)?.epoch;
  }

  /**
   * Posts a message with an idempotency key (`client_msg_id`) and retries transient failures
   * with the same key: the api-service stores the message once, however many attempts reached it.
   */
  async post(threadId: string, content: string, options: PostOptions = {}): Promise<Message> {
    const body = {
      content,
      client_msg_id: options.clientMsgId ?? randomId(this.random),
      ...(options.replyTo !== undefined && { reply_to: options.replyTo }),
      ...(options.attachments !== undefined && { attachments: options.attachments }),
    };
    const attempts = options.attempts ?? 5;
    for (let attempt = 0; ; attempt += 1) {
      try {
        return await this.rest.postMessage(threadId, body);
      } catch (error) {
        if (!isTransient(error) || attempt + 1 >= attempts) throw error;
        // Not tied to the socket: a post completes (or fails) even after close().
        await new Promise<void>((resolve) => this.timers.setTimeout(resolve, this.delay(attempt)));
      }
    }
  }

  /**
   * Tells the thread's other sockets that this member is typing (`typing`) or stopped
   * (`stop_typing`). Best effort, like the events themselves: sent only while the thread is
   * joined on a connected socket (false otherwise, nothing queued), and never retried. Send it
   * at most every few seconds while the member types; receivers should expire an indicator that
   * no `stop_typing` ended.
   */
  typing(threadId: string, typing = true): boolean {
    const subscription = this.subscriptions.get(`thread:${threadId}`);
    if (subscription?.phase !== 'joined') return false;
    // No ref: the answer (an ack, or an error such as RATE_LIMITED) matches no join and is dropped.
    return this.connection.send({ action: typing ? 'typing' : 'stop_typing', thread_id: threadId });
  }

  /** Closes the socket (1000) and stops reconnecting; subscriptions end, their state stays readable. */
  close(): void {
    if (this.state === 'closed') return;
    this.connection.stop();
    this.stopped(null);
  }

  // ChannelHost --------------------------------------------------------------------------------

  delivered(event: DomainEvent): void {
    this.stats.delivered += 1;
    this.emitter.emit('event', event);
  }

  resynced(info: ResyncInfo): void {
    this.stats.resyncs += 1;
    this.emitter.emit('resynced', info);
  }

  rejoin(subscription: ChannelSubscription, received: number): boolean {
    if (!this.joiner.rejoin(subscription)) return false;
    this.stats.gapRejoins += 1;
    const { channel, lastSeq } = subscription;
    this.emitter.emit('gap', { channel, lastSeq: lastSeq ?? 0, received });
    return true;
  }

  end(subscription: ChannelSubscription, error: RealtimeClientError): void {
    if (!subscription.active) return;
    this.subscriptions.delete(subscription.channel);
    subscription.ended(error);
    this.safely(() => subscription.handlers.onError?.(error));
    this.emitter.emit('error', error);
  }

  unsubscribe(subscription: ChannelSubscription): void {
    if (!subscription.active) return;
    this.subscriptions.delete(subscription.channel);
    if (subscription.phase === 'joining' || subscription.phase === 'joined') {
      this.connection.send(subscription.leaveAction());
    }
    subscription.ended(new Error(`unsubscribed from ${subscription.channel}`));
  }

  report(error: RealtimeClientError): void {
    this.emitter.emit('error', error);
  }

  safely(run: () => void): void {
    try {
      run();
    } catch (error) {
      this.failedHandler(error);
    }
  }

  sleepBackoff(attempt: number): Promise<void> {
    return new Promise((resolve) => this.later(this.delay(attempt), resolve));
  }

  // Connection callbacks -----------------------------------------------------------------------

  private onConnected(): void {
    this.stats.connections += 1;
    this.settleConnected?.resolve();
    this.emitter.emit('connected', { connection: this.stats.connections });
    this.joiner.join([...this.subscriptions.values()]);
  }

  private onDisconnected(code: number, reason: string, reconnectInMs: number | null): void {
    this.joiner.reset(this.subscriptions.values());
    this.emitter.emit('disconnected', { code, reason, reconnectInMs });
  }

  private onFatal(error: RealtimeClientError): void {
    this.emitter.emit('error', error);
    this.stopped(error);
  }

  private onFrame(frame: Frame): void {
    switch (frame.type) {
      case 'ack':
        return this.joiner.answered(frame as unknown as AckFrame, undefined);
      case 'error':
        return this.joiner.answered(undefined, frame as unknown as ErrorFrame);
      case 'resync_required': {
        const resync = frame as unknown as ResyncRequiredFrame;
        return this.subscriptions.get(resync.channel)?.resyncRequired(resync);
      }
      case 'subscription_revoked': {
        const { channel, reason } = frame as unknown as SubscriptionRevokedFrame;
        const subscription = this.subscriptions.get(channel);
        const error = new RealtimeClientError(
          'SUBSCRIPTION_REVOKED',
          `${channel}: ${reason}`,
          channel,
        );
        if (subscription) this.end(subscription, error);
        return;
      }
      default: {
        // Anything else is a domain event (the gateway forwards them as published).
        const event = frame as unknown as DomainEvent;
        if (typeof event.channel !== 'string') return;
        const subscription = this.subscriptions.get(event.channel);
        if (subscription) subscription.event(event);
        else if (event.channel === GLOBAL) this.delivered(event);
      }
    }
  }

  // Joining ------------------------------------------------------------------------------------

  private subscribe(
    kind: ChannelKind,
    id: string,
    handlers: ThreadHandlers | CommunityHandlers,
    afterSeq?: number,
  ): Subscription {
    if (this.state === 'closed') throw new Error('client closed');
    const channel = `${kind}:${id}`;
    if (this.subscriptions.has(channel)) throw new Error(`already subscribed to ${channel}`);
    const subscription = new ChannelSubscription(kind, id, handlers, this, afterSeq);
    this.subscriptions.set(channel, subscription);
    if (this.state === 'connected') this.joiner.join([subscription]);
    return subscription;
  }

  // Lifecycle ----------------------------------------------------------------------------------

  private stopped(error: RealtimeClientError | null): void {
    for (const handle of this.pending) this.timers.clearTimeout(handle);
    this.pending.clear();
    const ending = error ?? new Error('client closed');
    this.settleConnected?.reject(ending);
    for (const subscription of [...this.subscriptions.values()]) {
      if (error) this.safely(() => subscription.handlers.onError?.(error));
      subscription.ended(ending);
    }
    this.emitter.emit('closed', { error });
  }

  private failedHandler(error: unknown): void {
    // An `error` listener that throws while being told must not recurse.
    if (this.reportingFailure) return;
    this.reportingFailure = true;
    try {
      const failure = new RealtimeClientError('HANDLER_FAILED', 'a handler threw', undefined, {
        cause: error,
      });
      this.emitter.emit('error', failure);
    } finally {
      this.reportingFailure = false;
    }
  }

  private delay(attempt: number): number {
    return backoffDelay(attempt, this.backoff, this.random);
  }

  private later(ms: number, callback: () => void): void {
    const handle = this.timers.setTimeout(() => {
      this.pending.delete(handle);
      callback();
    }, ms);
    this.pending.add(handle);
  }
}
