import {
  type AccessClaims,
  type AccessRevokedData,
  type GrantClaims,
  revocationEntries,
} from '@communities/contracts';
import { RevocationList } from './revocation-list';

const MEMBER = 'aaaaaaaaaaaaaaaaaaaaaaaa';
const OTHER = 'bbbbbbbbbbbbbbbbbbbbbbbb';
const COMMUNITY = 'cccccccccccccccccccccccc';
const MEMBERSHIP = 'dddddddddddddddddddddddd';
const THREAD = 'eeeeeeeeeeeeeeeeeeeeeeee';
/** Every grant and revocation below is issued in this one second: times play no part. */
const NOW = Math.floor(Date.parse('2030-01-01T00:00:10.500Z') / 1000);

const access = (sub: string, tv = 0): AccessClaims => ({ sub, tv, iat: NOW, exp: NOW + 900 });
const membershipGrant = (mid = MEMBERSHIP, cid = COMMUNITY): GrantClaims => ({
  sub: MEMBER,
  ch: `community:${cid}`,
  cid,
  mb: true,
  mid,
  iat: NOW,
  exp: NOW + 60,
});
const publicGrant = (
  ae: string,
  ch: GrantClaims['ch'] = `community:${COMMUNITY}`,
): GrantClaims => ({
  sub: MEMBER,
  ch,
  cid: COMMUNITY,
  mb: false,
  ae,
  iat: NOW,
  exp: NOW + 60,
});
const revoked = (list: RevocationList, data: AccessRevokedData): void =>
  list.record(revocationEntries(data));

describe('RevocationList', () => {
  it("refuses a revoked member's access tokens of an older token version only", () => {
    const list = new RevocationList();
    expect(list.isAccessRevoked(access(MEMBER, 0))).toBe(false);
    revoked(list, { scope: 'member', member_id: MEMBER, reason: 'deactivated', token_version: 1 });
    expect(list.isAccessRevoked(access(MEMBER, 0))).toBe(true);
    expect(list.isAccessRevoked(access(MEMBER, 1))).toBe(false);
    expect(list.isAccessRevoked(access(OTHER, 0))).toBe(false);
  });

  it("takes the register's token version into account as well as its own", () => {
    const list = new RevocationList();
    expect(list.isAccessRevoked(access(MEMBER, 2), 3)).toBe(true);
    expect(list.isAccessRevoked(access(MEMBER, 3), 3)).toBe(false);
  });

  it('refuses a grant resting on an ended membership, issued in the same second', () => {
    const list = new RevocationList();
    revoked(list, {
      scope: 'membership',
      community_id: COMMUNITY,
      member_id: MEMBER,
      membership_id: MEMBERSHIP,
      reason: 'removed',
    });
    expect(list.isGrantRevoked(membershipGrant())).toBe(true);
    // The membership made by a rejoin has another id: its grants are good.
    expect(list.isGrantRevoked(membershipGrant(OTHER))).toBe(false);
  });

  it('refuses public grants of the epoch that ended when the community turned private', () => {
    const list = new RevocationList();
    revoked(list, {
      scope: 'community',
      community_id: COMMUNITY,
      reason: 'became_private',
      access_epoch: 'e1',
    });
    expect(list.isGrantRevoked(publicGrant('e1'))).toBe(true);
    expect(list.isGrantRevoked(publicGrant('e1', `thread:${THREAD}`))).toBe(true);
    expect(list.isGrantRevoked(publicGrant('e2'))).toBe(false);
    expect(list.isGrantRevoked(membershipGrant())).toBe(false);
  });

  it('refuses every grant of a deleted community, and every grant for a deleted thread', () => {
    const list = new RevocationList();
    revoked(list, { scope: 'community', community_id: COMMUNITY, reason: 'deleted' });
    expect(list.isGrantRevoked(publicGrant('e1'))).toBe(true);
    expect(list.isGrantRevoked(membershipGrant())).toBe(true);
    expect(list.isGrantRevoked(membershipGrant(MEMBERSHIP, OTHER))).toBe(false);

    const other = new RevocationList();
    revoked(other, {
      scope: 'thread',
      thread_id: THREAD,
      community_id: COMMUNITY,
      reason: 'deleted',
    });
    expect(other.isGrantRevoked(publicGrant('e1', `thread:${THREAD}`))).toBe(true);
    expect(other.isGrantRevoked(publicGrant('e1'))).toBe(false);
  });

  it('keeps the higher token version of two revocations of the same member (any order)', () => {
    const list = new RevocationList();
    list.record([{ key: `member:${MEMBER}`, value: 5 }]);
    list.record([{ key: `member:${MEMBER}`, value: 4 }]);
    expect(list.isAccessRevoked(access(MEMBER, 4))).toBe(true);
  });

  it('forgets revocations after its memory and evicts the oldest past its capacity', () => {
    let now = 0;
    const list = new RevocationList(1000, 2, () => now);
    list.record([{ key: `member:${MEMBER}`, value: 1 }]);
    expect(list.isAccessRevoked(access(MEMBER))).toBe(true);
    now = 1001;
    expect(list.isAccessRevoked(access(MEMBER))).toBe(false);

    for (const id of ['m1', 'm2', 'm3']) list.record([{ key: `member:${id}`, value: 1 }]);
    expect(list.size).toBe(2);
    expect(list.isAccessRevoked(access('m1'))).toBe(false);
    expect(list.isAccessRevoked(access('m3'))).toBe(true);
  });
});
