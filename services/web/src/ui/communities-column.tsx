import { useState } from 'preact/hooks';
import type { CommunityDirectory } from '../live/community-directory';
import { field, plural } from './format';
import { CreateForm } from './create-form';
import { communityHref } from './route';

interface Props {
  directory: CommunityDirectory;
  selectedId: string | null;
}

export function CommunitiesColumn({ directory, selectedId }: Props) {
  const [query, setQuery] = useState('');
  const needle = query.trim().toLowerCase();
  const shown = needle
    ? directory.items.filter((c) =>
        [c.name, c.description, ...c.tags].some((text) => text.toLowerCase().includes(needle)),
      )
    : directory.items;

  return (
    <nav class="column communities" aria-labelledby="communities-heading">
      <div class="column-header">
        <h2 id="communities-heading" tabIndex={-1}>
          Communities
        </h2>
        <label class="search">
          <span class="visually-hidden">Search communities</span>
          <input
            type="search"
            placeholder="Search communities"
            value={query}
            onInput={(e) => {
              setQuery(e.currentTarget.value);
              // The api has no community search: look through every page the member may see.
              void directory.loadAll();
            }}
          />
        </label>
      </div>
      <div class="column-body">
        {directory.error && (
          <p class="error" role="alert">
            {directory.error}
          </p>
        )}
        <ul class="list" aria-label={needle ? `Communities matching “${query.trim()}”` : undefined}>
          {shown.map((community) => (
            <li key={community.id}>
              <a
                class="item"
                href={communityHref(community.id)}
                aria-current={community.id === selectedId ? 'page' : undefined}
              >
                <span class="avatar" aria-hidden="true">
                  {community.name.slice(0, 1).toUpperCase()}
                </span>
                <span class="item-text">
                  <span class="item-title">{community.name}</span>
                  <span class="item-meta">
                    {plural(community.member_count, 'member')}
                    {!community.is_public && ' · private'}
                    {directory.joined.has(community.id) && ' · joined'}
                  </span>
                </span>
              </a>
            </li>
          ))}
        </ul>
        {shown.length === 0 && !directory.loading && (
          <p class="empty">{needle ? 'No community matches.' : 'No communities yet.'}</p>
        )}
        {directory.nextCursor !== null && !needle && (
          <button type="button" onClick={() => void directory.loadMore()}>
            More communities
          </button>
        )}
        <NewCommunity directory={directory} />
      </div>
    </nav>
  );
}

function NewCommunity({ directory }: { directory: CommunityDirectory }) {
  const create = async (form: FormData) => {
    const community = await directory.create({
      name: field(form, 'name'),
      description: field(form, 'description'),
      is_public: form.get('private') === null,
    });
    return communityHref(community.id);
  };
  return (
    <CreateForm summary="New community" submitLabel="Create community" create={create}>
      <label>
        Name
        <input name="name" required maxLength={100} />
      </label>
      <label>
        Description
        <textarea name="description" rows={2} maxLength={2000} />
      </label>
      <label class="check">
        <input type="checkbox" name="private" /> Private (members join by invitation)
      </label>
    </CreateForm>
  );
}
