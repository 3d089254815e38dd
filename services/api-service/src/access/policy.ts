import type { CommunityRole } from '@communities/contracts';

/**
 * Every authorization rule, in one place, as pure functions of who acts and what they act on.
 * Services look the facts up (role, author, visibility) and ask here; each rule has its own test.
 * `role` is the actor's role in the community concerned, null when they are not a member.
 */
export type Role = CommunityRole | null;

const moderates = (role: Role): boolean => role === 'owner' || role === 'moderator';

export const policy = {
  /** Public communities are readable by anyone; private ones by members and invitees. */
  viewCommunity: (community: { is_public: boolean }, role: Role, invited: boolean): boolean =>
    community.is_public || role !== null || invited,

  /** Update or delete the community, pin threads, invite, name or demote moderators. */
  manageCommunity: (role: Role): boolean => moderates(role),

  /** Start threads and post messages: members only, public communities included. */
  post: (role: Role): boolean => role !== null,

  editThread: (actorId: string, thread: { created_by: string }, role: Role): boolean =>
    thread.created_by === actorId || moderates(role),

  deleteThread: (actorId: string, thread: { created_by: string }, role: Role): boolean =>
    thread.created_by === actorId || moderates(role),

  /** Only the author edits a message; nobody else can put words in their mouth. */
  editMessage: (actorId: string, message: { author: string }): boolean =>
    message.author === actorId,

  deleteMessage: (actorId: string, message: { author: string }, role: Role): boolean =>
    message.author === actorId || moderates(role),

  /** Profile changes, password and deactivation: the member themself only. */
  manageProfile: (actorId: string, memberId: string): boolean => actorId === memberId,

  /** The owner removes anyone but themself; moderators remove plain members. */
  removeMember: (actorRole: Role, targetRole: Role): boolean =>
    (actorRole === 'owner' && targetRole !== 'owner') ||
    (actorRole === 'moderator' && targetRole === 'member'),

  /** The owner cannot leave (the community would have nobody to run it); they delete it. */
  leave: (role: Role): boolean => role !== 'owner',

  /** Email addresses are shown to their owner only. */
  seeEmail: (viewerId: string | undefined, memberId: string): boolean => viewerId === memberId,

  /**
   * A member's activity counts everywhere for the member themself; anyone else's view of it
   * leaves out the private communities they are not in, as every other read does.
   */
  seeAllActivity: (viewerId: string | undefined, memberId: string): boolean =>
    viewerId === memberId,
} as const;
