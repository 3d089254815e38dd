import type { Message } from '@communities/contracts';
import { useEffect, useRef, useState } from 'preact/hooks';
import { describeError } from '../api/http';
import type { PendingMessage, ThreadFeed } from '../live/thread-feed';
import { shortTime } from './format';

interface Props {
  message: Message;
  author: string | undefined;
  mine: boolean;
  feed: ThreadFeed;
}

export function MessageItem({ message, author, mine, feed }: Props) {
  const [mode, setMode] = useState<'view' | 'edit' | 'confirm-delete'>('view');
  const [draft, setDraft] = useState(message.content);
  const [error, setError] = useState<string | null>(null);
  const run = (action: Promise<void>) =>
    action.then(
      () => {
        setError(null);
        setMode('view');
      },
      (failure: unknown) => setError(describeError(failure)),
    );
  const editId = `edit-${message.id}`;
  // The control that replaced the one pressed takes the focus, so the keyboard stays in place.
  const focusTarget = useRef<HTMLTextAreaElement & HTMLButtonElement>(null);
  useEffect(() => {
    if (mode !== 'view') focusTarget.current?.focus();
  }, [mode]);

  return (
    <li class={mine ? 'message mine' : 'message'} data-seq={message.seq}>
      <p class="message-head">
        <span class="author">{author ?? '…'}</span>
        <time dateTime={message.created_at}>{shortTime(message.created_at)}</time>
        {message.is_edited && <span class="edited">(edited)</span>}
      </p>
      {mode === 'edit' ? (
        <form
          class="edit"
          onSubmit={(e) => {
            e.preventDefault();
            if (draft.trim()) void run(feed.edit(message.id, draft.trim()));
          }}
        >
          <label for={editId} class="visually-hidden">
            Edit message
          </label>
          <textarea
            ref={focusTarget}
            id={editId}
            rows={2}
            value={draft}
            maxLength={10000}
            onInput={(e) => setDraft(e.currentTarget.value)}
            onKeyDown={(e) => {
              if (e.key === 'Escape') setMode('view');
            }}
          />
          <button type="submit" class="primary small">
            Save
          </button>
          <button type="button" class="small" onClick={() => setMode('view')}>
            Cancel
          </button>
        </form>
      ) : (
        <p class="content">{message.content}</p>
      )}
      {mine && mode === 'view' && (
        <p class="actions">
          <button
            type="button"
            class="small"
            onClick={() => {
              setDraft(message.content);
              setMode('edit');
            }}
          >
            Edit<span class="visually-hidden"> message</span>
          </button>
          <button type="button" class="small" onClick={() => setMode('confirm-delete')}>
            Delete<span class="visually-hidden"> message</span>
          </button>
        </p>
      )}
      {mode === 'confirm-delete' && (
        <p class="actions confirm">
          <span>Delete this message?</span>
          <button
            ref={focusTarget}
            type="button"
            class="small danger"
            onClick={() => void run(feed.remove(message.id))}
          >
            Delete
          </button>
          <button type="button" class="small" onClick={() => setMode('view')}>
            Keep
          </button>
        </p>
      )}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </li>
  );
}

/** One of the member's posts before the server confirmed it: sending, or failed (retry). */
export function PendingItem({ pending, feed }: { pending: PendingMessage; feed: ThreadFeed }) {
  const failed = pending.state === 'failed';
  return (
    <li class={`message mine pending ${pending.state}`}>
      <p class="message-head">
        <span class="author">You</span>
        <span class="edited">
          {failed ? (pending.retryable ? 'not sent yet — will retry' : 'not sent') : 'sending…'}
        </span>
      </p>
      <p class="content">{pending.content}</p>
      {failed && (
        <p class="actions">
          {pending.error && <span class="error">{pending.error}</span>}
          <button type="button" class="small" onClick={() => feed.retry(pending.clientMsgId)}>
            Retry
          </button>
          <button type="button" class="small" onClick={() => feed.discard(pending.clientMsgId)}>
            Discard
          </button>
        </p>
      )}
    </li>
  );
}
