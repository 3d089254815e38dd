import type { RealtimeClient, ThreadHandlers } from '@communities/client';
import type { DomainEvent, Message } from '@communities/contracts';
import type { Api } from '../api/rest';
import { ThreadFeed } from './thread-feed';

const THREAD = 'a'.repeat(24);
const ME = 'b'.repeat(24);
const OTHER = 'c'.repeat(24);

function message(seq: number, fields: Partial<Message> = {}): Message {
  return {
    id: seq.toString(16).padStart(24, '0'),
    thread_id: THREAD,
    community_id: 'd'.repeat(24),
    content: `message ${seq}`,
    author: OTHER,
    created_at: new Date(Date.UTC(2026, 0, 1, 0, 0, seq)).toISOString(),
    edited_at: null,
    is_edited: false,
    reply_to: null,
    attachments: [],
    seq,
    client_msg_id: null,
    ...fields,
  };
}

function event(type: string, data: unknown): DomainEvent {
  return { id: 'e', type, channel: `thread:${THREAD}`, occurred_at: '', data } as DomainEvent;
}

/** A feed on a scripted client and api: `live` is the subscription's handlers. */
function setup(restPages: Message[][] = [[]]) {
  let live!: ThreadHandlers;
  const listeners = new Map<string, () => void>();
  const client = {
    subscribeThread: jest.fn((_id: string, handlers: ThreadHandlers) => {
      live = handlers;
      return { ready: Promise.resolve(), unsubscribe: jest.fn() };
    }),
    on: jest.fn((name: string, listener: () => void) => {
      listeners.set(name, listener);
      return () => listeners.delete(name);
    }),
    typing: jest.fn(() => true),
    post: jest.fn<Promise<Message>, [string, string, { clientMsgId: string }]>(),
  };
  const pages = [...restPages];
  const api = {
    messagesAfter: jest.fn(() =>
      Promise.resolve({ items: pages.shift() ?? [], next_cursor: null }),
    ),
  };
  const feed = new ThreadFeed(
    client as unknown as RealtimeClient,
    api as unknown as Api,
    THREAD,
    ME,
    0,
  );
  const seqs = () => feed.messages.map((m) => m.seq);
  return { feed, client, api, live: () => live, listeners, seqs };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('ThreadFeed', () => {
  it('shows each message once, in seq order, whether it came live or from REST', async () => {
    const h = setup([[message(1), message(2), message(3)]]);
    h.feed.start();
    h.live().onMessage(message(3)); // live, before the REST page arrived
    await settle();
    h.live().onMessage(message(2)); // a replay of one the page had
    h.live().onMessage(message(4));
    expect(h.seqs()).toEqual([1, 2, 3, 4]);
    expect(h.api.messagesAfter).toHaveBeenCalledWith(THREAD, 0, null);
  });

  it('keeps a post pending until it is confirmed, then shows it once', async () => {
    const h = setup();
    h.feed.start();
    await settle();
    let answer!: (m: Message) => void;
    h.client.post.mockReturnValue(new Promise((resolve) => (answer = resolve)));
    h.feed.post('hello');
    expect(h.feed.pending.map((p) => [p.content, p.state])).toEqual([['hello', 'sending']]);
    const clientMsgId = h.client.post.mock.calls[0]![2].clientMsgId;
    const mine = message(1, { author: ME, content: 'hello', client_msg_id: clientMsgId });
    h.live().onMessage(mine); // the echo arrives before the answer
    expect(h.feed.pending).toEqual([]);
    answer(mine);
    await settle();
    expect(h.feed.messages).toEqual([mine]);
    expect(h.feed.pending).toEqual([]);
  });

  it('sends a post that failed for want of a server again, with the same id, once connected', async () => {
    const h = setup();
    h.feed.start();
    await settle();
    h.client.post.mockRejectedValueOnce(new TypeError('fetch failed'));
    h.feed.post('while away');
    await settle();
    expect(h.feed.pending[0]).toMatchObject({ state: 'failed', retryable: true });

    const first = h.client.post.mock.calls[0]![2].clientMsgId;
    const stored = message(7, { author: ME, content: 'while away', client_msg_id: first });
    h.client.post.mockResolvedValueOnce(stored);
    h.listeners.get('connected')!();
    await settle();
    expect(h.client.post.mock.calls[1]![2].clientMsgId).toBe(first);
    expect(h.feed.pending).toEqual([]);
    expect(h.seqs()).toEqual([7]);
  });

  it('applies edits and deletions live, and drops what a refetch after a gap no longer has', async () => {
    const h = setup([
      [message(1), message(2), message(3)],
      [message(1), message(3)],
    ]);
    h.feed.start();
    await settle();
    h.live().onEvent!(event('message_updated', { message: message(3, { content: 'edited' }) }));
    h.live().onEvent!(event('message_deleted', { message_id: message(1).id, thread_id: THREAD }));
    expect(h.feed.messages.map((m) => m.content)).toEqual(['message 2', 'edited']);

    // After a resync the window on screen is fetched again: message 2 was deleted in the gap.
    h.live().onResync!({ channel: `thread:${THREAD}`, reason: 'epoch_changed', recovered: 0 });
    await settle();
    expect(h.seqs()).toEqual([1, 3]);
    expect(h.api.messagesAfter).toHaveBeenLastCalledWith(THREAD, 1, null);
  });

  it('shows who is typing until they stop, their message arrives, or 6 s pass', () => {
    jest.useFakeTimers();
    try {
      const h = setup();
      h.feed.start();
      const typing = (type: string, user: string) =>
        h.live().onEvent!(event(type, { thread_id: THREAD, user_id: user }));
      typing('typing', OTHER);
      typing('typing', ME); // never shown: our own
      expect(h.feed.typing).toEqual([OTHER]);
      typing('stop_typing', OTHER);
      expect(h.feed.typing).toEqual([]);

      typing('typing', OTHER);
      h.live().onMessage(message(1));
      expect(h.feed.typing).toEqual([]);

      typing('typing', OTHER);
      jest.advanceTimersByTime(5_999);
      expect(h.feed.typing).toEqual([OTHER]);
      jest.advanceTimersByTime(1);
      expect(h.feed.typing).toEqual([]);
    } finally {
      jest.useRealTimers();
    }
  });

  it('sends typing at most every 3 s while the member types, and stop_typing after a pause', () => {
    jest.useFakeTimers();
    try {
      const h = setup();
      h.feed.typed();
      jest.advanceTimersByTime(1_000);
      h.feed.typed();
      expect(h.client.typing.mock.calls).toEqual([[THREAD]]);
      jest.advanceTimersByTime(2_000);
      h.feed.typed();
      expect(h.client.typing.mock.calls).toEqual([[THREAD], [THREAD]]);
      jest.advanceTimersByTime(4_000);
      expect(h.client.typing.mock.calls.at(-1)).toEqual([THREAD, false]);
    } finally {
      jest.useRealTimers();
    }
  });
});
