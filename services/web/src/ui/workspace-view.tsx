import { useEffect, useMemo } from 'preact/hooks';
import type { Session } from '../api/session';
import { CommunityThreads } from '../live/community-threads';
import { useStore } from '../live/store';
import { ThreadFeed } from '../live/thread-feed';
import { Workspace } from '../live/workspace';
import { CommunitiesColumn } from './communities-column';
import { ConnectionBadge } from './connection-badge';
import { DiscussionColumn } from './discussion-column';
import { useRoute } from './route';
import { ThreadsColumn } from './threads-column';

/** Below this width one column shows at a time (see styles.css). */
const ONE_COLUMN = '(max-width: 799px)';

/** The three columns: communities | threads of the selected one | the selected thread, live. */
export function WorkspaceView({ session }: { session: Session }) {
  const workspace = useMemo(() => new Workspace(session), [session]);
  useEffect(() => {
    workspace.start();
    return () => workspace.stop();
  }, [workspace]);
  const { directory, status } = workspace;
  useStore(directory);

  const route = useRoute();
  const { communityId, threadId } = route;
  const view = threadId ? 'discussion' : communityId ? 'threads' : 'communities';

  const community = communityId ? directory.get(communityId) : undefined;
  const joined = communityId ? directory.joined.has(communityId) : false;
  // A private community's threads are its members': an invitee sees them once joined, and a
  // member who left stops following them (new subscriptions, new grants).
  const readable = community ? community.is_public || joined : communityId !== null;
  const threads = useMemo(
    () =>
      communityId && readable
        ? new CommunityThreads(workspace.client, workspace.api, directory, communityId)
        : undefined,
    [workspace, directory, communityId, readable],
  );
  useEffect(() => {
    threads?.start();
    return () => threads?.stop();
  }, [threads]);
  useStore(threads);

  const messageCount = threadId ? (threads?.get(threadId)?.message_count ?? 0) : 0;
  const feed = useMemo(
    () =>
      threadId
        ? new ThreadFeed(workspace.client, workspace.api, threadId, session.memberId, messageCount)
        : undefined,
    // messageCount only sizes the first load: a new count must not reopen the thread.
    [workspace, threadId, session.memberId],
  );
  useEffect(() => {
    feed?.start();
    return () => feed?.stop();
  }, [feed]);

  useEffect(() => {
    if (communityId) void directory.ensure(communityId);
  }, [directory, communityId]);

  // One column at a time: the newly shown column's heading takes the focus.
  useEffect(() => {
    if (!window.matchMedia(ONE_COLUMN).matches) return;
    document.getElementById(`${view}-heading`)?.focus();
  }, [view]);

  const thread = threadId ? threads?.get(threadId) : undefined;

  return (
    <div class="app" data-view={view}>
      <header class="topbar">
        <p class="brand">Communities</p>
        <ConnectionBadge status={status} />
        <p class="me">
          <span class="visually-hidden">Signed in as </span>
          {session.username}
        </p>
        <button type="button" onClick={() => void session.logOut()}>
          Log out
        </button>
      </header>
      <div class="columns">
        <CommunitiesColumn directory={directory} selectedId={communityId} />
        <ThreadsColumn
          directory={directory}
          community={community}
          threads={threads}
          selectedId={threadId}
          memberId={session.memberId}
          api={workspace.api}
        />
        <DiscussionColumn
          feed={feed}
          thread={thread}
          community={community}
          joined={joined}
          memberId={session.memberId}
          names={workspace.names}
          directory={directory}
        />
      </div>
    </div>
  );
}
