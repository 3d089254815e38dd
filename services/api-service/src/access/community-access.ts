import { AppError } from '@communities/contracts';
import type { Actor } from '../auth/authenticator';
import type { UncountedCommunity } from '../modules/communities/community.repository';
import type { Repositories } from '../store/repositories';
import { policy, type Role } from './policy';

/**
 * A community the viewer may see, with the viewer's role in it. Without member_count: counting
 * is left to the few callers that answer with it (see CommunityRepository).
 */
export interface Viewable {
  community: UncountedCommunity;
  role: Role;
}

/**
 * Looks up the facts the policy decides on. A community the viewer may not see is reported as
 * missing (404), exactly like one that does not exist, so private communities leave no trace.
 */
export class CommunityAccess {
  constructor(private readonly repos: Repositories) {}

  async roleOf(communityId: string, actor: Actor | undefined): Promise<Role> {
    return actor ? this.repos.memberships.roleOf(communityId, actor.id) : null;
  }

  /**
   * The community with the viewer's role; COMMUNITY_NOT_FOUND if absent or not visible. An
   * invitation counts only with `invitees: true`: an invitee may see the community itself (and
   * join it), not its threads, messages or members.
   */
  async viewable(
    communityId: string,
    viewer: Actor | undefined,
    { invitees = false }: { invitees?: boolean } = {},
  ): Promise<Viewable> {
    const [community, role] = await Promise.all([
      this.repos.communities.getUncounted(communityId),
      this.roleOf(communityId, viewer),
    ]);
    if (!community) throw communityNotFound(communityId);
    if (community.is_public || role !== null) return { community, role };
    const invited =
      invitees && viewer ? await this.repos.invitations.find(communityId, viewer.id) : null;
    if (!policy.viewCommunity(community, role, invited !== null)) {
      throw communityNotFound(communityId);
    }
    return { community, role };
  }

  /**
   * `viewable` for something inside the community (a thread, a message): a community the viewer
   * may not see is reported as that thing missing (`notFound`), so it leaves no trace either.
   */
  async viewableFor(
    communityId: string,
    viewer: Actor | undefined,
    notFound: () => AppError,
  ): Promise<Viewable> {
    try {
      return await this.viewable(communityId, viewer);
    } catch (error) {
      if (error instanceof AppError && error.code === 'COMMUNITY_NOT_FOUND') throw notFound();
      throw error;
    }
  }

  /**
   * The actor's role where they mean to post (start a thread, post a message), once the policy
   * allows it; otherwise `notFound` if the community is hidden from them, else FORBIDDEN with
   * `reason`. One read when the actor is a member: a member may see their community.
   */
  async postable(
    communityId: string,
    actor: Actor,
    notFound: () => AppError,
    reason: string,
  ): Promise<Role> {
    const role = await this.roleOf(communityId, actor);
    if (policy.post(role)) return role;
    await this.viewableFor(communityId, actor, notFound);
    throw forbidden(reason);
  }

  /** Like `viewable`, then FORBIDDEN unless the role may manage the community. */
  async managed(communityId: string, actor: Actor): Promise<Viewable> {
    const found = await this.viewable(communityId, actor);
    if (!policy.manageCommunity(found.role)) {
      throw forbidden('only the owner and moderators may do this');
    }
    return found;
  }

  /**
   * What a subscription grant for this community rests on, from one read of the community: its
   * public epoch, or (private) the viewer's membership; `notFound` when the community is gone, or
   * went private and the viewer is no member. Read after `viewable`, so a change in between ends
   * in either a refusal here or a grant the change's revocation covers.
   */
  async grantBasis(
    communityId: string,
    viewer: Actor,
    notFound: () => AppError = () => communityNotFound(communityId),
  ): Promise<{ membershipId: string } | { accessEpoch: string }> {
    const basis = await this.repos.communities.accessBasis(communityId);
    if (!basis) throw notFound();
    if (basis.is_public) return { accessEpoch: basis.access_epoch };
    const membership = await this.repos.memberships.find(communityId, viewer.id);
    if (!membership) throw notFound();
    return { membershipId: membership.id };
  }

  /** The private communities the viewer does not belong to (what reads must leave out). */
  async hiddenCommunityIds(viewer: Actor | undefined): Promise<string[]> {
    const [privateIds, mine] = await Promise.all([
      this.repos.communities.privateIds(),
      this.communityIdsOf(viewer),
    ]);
    const own = new Set(mine);
    return privateIds.filter((id) => !own.has(id));
  }

  async communityIdsOf(viewer: Actor | undefined): Promise<string[]> {
    if (!viewer) return [];
    return (await this.repos.memberships.communityIdsOf([viewer.id])).get(viewer.id) ?? [];
  }
}

export function communityNotFound(id: string): AppError {
  return new AppError('COMMUNITY_NOT_FOUND', `community ${id} not found`);
}

export function forbidden(message: string): AppError {
  return new AppError('FORBIDDEN', message);
}

/** A body that names an acting member other than the authenticated one is refused (403). */
export function assertSelf(claimed: string | undefined, actor: Actor, field: string): void {
  if (claimed !== undefined && claimed !== actor.id) {
    throw forbidden(`${field} must be the authenticated member (or be left out)`);
  }
}
