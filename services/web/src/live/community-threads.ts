import type { RealtimeClient, Subscription } from '@communities/client';
import type { DomainEvent, Thread } from '@communities/contracts';
import { describeError } from '../api/http';
import { allPages, type Api } from '../api/rest';
import type { CommunityDirectory } from './community-directory';
import { Store } from './store';

/** Pinned first, then the most recently active: the api's order, kept as events arrive. */
function byPinThenActivity(a: Thread, b: Thread): number {
  if (a.is_pinned !== b.is_pinned) return a.is_pinned ? -1 : 1;
  return b.last_activity.localeCompare(a.last_activity);
}

/**
 * The threads column of one community: loaded over REST once its channel is joined (so that no
 * thread created in between is missed), then kept by `community:{id}` events; refetched when the
 * client says events may have been missed.
 */
export class CommunityThreads extends Store {
  threads: Thread[] = [];
  loading = true;
  error: string | null = null;
  private subscription: Subscription | undefined;
  private stopped = false;
  private offEvent: (() => void) | undefined;

  constructor(
    private readonly client: RealtimeClient,
    private readonly api: Api,
    private readonly directory: CommunityDirectory,
    readonly communityId: string,
  ) {
    super();
  }

  start(): void {
    // The api announces no thread_updated per message: the open thread's own events keep its
    // row's count and activity current (other threads' rows are as of the last load).
    this.offEvent = this.client.on('event', (event) => this.onThreadEvent(event));
    this.subscription = this.client.subscribeCommunity(this.communityId, {
      onEvent: (event) => this.onEvent(event),
      onResync: () => void this.load(),
      onError: (error) => {
        this.error = `Live updates stopped: ${error.message}`;
        this.changed();
      },
    });
    // Loaded once joined, or at once if the join fails (the list is still worth showing).
    void this.subscription.ready.catch(() => undefined).then(() => this.load());
  }

  stop(): void {
    this.stopped = true;
    this.offEvent?.();
    this.subscription?.unsubscribe();
  }

  async load(): Promise<void> {
    try {
      const threads = await allPages((cursor) => this.api.threads(this.communityId, cursor), 5);
      if (this.stopped) return;
      this.threads = threads.sort(byPinThenActivity);
      this.error = null;
    } catch (error) {
      this.error = describeError(error);
    } finally {
      this.loading = false;
      this.changed();
    }
  }

  get(threadId: string): Thread | undefined {
    return this.threads.find((thread) => thread.id === threadId);
  }

  async create(fields: { title: string; content: string }): Promise<Thread> {
    const thread = await this.api.createThread(this.communityId, fields);
    this.upsert(thread);
    return thread;
  }

  async togglePin(threadId: string): Promise<void> {
    this.upsert(await this.api.togglePin(threadId));
  }

  private onEvent(event: DomainEvent): void {
    switch (event.type) {
      case 'new_thread':
      case 'thread_updated':
        return this.upsert(event.data.thread);
      case 'thread_deleted':
        this.threads = this.threads.filter((thread) => thread.id !== event.data.thread_id);
        return this.changed();
      case 'member_joined':
      case 'member_left':
      case 'community_updated':
      case 'community_created':
      case 'community_deleted':
        return this.directory.onEvent(event);
      case 'new_message':
      case 'message_updated':
      case 'message_deleted':
      case 'typing':
      case 'stop_typing':
      case 'access_revoked':
        return; // not on a community channel
      default: {
        const unhandled: never = event;
        return unhandled;
      }
    }
  }

  private onThreadEvent(event: DomainEvent): void {
    if (event.type === 'new_message') {
      const { thread_id: threadId, created_at: at } = event.data.message;
      const thread = this.get(threadId);
      if (thread) {
        this.upsert({ ...thread, message_count: thread.message_count + 1, last_activity: at });
      }
    } else if (event.type === 'message_deleted') {
      const thread = this.get(event.data.thread_id);
      if (thread && thread.message_count > 0) {
        this.upsert({ ...thread, message_count: thread.message_count - 1 });
      }
    }
  }

  private upsert(thread: Thread): void {
    const others = this.threads.filter((t) => t.id !== thread.id);
    this.threads = [...others, thread].sort(byPinThenActivity);
    this.changed();
  }
}
