import { ACCESS_CHANNEL, createEvent, revocationKeys } from '@communities/contracts';
import { eventually } from '@communities/test-support';
import { type BusPair, type MakePair } from './event-bus.contract';
import { newId } from './support/events';

/** The revocation register: part of the EventBus contract, run against every implementation. */
export function revocationRegisterContract(makePair: MakePair): void {
  let pair: BusPair;
  beforeEach(async () => {
    pair = await makePair();
  });
  afterEach(async () => {
    await pair.close();
  });

  const memberRevoked = (memberId: string, tokenVersion: number) =>
    createEvent('access_revoked', {
      scope: 'member',
      member_id: memberId,
      reason: 'password_changed',
      token_version: tokenVersion,
    });

  it('records an access_revoked event before any subscriber hears of it', async () => {
    const [memberId, membershipId, communityId] = [newId(), newId(), newId()];
    const seen: (number | undefined)[][] = [];
    // The subscriber reads the register the moment the event arrives, on the other bus.
    await pair.subscriber.subscribe(ACCESS_CHANNEL, () => {
      void pair.subscriber
        .readRevocations([revocationKeys.membership(membershipId)])
        .then((values) => seen.push(values));
    });
    await pair.publisher.publish(
      createEvent('access_revoked', {
        scope: 'membership',
        community_id: communityId,
        member_id: memberId,
        membership_id: membershipId,
        reason: 'removed',
      }),
    );
    await eventually(() => seen.length === 1);
    expect(seen).toEqual([[1]]);
  });

  it('answers undefined for keys nobody revoked, in the order asked', async () => {
    const [memberId, threadId] = [newId(), newId()];
    await pair.publisher.publish(memberRevoked(memberId, 3));
    await expect(
      pair.subscriber.readRevocations([
        revocationKeys.thread(threadId),
        revocationKeys.member(memberId),
      ]),
    ).resolves.toEqual([undefined, 3]);
    await expect(pair.subscriber.readRevocations([])).resolves.toEqual([]);
  });

  it('keeps the highest token version of a member, whatever order they arrive in', async () => {
    const memberId = newId();
    await pair.publisher.publish(memberRevoked(memberId, 5));
    await pair.subscriber.publish(memberRevoked(memberId, 2));
    await expect(
      pair.publisher.readRevocations([revocationKeys.member(memberId)]),
    ).resolves.toEqual([5]);
  });

  it('records each key a revocation implies: a deleted community, a deleted thread, an ended public epoch', async () => {
    const [community, thread, other] = [newId(), newId(), newId()];
    await pair.publisher.publish(
      createEvent('access_revoked', {
        scope: 'community',
        community_id: community,
        reason: 'deleted',
      }),
    );
    await pair.publisher.publish(
      createEvent('access_revoked', {
        scope: 'thread',
        thread_id: thread,
        community_id: other,
        reason: 'deleted',
      }),
    );
    await pair.publisher.publish(
      createEvent('access_revoked', {
        scope: 'community',
        community_id: other,
        reason: 'became_private',
        access_epoch: 'e1',
      }),
    );
    await expect(
      pair.subscriber.readRevocations([
        revocationKeys.community(community),
        revocationKeys.thread(thread),
        revocationKeys.publicAccess(other, 'e1'),
        revocationKeys.publicAccess(other, 'e2'),
        revocationKeys.community(other),
      ]),
    ).resolves.toEqual([1, 1, 1, undefined, undefined]);
  });

  it('rejects reads once closed', async () => {
    await pair.subscriber.close();
    await expect(pair.subscriber.readRevocations(['member:x'])).rejects.toThrow(/closed/);
  });
}
