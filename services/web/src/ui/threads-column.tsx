import type { Community } from '@communities/contracts';
import { useState } from 'preact/hooks';
import { describeError } from '../api/http';
import type { Api } from '../api/rest';
import type { CommunityDirectory } from '../live/community-directory';
import type { CommunityThreads } from '../live/community-threads';
import { field, plural, shortTime } from './format';
import { CreateForm } from './create-form';
import { HOME_HREF, communityHref, threadHref } from './route';

interface Props {
  directory: CommunityDirectory;
  community: Community | undefined;
  threads: CommunityThreads | undefined;
  selectedId: string | null;
  memberId: string;
  api: Api;
}

export function ThreadsColumn({ directory, community, threads, selectedId, memberId, api }: Props) {
  if (!community) {
    return (
      <section class="column threads" aria-labelledby="threads-heading">
        <div class="column-header">
          <h2 id="threads-heading" tabIndex={-1}>
            Threads
          </h2>
        </div>
        <p class="empty">Choose a community to see its threads.</p>
      </section>
    );
  }
  const joined = directory.joined.has(community.id);
  const owner = community.created_by === memberId;
  return (
    <section class="column threads" aria-labelledby="threads-heading">
      <div class="column-header">
        <a class="back" href={HOME_HREF}>
          <span aria-hidden="true">‹ </span>Communities
        </a>
        <h2 id="threads-heading" tabIndex={-1}>
          {community.name}
        </h2>
        {community.description && <p class="description">{community.description}</p>}
        <div class="header-row">
          <span class="item-meta">
            {plural(community.member_count, 'member')}
            {!community.is_public && ' · private'}
          </span>
          <Membership directory={directory} community={community} joined={joined} owner={owner} />
        </div>
      </div>
      {threads ? (
        <ThreadList
          threads={threads}
          community={community}
          selectedId={selectedId}
          joined={joined}
          owner={owner}
          api={api}
        />
      ) : (
        <p class="empty">This community is private: its members see its threads.</p>
      )}
    </section>
  );
}

function ThreadList(props: {
  threads: CommunityThreads;
  community: Community;
  selectedId: string | null;
  joined: boolean;
  owner: boolean;
  api: Api;
}) {
  const { threads, community, selectedId, joined, owner, api } = props;
  return (
    <div class="column-body">
      {threads.error && (
        <p class="error" role="alert">
          {threads.error}
        </p>
      )}
      <ul class="list" aria-label={`Threads of ${community.name}`} aria-busy={threads.loading}>
        {threads.threads.map((thread) => (
          <li key={thread.id} class="thread-row">
            <a
              class="item"
              href={threadHref(community.id, thread.id)}
              aria-current={thread.id === selectedId ? 'page' : undefined}
            >
              <span class="item-text">
                <span class="item-title">
                  {thread.is_pinned && <span class="badge">Pinned</span>}
                  {thread.is_pinned && ' '}
                  {thread.title}
                </span>
                <span class="item-meta">
                  {plural(thread.message_count, 'message')} · {shortTime(thread.last_activity)}
                </span>
              </span>
            </a>
            {owner && (
              <button
                type="button"
                class="small"
                aria-pressed={thread.is_pinned}
                aria-label={`Pin ${thread.title}`}
                onClick={() => void threads.togglePin(thread.id)}
              >
                Pin
              </button>
            )}
          </li>
        ))}
      </ul>
      {!threads.loading && threads.threads.length === 0 && (
        <p class="empty">No threads yet{joined ? ': start one.' : '.'}</p>
      )}
      {joined && <NewThread threads={threads} communityId={community.id} />}
      {owner && !community.is_public && <Invite api={api} communityId={community.id} />}
    </div>
  );
}

function Membership(props: {
  directory: CommunityDirectory;
  community: Community;
  joined: boolean;
  owner: boolean;
}) {
  const { directory, community, joined, owner } = props;
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  if (owner) return <span class="badge">Owner</span>;
  const toggle = async () => {
    setBusy(true);
    try {
      await (joined ? directory.leave(community.id) : directory.join(community.id));
      setError(null);
    } catch (failure) {
      setError(describeError(failure));
    } finally {
      setBusy(false);
    }
  };
  return (
    <span class="membership">
      <button
        type="button"
        class={joined ? '' : 'primary'}
        disabled={busy}
        onClick={() => void toggle()}
      >
        {joined ? 'Leave' : 'Join'}
        <span class="visually-hidden"> {community.name}</span>
      </button>
      {error && (
        <span class="error" role="alert">
          {error}
        </span>
      )}
    </span>
  );
}

function NewThread({ threads, communityId }: { threads: CommunityThreads; communityId: string }) {
  const create = async (form: FormData) => {
    const thread = await threads.create({
      title: field(form, 'title'),
      content: field(form, 'content'),
    });
    return threadHref(communityId, thread.id);
  };
  return (
    <CreateForm summary="New thread" submitLabel="Create thread" create={create}>
      <label>
        Title
        <input name="title" required maxLength={200} />
      </label>
      <label>
        Opening post
        <textarea name="content" rows={3} maxLength={20000} />
      </label>
    </CreateForm>
  );
}

/** Private communities: invite by username, then share the community's link with them. */
function Invite({ api, communityId }: { api: Api; communityId: string }) {
  const [result, setResult] = useState<{ ok: boolean; text: string } | null>(null);
  const submit = async (event: SubmitEvent) => {
    event.preventDefault();
    const formElement = event.currentTarget as HTMLFormElement;
    const username = field(new FormData(formElement), 'username').trim();
    try {
      const member = await api.memberByUsername(username);
      await api.invite(communityId, member.id);
      formElement.reset();
      const link = `${window.location.origin}/${communityHref(communityId)}`;
      setResult({ ok: true, text: `Invited ${member.username}. Send them this link: ${link}` });
    } catch (failure) {
      setResult({ ok: false, text: describeError(failure) });
    }
  };
  return (
    <details class="create">
      <summary>Invite a member</summary>
      <form onSubmit={(e) => void submit(e)}>
        <label>
          Username
          <input name="username" required autocomplete="off" />
        </label>
        {result && (
          <p class={result.ok ? 'notice' : 'error'} role={result.ok ? 'status' : 'alert'}>
            {result.text}
          </p>
        )}
        <button type="submit" class="primary">
          Invite
        </button>
      </form>
    </details>
  );
}
