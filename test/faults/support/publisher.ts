import { RealtimeClient } from '@communities/client';
import type { Message } from '@communities/contracts';
import { WebSocket } from 'ws';
import type { Session } from './rest';

/**
 * Posts `count` messages into a thread over REST at a steady rate, one request at a time (so the
 * order of the messages' seqs is the order of their events: concurrent posts may publish in
 * either order), each with its own `client_msg_id` and retried by the client on transient
 * failures. A post that falls behind the schedule is sent right after the previous one.
 */
export class SteadyPublisher {
  /** The messages the api acknowledged, in posting (= seq) order. */
  readonly sent: Message[] = [];
  private readonly poster: RealtimeClient;
  private waiters: { count: number; resolve: () => void; reject: (error: unknown) => void }[] = [];

  constructor(
    apiUrl: string,
    author: Session,
    private readonly threadId: string,
  ) {
    // Used for its idempotent, retrying `post` only: it never opens a socket.
    this.poster = new RealtimeClient({
      wsUrl: 'ws://127.0.0.1:9',
      apiUrl,
      memberId: author.memberId,
      getAccessToken: () => Promise.resolve(author.token),
      WebSocket,
    });
  }

  /** Posts `count` messages, `perSecond` a second; resolves with all of them once the last is in. */
  async run(count: number, perSecond: number): Promise<Message[]> {
    const started = Date.now();
    try {
      for (let i = 0; i < count; i += 1) {
        const due = started + (i * 1000) / perSecond;
        const wait = due - Date.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        this.sent.push(await this.poster.post(this.threadId, `message ${this.sent.length + 1}`));
        this.waiters = this.waiters.filter((waiter) => {
          if (this.sent.length < waiter.count) return true;
          waiter.resolve();
          return false;
        });
      }
    } catch (error) {
      for (const waiter of this.waiters.splice(0)) waiter.reject(error);
      throw error;
    }
    return this.sent;
  }

  /** Resolves once `count` messages were acknowledged: the moment to inject a fault mid-stream. */
  whenSent(count: number): Promise<void> {
    if (this.sent.length >= count) return Promise.resolve();
    return new Promise((resolve, reject) => this.waiters.push({ count, resolve, reject }));
  }
}
