import { HttpError, type RealtimeClient, type Subscription } from '@communities/client';
import type { DomainEvent, Message } from '@communities/contracts';
import { describeError } from '../api/http';
import { allPages, type Api } from '../api/rest';
import { Store } from './store';

/** How many of the newest messages a thread opens with. */
const WINDOW = 200;
/** An indicator no `stop_typing` ended goes away after this long (senders repeat every 3 s). */
const TYPING_SHOWN_MS = 6_000;
/** While the member types, `typing` is sent at most this often... */
const TYPING_REPEAT_MS = 3_000;
/** ...and `stop_typing` this long after the last keystroke. */
const TYPING_IDLE_MS = 4_000;

/** A message the member sent that the server has not confirmed yet. */
export interface PendingMessage {
  clientMsgId: string;
  content: string;
  state: 'sending' | 'failed';
  /** Why the last attempt failed; `retryable`: it is sent again on the next connection. */
  error?: string;
  retryable?: boolean;
}

function transient(error: unknown): boolean {
  if (!(error instanceof HttpError)) return true; // the request never got an answer
  return error.status === 408 || error.status === 429 || error.status >= 500;
}

function newClientMsgId(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  // randomUUID needs a secure context (https or localhost); getRandomValues does not.
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * The discussion column of one thread: its newest messages, each once and in seq order whether it
 * came live, replayed after a reconnect, from a REST catch-up or as the answer to our own post;
 * the member's unconfirmed posts; who is typing.
 */
export class ThreadFeed extends Store {
  messages: Message[] = [];
  pending: PendingMessage[] = [];
  /** Member ids typing now (never the member themself). */
  typing: string[] = [];
  loading = true;
  error: string | null = null;
  private readonly byId = new Map<string, Message>();
  private readonly typingTimers = new Map<string, ReturnType<typeof setTimeout>>();
  private subscription: Subscription | undefined;
  private stopped = false;
  private typingSentAt = 0;
  private typingIdle: ReturnType<typeof setTimeout> | undefined;
  private readonly offConnected: () => void;

  constructor(
    private readonly client: RealtimeClient,
    private readonly api: Api,
    readonly threadId: string,
    private readonly memberId: string,
    /** The thread's message_count when opened: where the newest WINDOW messages start. */
    private readonly messageCount: number,
  ) {
    super();
    // Posts that failed while the server was away go again, with the same client_msg_id.
    this.offConnected = client.on('connected', () => this.retryFailed());
  }

  start(): void {
    const afterSeq = Math.max(0, this.messageCount - WINDOW);
    this.subscription = this.client.subscribeThread(
      this.threadId,
      {
        onMessage: (message) => this.upsert(message),
        onEvent: (event) => this.onEvent(event),
        // A catch-up delivers what was missed; edits and deletions in the gap need a refetch.
        onResync: () => void this.load(),
        onError: (error) => {
          this.error = `Live updates stopped: ${error.message}`;
          this.changed();
        },
      },
      { afterSeq },
    );
    // Loaded once joined: a message posted before the join is in the page, one after it arrives
    // live, and one in between is in both (kept once, by id).
    void this.subscription.ready.catch(() => undefined).then(() => this.load(afterSeq));
  }

  stop(): void {
    this.stopped = true;
    this.stopTyping();
    this.offConnected();
    this.subscription?.unsubscribe();
    for (const timer of this.typingTimers.values()) clearTimeout(timer);
  }

  /** The window on screen from REST: from `afterSeq`, by default from the oldest shown. */
  async load(afterSeq = Math.max(0, (this.messages[0]?.seq ?? 1) - 1)): Promise<void> {
    // Only these can have been deleted meanwhile: one that arrives live during the fetch stays.
    const shown = [...this.byId.values()].filter((message) => message.seq > afterSeq);
    try {
      const fetched = await allPages((c) => this.api.messagesAfter(this.threadId, afterSeq, c));
      if (this.stopped) return;
      const present = new Set(fetched.map((message) => message.id));
      // Gone from the server (deleted during a gap): gone from the screen.
      for (const message of shown) if (!present.has(message.id)) this.byId.delete(message.id);
      for (const message of fetched) this.byId.set(message.id, message);
      this.error = null;
      this.rebuild();
    } catch (error) {
      this.error = describeError(error);
    } finally {
      this.loading = false;
      this.changed();
    }
  }

  post(content: string): void {
    const pending: PendingMessage = { clientMsgId: newClientMsgId(), content, state: 'sending' };
    this.pending = [...this.pending, pending];
    this.stopTyping();
    void this.send(pending);
  }

  retry(clientMsgId: string): void {
    const pending = this.pending.find((p) => p.clientMsgId === clientMsgId);
    if (pending && pending.state === 'failed') void this.send(pending);
  }

  discard(clientMsgId: string): void {
    this.pending = this.pending.filter((p) => p.clientMsgId !== clientMsgId);
    this.changed();
  }

  async edit(messageId: string, content: string): Promise<void> {
    this.upsert(await this.api.editMessage(messageId, content));
  }

  async remove(messageId: string): Promise<void> {
    await this.api.deleteMessage(messageId);
    this.byId.delete(messageId);
    this.rebuild();
  }

  /** The composer changed: `typing` now and then, `stop_typing` once the member pauses. */
  typed(): void {
    const now = Date.now();
    if (now - this.typingSentAt >= TYPING_REPEAT_MS && this.client.typing(this.threadId)) {
      this.typingSentAt = now;
    }
    clearTimeout(this.typingIdle);
    this.typingIdle = setTimeout(() => this.stopTyping(), TYPING_IDLE_MS);
  }

  stopTyping(): void {
    clearTimeout(this.typingIdle);
    if (this.typingSentAt === 0) return;
    this.typingSentAt = 0;
    this.client.typing(this.threadId, false);
  }

  private async send(pending: PendingMessage): Promise<void> {
    this.replacePending({ ...pending, state: 'sending' });
    try {
      const message = await this.client.post(this.threadId, pending.content, {
        clientMsgId: pending.clientMsgId,
      });
      this.upsert(message);
    } catch (error) {
      this.replacePending({
        ...pending,
        state: 'failed',
        error: describeError(error),
        retryable: transient(error),
      });
    }
  }

  private retryFailed(): void {
    for (const pending of this.pending) {
      if (pending.state === 'failed' && pending.retryable) void this.send(pending);
    }
  }

  private replacePending(next: PendingMessage): void {
    // Confirmed meanwhile (its echo arrived first): nothing left to show.
    if (!this.pending.some((p) => p.clientMsgId === next.clientMsgId)) return;
    this.pending = this.pending.map((p) => (p.clientMsgId === next.clientMsgId ? next : p));
    this.changed();
  }

  private onEvent(event: DomainEvent): void {
    switch (event.type) {
      case 'message_updated':
        if (this.byId.has(event.data.message.id)) this.upsert(event.data.message);
        return;
      case 'message_deleted':
        if (this.byId.delete(event.data.message_id)) this.rebuild();
        return;
      case 'typing':
        return this.setTyping(event.data.user_id, true);
      case 'stop_typing':
        return this.setTyping(event.data.user_id, false);
      case 'new_message':
        return; // onMessage has it
      case 'member_joined':
      case 'member_left':
      case 'new_thread':
      case 'thread_updated':
      case 'thread_deleted':
      case 'community_created':
      case 'community_updated':
      case 'community_deleted':
      case 'access_revoked':
        return; // not on a thread channel
      default: {
        const unhandled: never = event;
        return unhandled;
      }
    }
  }

  private setTyping(memberId: string, typing: boolean): void {
    if (memberId === this.memberId) return;
    clearTimeout(this.typingTimers.get(memberId));
    this.typingTimers.delete(memberId);
    if (typing) {
      const timer = setTimeout(() => this.setTyping(memberId, false), TYPING_SHOWN_MS);
      this.typingTimers.set(memberId, timer);
    }
    const others = this.typing.filter((id) => id !== memberId);
    this.typing = typing ? [...others, memberId] : others;
    this.changed();
  }

  private upsert(message: Message): void {
    this.byId.set(message.id, message);
    if (message.author === this.memberId && message.client_msg_id !== null) {
      this.pending = this.pending.filter((p) => p.clientMsgId !== message.client_msg_id);
    }
    // Someone whose message arrived has stopped typing it.
    if (this.typing.includes(message.author)) this.setTyping(message.author, false);
    this.rebuild();
  }

  private rebuild(): void {
    this.messages = [...this.byId.values()].sort((a, b) => a.seq - b.seq);
    this.changed();
  }
}
