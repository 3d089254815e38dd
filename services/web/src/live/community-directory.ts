import type { Community, DomainEvent } from '@communities/contracts';
import { describeError } from '../api/http';
import type { Api } from '../api/rest';
import { Store } from './store';

/**
 * The communities column: the communities the member may see (public ones and their private
 * ones), newest first as the api lists them, and which of them the member belongs to. Kept up to
 * date by `global:notifications` (created, deleted) and by the selected community's channel
 * (member counts, updates).
 */
export class CommunityDirectory extends Store {
  items: Community[] = [];
  joined = new Set<string>();
  nextCursor: string | null = null;
  loading = false;
  error: string | null = null;

  constructor(
    private readonly api: Api,
    private readonly memberId: string,
  ) {
    super();
  }

  get(communityId: string): Community | undefined {
    return this.items.find((community) => community.id === communityId);
  }

  /** The first page again (and the memberships): at start and after a reconnect. */
  async load(): Promise<void> {
    this.loading = true;
    this.changed();
    try {
      const [page, me] = await Promise.all([
        this.api.communities(),
        this.api.member(this.memberId),
      ]);
      // Keep what further pages brought; refresh what the first page has.
      const fresh = new Set(page.items.map((community) => community.id));
      this.items = [...page.items, ...this.items.filter((c) => !fresh.has(c.id))];
      if (this.items.length === page.items.length) this.nextCursor = page.next_cursor;
      this.joined = new Set(me.communities);
      this.error = null;
    } catch (error) {
      this.error = describeError(error);
    } finally {
      this.loading = false;
      this.changed();
    }
  }

  /**
   * A community that is not in the list (a link to one on a later page, or a private community
   * the member was invited to: invitees may see and join it, it is not listed for them).
   */
  async ensure(communityId: string): Promise<void> {
    if (this.get(communityId)) return;
    try {
      this.upsert(await this.api.community(communityId), 'end');
    } catch (error) {
      this.error = describeError(error);
    }
    this.changed();
  }

  /** Further pages until none is left (at most `pages` more): what a search looks through. */
  async loadAll(pages = 10): Promise<void> {
    for (let i = 0; i < pages && this.nextCursor !== null && !this.error; i += 1) {
      await this.loadMore();
    }
  }

  async loadMore(): Promise<void> {
    if (this.nextCursor === null || this.loading) return;
    this.loading = true;
    this.changed();
    try {
      const page = await this.api.communities(this.nextCursor);
      for (const community of page.items) this.upsert(community, 'end');
      this.nextCursor = page.next_cursor;
    } catch (error) {
      this.error = describeError(error);
    } finally {
      this.loading = false;
      this.changed();
    }
  }

  async create(fields: { name: string; description: string; is_public: boolean }) {
    const community = await this.api.createCommunity(fields);
    this.upsert(community, 'start');
    this.joined.add(community.id);
    this.changed();
    return community;
  }

  async join(communityId: string): Promise<void> {
    const result = await this.api.join(communityId);
    this.joined.add(communityId);
    this.setCount(communityId, result.member_count);
  }

  async leave(communityId: string): Promise<void> {
    const result = await this.api.leave(communityId);
    this.joined.delete(communityId);
    this.setCount(communityId, result.member_count);
  }

  /** Events of `global:notifications` and of the selected community's channel. */
  onEvent(event: DomainEvent): void {
    switch (event.type) {
      case 'community_created':
        // Public ones only: a private community is announced to nobody but its members.
        if (event.data.community.is_public || event.data.community.created_by === this.memberId) {
          this.upsert(event.data.community, 'start');
        }
        break;
      case 'community_updated':
        if (this.get(event.data.community.id)) this.upsert(event.data.community, 'start');
        break;
      case 'community_deleted':
        this.items = this.items.filter((c) => c.id !== event.data.community_id);
        this.joined.delete(event.data.community_id);
        break;
      case 'member_joined':
      case 'member_left':
        if (event.data.member_id === this.memberId) {
          if (event.type === 'member_joined') this.joined.add(event.data.community_id);
          else this.joined.delete(event.data.community_id);
        }
        this.setCount(event.data.community_id, event.data.member_count);
        return;
      case 'new_thread':
      case 'thread_updated':
      case 'thread_deleted':
      case 'new_message':
      case 'message_updated':
      case 'message_deleted':
      case 'typing':
      case 'stop_typing':
      case 'access_revoked':
        return; // the threads and discussion columns' (access_revoked never reaches a client)
      default: {
        const unhandled: never = event;
        return unhandled;
      }
    }
    this.changed();
  }

  private setCount(communityId: string, memberCount: number): void {
    this.items = this.items.map((c) =>
      c.id === communityId ? { ...c, member_count: memberCount } : c,
    );
    this.changed();
  }

  private upsert(community: Community, where: 'start' | 'end'): void {
    const index = this.items.findIndex((c) => c.id === community.id);
    if (index >= 0) this.items = this.items.with(index, community);
    else if (where === 'start') this.items = [community, ...this.items];
    else this.items = [...this.items, community];
  }
}
