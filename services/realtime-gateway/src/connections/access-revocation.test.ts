import { type AccessRevokedData, createEvent } from '@communities/contracts';
import { pino } from 'pino';
import { RevocationList } from '../auth/revocation-list';
import { createAccessRevocationHandler } from './access-revocation';
import { ConnectionRegistry } from './connection-registry';
import { type LocalConnection } from './local-connection';

const M1 = '111111111111111111111111';
const M2 = '222222222222222222222222';
const C1 = 'c1c1c1c1c1c1c1c1c1c1c1c1';
const C2 = 'c2c2c2c2c2c2c2c2c2c2c2c2';
const MS1 = 'aaaaaaaaaaaaaaaaaaaaaaa1';
const T1 = 'f1f1f1f1f1f1f1f1f1f1f1f1';

interface Fake extends LocalConnection {
  frames: unknown[];
  closedWith?: [number, string];
}

function fake(id: string, userId: string): Fake {
  const connection: Fake = {
    id,
    userId,
    isOpen: true,
    bufferedAmount: 0,
    frames: [],
    send: (frame) => connection.frames.push(JSON.parse(frame.toString())),
    close: (code, reason) => {
      connection.closedWith = [code, reason];
    },
  };
  return connection;
}

function setup() {
  const registry = new ConnectionRegistry(
    { firstJoined: () => Promise.resolve(), lastLeft: () => Promise.resolve() },
    { maxChannelsPerSocket: 10 },
  );
  const revocations = new RevocationList();
  const handle = createAccessRevocationHandler({
    registry,
    revocations,
    logger: pino({ level: 'silent' }),
  });
  const publish = (data: AccessRevokedData): void => {
    const event = createEvent('access_revoked', data);
    handle(JSON.stringify(event), event.channel);
  };
  return { registry, revocations, publish, handle };
}

const priv = (communityId: string) => ({ communityId, membershipBound: true });
const pub = (communityId: string) => ({ communityId, membershipBound: false });

describe('access revocation handler', () => {
  it('ends a member’s membership-bound subscriptions of that community, synchronously', async () => {
    const { registry, publish } = setup();
    const [mine, theirs] = [fake('a', M1), fake('b', M2)];
    for (const c of [mine, theirs]) {
      registry.add(c);
      await registry.join(c, 'global:notifications');
      await registry.join(c, `community:${C1}`, priv(C1));
      await registry.join(c, 'thread:t1', priv(C1));
      await registry.join(c, 'thread:t2', priv(C2));
    }
    publish({
      scope: 'membership',
      community_id: C1,
      member_id: M1,
      membership_id: MS1,
      reason: 'left',
    });

    expect([...registry.subscriptionsOf(mine).keys()]).toEqual([
      'global:notifications',
      'thread:t2',
    ]);
    expect(mine.frames).toEqual([
      { type: 'subscription_revoked', channel: `community:${C1}`, reason: 'left' },
      { type: 'subscription_revoked', channel: 'thread:t1', reason: 'left' },
    ]);
    expect(registry.subscriptionsOf(theirs).size).toBe(4);
    expect(theirs.frames).toEqual([]);
  });

  it('keeps subscriptions that were not membership-bound when a member leaves', async () => {
    const { registry, publish } = setup();
    const c = fake('a', M1);
    registry.add(c);
    await registry.join(c, `community:${C1}`, pub(C1));
    publish({
      scope: 'membership',
      community_id: C1,
      member_id: M1,
      membership_id: MS1,
      reason: 'removed',
    });
    expect(registry.isJoined(c, `community:${C1}`)).toBe(true);
    expect(c.frames).toEqual([]);
  });

  it("ends everyone's subscriptions to a community and its threads", async () => {
    const { registry, publish } = setup();
    const [a, b] = [fake('a', M1), fake('b', M2)];
    for (const c of [a, b]) {
      registry.add(c);
      await registry.join(c, `community:${C1}`, pub(C1));
      await registry.join(c, `community:${C2}`, pub(C2));
    }
    await registry.join(a, 'thread:t1', pub(C1));
    publish({ scope: 'community', community_id: C1, reason: 'deleted' });

    expect([...registry.subscriptionsOf(a).keys()]).toEqual([`community:${C2}`]);
    expect([...registry.subscriptionsOf(b).keys()]).toEqual([`community:${C2}`]);
    expect(a.frames).toHaveLength(2);
    expect(b.frames).toEqual([
      { type: 'subscription_revoked', channel: `community:${C1}`, reason: 'deleted' },
    ]);
    expect(registry.membersOf(`community:${C1}`)).toBeUndefined();
  });

  it('closes every socket of a revoked member with 4401 and remembers the revocation', () => {
    const { registry, revocations, publish } = setup();
    const [first, second, other] = [fake('a', M1), fake('b', M1), fake('c', M2)];
    for (const c of [first, second, other]) registry.add(c);
    publish({ scope: 'member', member_id: M1, reason: 'deactivated', token_version: 1 });

    expect(first.closedWith).toEqual([4401, 'session revoked']);
    expect(second.closedWith).toEqual([4401, 'session revoked']);
    expect(other.closedWith).toBeUndefined();
    const before = Math.floor(Date.now() / 1000) - 10;
    expect(revocations.isAccessRevoked({ sub: M1, tv: 0, iat: before, exp: before + 900 })).toBe(
      true,
    );
  });

  it("ends everyone's subscriptions to a deleted thread, and only to it", async () => {
    const { registry, revocations, publish } = setup();
    const [a, b] = [fake('a', M1), fake('b', M2)];
    for (const c of [a, b]) {
      registry.add(c);
      await registry.join(c, `community:${C1}`, pub(C1));
      await registry.join(c, `thread:${T1}`, pub(C1));
    }
    publish({ scope: 'thread', thread_id: T1, community_id: C1, reason: 'deleted' });

    for (const c of [a, b]) {
      expect([...registry.subscriptionsOf(c).keys()]).toEqual([`community:${C1}`]);
      expect(c.frames).toEqual([
        { type: 'subscription_revoked', channel: `thread:${T1}`, reason: 'deleted' },
      ]);
    }
    const now = Math.floor(Date.now() / 1000);
    const grant = { sub: M1, cid: C1, mb: false, ae: 'e', iat: now, exp: now + 60 };
    expect(revocations.isGrantRevoked({ ...grant, ch: `thread:${T1}` })).toBe(true);
    expect(revocations.isGrantRevoked({ ...grant, ch: `community:${C1}` })).toBe(false);
  });

  it('records the ended membership so grants resting on it are refused, and only those', () => {
    const { revocations, publish } = setup();
    publish({
      scope: 'membership',
      community_id: C1,
      member_id: M1,
      membership_id: MS1,
      reason: 'removed',
    });
    const now = Math.floor(Date.now() / 1000);
    const grant = { sub: M1, ch: `community:${C1}` as const, cid: C1, mb: true, iat: now };
    expect(revocations.isGrantRevoked({ ...grant, mid: MS1, exp: now + 60 })).toBe(true);
    expect(revocations.isGrantRevoked({ ...grant, mid: M2, exp: now + 60 })).toBe(false);
  });

  it('ignores payloads that are not access_revoked events', async () => {
    const { registry, handle } = setup();
    const c = fake('a', M1);
    registry.add(c);
    await registry.join(c, `community:${C1}`, priv(C1));
    handle('not json', 'gateway:access');
    const deleted = createEvent('community_deleted', { community_id: C1 });
    handle(JSON.stringify(deleted), 'gateway:access');
    expect(registry.isJoined(c, `community:${C1}`)).toBe(true);
  });
});
