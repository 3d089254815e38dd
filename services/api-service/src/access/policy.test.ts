import { policy, type Role } from './policy';

/** Every role a member can have in a community, and `null` for someone who is not a member. */
const ROLES: Role[] = ['owner', 'moderator', 'member', null];
const MEMBER_ROLES: Role[] = ['owner', 'moderator', 'member'];

const ada = 'a'.repeat(24);
const grace = 'b'.repeat(24);

/** The roles (of ROLES, in its order) for which `rule` answers true. */
const allowed = (rule: (role: Role) => boolean, roles: Role[] = ROLES): Role[] =>
  roles.filter((role) => rule(role));

/** One test per rule of the policy, each with who is allowed and who is refused. */
describe('policy', () => {
  it('viewCommunity: a public community to anyone, a private one to members and invitees', () => {
    const open = { is_public: true };
    const closed = { is_public: false };
    expect(allowed((role) => policy.viewCommunity(open, role, false))).toEqual(ROLES);
    expect(allowed((role) => policy.viewCommunity(closed, role, false))).toEqual(MEMBER_ROLES);
    expect(policy.viewCommunity(closed, null, true)).toBe(true);
    expect(policy.viewCommunity(closed, null, false)).toBe(false);
  });

  it('manageCommunity: the owner and moderators, not plain members or outsiders', () => {
    expect(allowed((role) => policy.manageCommunity(role))).toEqual(['owner', 'moderator']);
  });

  it('post: every member of the community, nobody outside it', () => {
    expect(allowed((role) => policy.post(role))).toEqual(MEMBER_ROLES);
    expect(policy.post(null)).toBe(false);
  });

  it("editThread: the author whatever their role; someone else's only as owner or moderator", () => {
    expect(allowed((role) => policy.editThread(ada, { created_by: ada }, role))).toEqual(ROLES);
    expect(allowed((role) => policy.editThread(ada, { created_by: grace }, role))).toEqual([
      'owner',
      'moderator',
    ]);
  });

  it("deleteThread: the author whatever their role; someone else's only as owner or moderator", () => {
    expect(allowed((role) => policy.deleteThread(ada, { created_by: ada }, role))).toEqual(ROLES);
    expect(allowed((role) => policy.deleteThread(ada, { created_by: grace }, role))).toEqual([
      'owner',
      'moderator',
    ]);
  });

  it('editMessage: the author only, not even the owner or a moderator', () => {
    expect(policy.editMessage(ada, { author: ada })).toBe(true);
    expect(policy.editMessage(ada, { author: grace })).toBe(false);
  });

  it("deleteMessage: the author whatever their role; someone else's only as owner or moderator", () => {
    expect(allowed((role) => policy.deleteMessage(ada, { author: ada }, role))).toEqual(ROLES);
    expect(allowed((role) => policy.deleteMessage(ada, { author: grace }, role))).toEqual([
      'owner',
      'moderator',
    ]);
  });

  it('manageProfile: the member themself, nobody else', () => {
    expect(policy.manageProfile(ada, ada)).toBe(true);
    expect(policy.manageProfile(ada, grace)).toBe(false);
  });

  it('removeMember: the owner removes anyone but an owner, a moderator plain members only', () => {
    // The target is a member: the service answers NOT_A_MEMBER before the policy is asked.
    const removable = (actor: Role): Role[] =>
      allowed((target) => policy.removeMember(actor, target), MEMBER_ROLES);
    expect(removable('owner')).toEqual(['moderator', 'member']);
    expect(removable('moderator')).toEqual(['member']);
    expect(removable('member')).toEqual([]);
    expect(removable(null)).toEqual([]);
  });

  it('leave: everyone but the owner', () => {
    expect(allowed((role) => policy.leave(role))).toEqual(['moderator', 'member', null]);
  });

  it('seeEmail: the address to its owner only, never to another member or anonymous', () => {
    expect(policy.seeEmail(ada, ada)).toBe(true);
    expect(policy.seeEmail(grace, ada)).toBe(false);
    expect(policy.seeEmail(undefined, ada)).toBe(false);
  });

  it('seeAllActivity: every community in the counts for the member only, not for others', () => {
    expect(policy.seeAllActivity(ada, ada)).toBe(true);
    expect(policy.seeAllActivity(grace, ada)).toBe(false);
    expect(policy.seeAllActivity(undefined, ada)).toBe(false);
  });
});
