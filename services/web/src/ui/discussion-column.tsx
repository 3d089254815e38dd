import type { Community, Thread } from '@communities/contracts';
import { useLayoutEffect, useRef, useState } from 'preact/hooks';
import { describeError } from '../api/http';
import type { CommunityDirectory } from '../live/community-directory';
import type { MemberNames } from '../live/member-names';
import { useStore } from '../live/store';
import type { ThreadFeed } from '../live/thread-feed';
import { typingText } from './format';
import { MessageItem, PendingItem } from './message-item';
import { communityHref } from './route';

interface Props {
  feed: ThreadFeed | undefined;
  thread: Thread | undefined;
  community: Community | undefined;
  joined: boolean;
  memberId: string;
  names: MemberNames;
  directory: CommunityDirectory;
}

export function DiscussionColumn(props: Props) {
  const { feed, thread, community, joined, memberId, names, directory } = props;
  useStore(feed);
  useStore(names);
  const scroller = useRef<HTMLDivElement>(null);
  const stickToBottom = useRef(true);

  // New messages scroll into view, unless the member scrolled up to read older ones.
  useLayoutEffect(() => {
    const element = scroller.current;
    if (element && stickToBottom.current) element.scrollTop = element.scrollHeight;
  });
  useLayoutEffect(() => {
    stickToBottom.current = true;
  }, [feed]);

  if (!feed) {
    return (
      <main class="column discussion" aria-labelledby="discussion-heading">
        <div class="column-header">
          <h2 id="discussion-heading" tabIndex={-1}>
            Discussion
          </h2>
        </div>
        <p class="empty">Choose a thread to follow its discussion live.</p>
      </main>
    );
  }

  const typing = feed.typing.map((id) => names.name(id) ?? 'Someone');
  return (
    <main class="column discussion" aria-labelledby="discussion-heading">
      <div class="column-header">
        {community && (
          <a class="back" href={communityHref(community.id)}>
            <span aria-hidden="true">‹ </span>
            {community.name}
          </a>
        )}
        <h2 id="discussion-heading" tabIndex={-1}>
          {thread?.title ?? 'Discussion'}
        </h2>
        {thread?.content && <p class="description">{thread.content}</p>}
      </div>
      <div
        class="messages"
        ref={scroller}
        onScroll={(e) => {
          const el = e.currentTarget;
          stickToBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < 80;
        }}
      >
        {feed.error && (
          <p class="error" role="alert">
            {feed.error}
          </p>
        )}
        {/* role=log: additions are announced (politely), the rest of the list is not re-read. */}
        <ol class="message-list" role="log" aria-label="Messages" aria-busy={feed.loading}>
          {feed.messages.map((message) => (
            <MessageItem
              key={message.id}
              message={message}
              author={names.name(message.author)}
              mine={message.author === memberId}
              feed={feed}
            />
          ))}
          {feed.pending.map((pending) => (
            <PendingItem key={pending.clientMsgId} pending={pending} feed={feed} />
          ))}
        </ol>
        {!feed.loading && feed.messages.length === 0 && feed.pending.length === 0 && (
          <p class="empty">No messages yet.</p>
        )}
      </div>
      <p class="typing" data-testid="typing">
        {typingText(typing)}
      </p>
      {joined ? (
        <Composer feed={feed} />
      ) : (
        community && <JoinToPost directory={directory} community={community} />
      )}
    </main>
  );
}

function Composer({ feed }: { feed: ThreadFeed }) {
  const [text, setText] = useState('');
  const send = () => {
    const content = text.trim();
    if (!content) return;
    feed.post(content);
    setText('');
  };
  return (
    <form
      class="composer"
      onSubmit={(e) => {
        e.preventDefault();
        send();
      }}
    >
      <label for="composer-input" class="visually-hidden">
        Message
      </label>
      <textarea
        id="composer-input"
        rows={2}
        placeholder="Write a message — Enter sends, Shift+Enter adds a line"
        value={text}
        maxLength={10000}
        onInput={(e) => {
          setText(e.currentTarget.value);
          feed.typed();
        }}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
            e.preventDefault();
            send();
          }
        }}
        onBlur={() => feed.stopTyping()}
      />
      <button type="submit" class="primary" disabled={!text.trim()}>
        Send
      </button>
    </form>
  );
}

function JoinToPost({
  directory,
  community,
}: {
  directory: CommunityDirectory;
  community: Community;
}) {
  const [error, setError] = useState<string | null>(null);
  return (
    <div class="composer join-to-post">
      <p>Join {community.name} to post in this thread.</p>
      <button
        type="button"
        class="primary"
        onClick={() => void directory.join(community.id).catch((e) => setError(describeError(e)))}
      >
        Join
      </button>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}
