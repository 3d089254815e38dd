import { type AccessClaims, type GrantClaims } from '@communities/contracts';
import { RevocationList } from './revocation-list';

const MEMBER = 'aaaaaaaaaaaaaaaaaaaaaaaa';
const OTHER = 'bbbbbbbbbbbbbbbbbbbbbbbb';
const COMMUNITY = 'cccccccccccccccccccccccc';
const T = Date.parse('2030-01-01T00:00:10.500Z');
const seconds = (ms: number): number => Math.floor(ms / 1000);

const access = (sub: string, issuedAtMs: number, tv = 0): AccessClaims => ({
  sub,
  tv,
  iat: seconds(issuedAtMs),
  exp: seconds(issuedAtMs) + 900,
});
const grant = (sub: string, issuedAtMs: number, mb: boolean, cid = COMMUNITY): GrantClaims => ({
  sub,
  ch: `community:${cid}`,
  cid,
  mb,
  iat: seconds(issuedAtMs),
  exp: seconds(issuedAtMs) + 60,
});

describe('RevocationList', () => {
  it("refuses a revoked member's access tokens of an older token version only", () => {
    const list = new RevocationList();
    expect(list.isAccessRevoked(access(MEMBER, T, 0))).toBe(false);
    list.revokeMember(MEMBER, 1);
    expect(list.isAccessRevoked(access(MEMBER, T, 0))).toBe(true);
    expect(list.isAccessRevoked(access(MEMBER, T, 1))).toBe(false);
    expect(list.isAccessRevoked(access(OTHER, T, 0))).toBe(false);
  });

  it('accepts the replacement token issued in the same second as the revocation', () => {
    const list = new RevocationList();
    list.revokeMember(MEMBER, 3);
    expect(list.isAccessRevoked(access(MEMBER, T, 3))).toBe(false);
    expect(list.isAccessRevoked(access(MEMBER, T, 2))).toBe(true);
  });

  it('refuses membership-bound grants issued before the member left, not public ones', () => {
    const list = new RevocationList();
    list.revokeMembership(COMMUNITY, MEMBER, new Date(T));
    expect(list.isGrantRevoked(grant(MEMBER, T - 5000, true))).toBe(true);
    expect(list.isGrantRevoked(grant(MEMBER, T - 5000, false))).toBe(false);
    expect(list.isGrantRevoked(grant(MEMBER, T + 5000, true))).toBe(false);
    expect(list.isGrantRevoked(grant(OTHER, T - 5000, true))).toBe(false);
    expect(list.isGrantRevoked(grant(MEMBER, T - 5000, true, OTHER))).toBe(false);
  });

  it('refuses every earlier grant of a community whose access changed', () => {
    const list = new RevocationList();
    list.revokeCommunity(COMMUNITY, new Date(T));
    expect(list.isGrantRevoked(grant(MEMBER, T - 5000, false))).toBe(true);
    expect(list.isGrantRevoked(grant(OTHER, T - 5000, true))).toBe(true);
    expect(list.isGrantRevoked(grant(MEMBER, T + 5000, true))).toBe(false);
    expect(list.isGrantRevoked(grant(MEMBER, T - 5000, false, OTHER))).toBe(false);
  });

  it('keeps the higher token version of two revocations of the same member (any order)', () => {
    const list = new RevocationList();
    list.revokeMember(MEMBER, 5);
    list.revokeMember(MEMBER, 4);
    expect(list.isAccessRevoked(access(MEMBER, T, 4))).toBe(true);
  });

  it('forgets revocations after its memory and evicts the oldest past its capacity', () => {
    let now = 0;
    const list = new RevocationList(1000, 2, () => now);
    list.revokeMember(MEMBER, 1);
    expect(list.isAccessRevoked(access(MEMBER, T - 5000))).toBe(true);
    now = 1001;
    expect(list.isAccessRevoked(access(MEMBER, T - 5000))).toBe(false);

    list.revokeMember('m1', 1);
    list.revokeMember('m2', 1);
    list.revokeMember('m3', 1);
    expect(list.size).toBe(2);
    expect(list.isAccessRevoked(access('m1', T - 5000))).toBe(false);
    expect(list.isAccessRevoked(access('m3', T - 5000))).toBe(true);
  });

  it('keeps each kind within its own capacity', () => {
    const list = new RevocationList(60_000, 1);
    list.revokeMember(MEMBER, 1);
    list.revokeMembership(COMMUNITY, OTHER, new Date(T));
    list.revokeMembership(COMMUNITY, 'm2', new Date(T));
    expect(list.isAccessRevoked(access(MEMBER, T - 5000))).toBe(true);
  });
});
