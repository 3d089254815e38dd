import { type EventBus } from '@communities/broker';
import { eventually } from '@communities/test-support';
import { accessToken, joinCommunity, joinThread } from './support/auth';
import { type Backend, type RunningGateway, startGateway } from './support/harness';
import { accessRevokedEvent, memberJoinedEvent, newId, newMessageEvent } from './support/events';
import { type Frame, TestClient } from './support/test-client';

/** The revocation must reach the socket within this long after the api-service published it. */
const REVOCATION_DEADLINE_MS = 1000;

/**
 * `access_revoked` published by the api-service on `gateway:access`, consumed by two gateways on
 * one backend. "No longer receives" is checked after a later marker event arrived on the same
 * socket, and against a control socket that still receives the same event.
 */
export function revocationScenarios(makeBackend: () => Backend): void {
  let backend: Backend;
  let api: EventBus;
  let a: RunningGateway;
  let b: RunningGateway;
  const clients: TestClient[] = [];
  const connect = async (
    gateway: RunningGateway,
    userId: string,
    token?: string,
  ): Promise<TestClient> => {
    const client = await TestClient.connect(
      gateway.port,
      userId,
      token ?? (await accessToken(userId)),
    );
    clients.push(client);
    return client;
  };
  const revokedFrame = (channel: string) => (frame: Frame) =>
    frame.type === 'subscription_revoked' && frame.channel === channel;

  /** Publishes, then resolves with how long until `client` heard of each channel's revocation. */
  async function publishAndAwaitRevoked(
    event: ReturnType<typeof accessRevokedEvent>,
    client: TestClient,
    channels: string[],
  ): Promise<number> {
    const started = Date.now();
    await api.publish(event);
    for (const channel of channels) {
      await client.waitFor(revokedFrame(channel), REVOCATION_DEADLINE_MS);
    }
    return Date.now() - started;
  }

  beforeEach(async () => {
    backend = makeBackend();
    api = backend.openBus();
    [a, b] = await Promise.all([startGateway(backend.openBus()), startGateway(backend.openBus())]);
    await eventually(() => api.ready());
  });

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
    await Promise.all([a.gateway.stop(), b.gateway.stop(), api.close()]);
    await backend.close();
  });

  it('ends a removed member’s subscriptions to a private community and its threads', async () => {
    const [community, thread, otherThread] = [newId(), newId(), newId()];
    const [leaverId, stayerId, leaverMembership] = [newId(), newId(), newId()];
    const [leaver, stayer] = [await connect(a, leaverId), await connect(a, stayerId)];
    for (const [client, id] of [
      [leaver, leaverId],
      [stayer, stayerId],
    ] as const) {
      const privately = {
        communityId: community,
        membershipBound: true,
        ...(id === leaverId && { membershipId: leaverMembership }),
      };
      await client.ack(await joinCommunity(id, community, privately));
      await client.ack(await joinThread(id, thread, privately));
    }
    await leaver.ack(await joinThread(leaverId, otherThread, { membershipBound: true }));

    const elapsed = await publishAndAwaitRevoked(
      accessRevokedEvent({
        scope: 'membership',
        community_id: community,
        member_id: leaverId,
        membership_id: leaverMembership,
        reason: 'removed',
      }),
      leaver,
      [`community:${community}`, `thread:${thread}`],
    );
    expect(elapsed).toBeLessThan(REVOCATION_DEADLINE_MS);
    expect(leaver.frames.find(revokedFrame(`thread:${thread}`))).toEqual({
      type: 'subscription_revoked',
      channel: `thread:${thread}`,
      reason: 'removed',
    });

    const [inThread, inCommunity, marker] = [
      newMessageEvent(thread),
      memberJoinedEvent(community),
      newMessageEvent(otherThread, 'marker'),
    ];
    for (const event of [inThread, inCommunity, marker]) await api.publish(event);
    await stayer.waitFor((frame) => frame.id === inThread.id);
    await stayer.waitFor((frame) => frame.id === inCommunity.id);
    await leaver.waitFor((frame) => frame.id === marker.id);
    expect(leaver.eventIds()).toEqual([marker.id]);
    expect(stayer.frames.some((frame) => frame.type === 'subscription_revoked')).toBe(false);
    expect(leaver.frames.some((frame) => frame.type === 'access_revoked')).toBe(false);
  });

  it('refuses a grant issued in the same second as the membership ended, on every gateway', async () => {
    const [community, memberId, membershipId] = [newId(), newId(), newId()];
    const member = await connect(b, memberId);
    const onMembership = { membershipBound: true, membershipId };
    const join = await joinCommunity(memberId, community, onMembership);
    await member.ack(join);
    const issuedNow = await joinThread(memberId, newId(), {
      ...onMembership,
      communityId: community,
    });
    await publishAndAwaitRevoked(
      accessRevokedEvent({
        scope: 'membership',
        community_id: community,
        member_id: memberId,
        membership_id: membershipId,
        reason: 'left',
      }),
      member,
      [`community:${community}`],
    );
    const elsewhere = await connect(a, memberId);
    for (const [client, action] of [
      [member, join],
      [member, issuedNow],
      [elsewhere, join],
    ] as const) {
      expect(await client.request(action)).toMatchObject({ type: 'error', code: 'FORBIDDEN' });
    }
    // Rejoined since: a new membership, so the api-service's new grant rests on a new id.
    await member.ack(await joinCommunity(memberId, community, { membershipBound: true }));
  });

  it('refuses, in the same second, the public grants of a community that turned private', async () => {
    const [community, outsiderId] = [newId(), newId()];
    const outsider = await connect(a, outsiderId);
    const publicJoin = await joinCommunity(outsiderId, community, { accessEpoch: 'before' });
    await outsider.ack(publicJoin);
    await publishAndAwaitRevoked(
      accessRevokedEvent({
        scope: 'community',
        community_id: community,
        reason: 'became_private',
        access_epoch: 'before',
      }),
      outsider,
      [`community:${community}`],
    );
    expect(await outsider.request(publicJoin)).toMatchObject({ type: 'error', code: 'FORBIDDEN' });
    const onB = await connect(b, outsiderId);
    expect(await onB.request(publicJoin)).toMatchObject({ type: 'error', code: 'FORBIDDEN' });
    // Public again later: a new epoch, whose grants join.
    await outsider.ack(await joinCommunity(outsiderId, community, { accessEpoch: 'after' }));
  });

  it('ends a deleted thread’s subscriptions and refuses its grants, leaving its community', async () => {
    const [community, thread, memberId] = [newId(), newId(), newId()];
    const member = await connect(a, memberId);
    const inCommunity = { communityId: community };
    const threadJoin = await joinThread(memberId, thread, inCommunity);
    await member.ack(await joinCommunity(memberId, community));
    await member.ack(threadJoin);
    await publishAndAwaitRevoked(
      accessRevokedEvent({
        scope: 'thread',
        thread_id: thread,
        community_id: community,
        reason: 'deleted',
      }),
      member,
      [`thread:${thread}`],
    );
    expect(member.frames.find(revokedFrame(`thread:${thread}`))).toMatchObject({
      reason: 'deleted',
    });
    expect(await member.request(threadJoin)).toMatchObject({ type: 'error', code: 'FORBIDDEN' });
    const stillThere = memberJoinedEvent(community);
    await api.publish(stillThere);
    await member.waitFor((frame) => frame.id === stillThere.id);
  });

  it('refuses every grant of a deleted community, its threads’ included', async () => {
    const [community, thread, memberId] = [newId(), newId(), newId()];
    const member = await connect(b, memberId);
    const grants = [
      await joinCommunity(memberId, community),
      await joinThread(memberId, thread, { communityId: community, membershipBound: true }),
    ];
    await api.publish(
      accessRevokedEvent({ scope: 'community', community_id: community, reason: 'deleted' }),
    );
    await eventually(async () => {
      const answer = await member.request(grants[0]!);
      return answer.type === 'error';
    });
    for (const join of grants) {
      expect(await member.request(join)).toMatchObject({ type: 'error', code: 'FORBIDDEN' });
    }
  });

  it('refuses, after a gateway restart, what was revoked before it started', async () => {
    const [memberId, community, membershipId] = [newId(), newId(), newId()];
    const oldToken = await accessToken(memberId);
    const staleJoin = await joinCommunity(memberId, community, {
      membershipBound: true,
      membershipId,
    });
    await api.publish(
      accessRevokedEvent({
        scope: 'membership',
        community_id: community,
        member_id: memberId,
        membership_id: membershipId,
        reason: 'removed',
      }),
    );
    await api.publish(
      accessRevokedEvent({
        scope: 'member',
        member_id: memberId,
        reason: 'deactivated',
        token_version: 1,
      }),
    );
    // A gateway that was not running when both were published: it knows them from the register.
    await b.gateway.stop();
    b = await startGateway(backend.openBus());
    const refusal = await TestClient.refusal(b.port, memberId, {
      headers: { authorization: `Bearer ${oldToken}` },
    });
    expect(refusal.status).toBe(401);
    const member = await connect(b, memberId, await accessToken(memberId, { tokenVersion: 1 }));
    expect(await member.request(staleJoin)).toMatchObject({ type: 'error', code: 'FORBIDDEN' });
  });

  it('keeps a leaving member’s subscriptions to a public community', async () => {
    const [community, memberId] = [newId(), newId()];
    const member = await connect(a, memberId);
    await member.ack(await joinCommunity(memberId, community, { membershipBound: false }));
    await api.publish(
      accessRevokedEvent({
        scope: 'membership',
        community_id: community,
        member_id: memberId,
        membership_id: newId(),
        reason: 'left',
      }),
    );
    const event = memberJoinedEvent(community);
    await api.publish(event);
    await member.waitFor((frame) => frame.id === event.id);
    expect(member.frames.some((frame) => frame.type === 'subscription_revoked')).toBe(false);
  });

  it('ends every subscription to a community that turned private, on every gateway', async () => {
    const [community, thread, elsewhere] = [newId(), newId(), newId()];
    const [onA, onB] = [newId(), newId()];
    const [clientA, clientB] = [await connect(a, onA), await connect(b, onB)];
    for (const [client, id] of [
      [clientA, onA],
      [clientB, onB],
    ] as const) {
      await client.ack(await joinCommunity(id, community));
      await client.ack(await joinThread(id, thread, { communityId: community }));
      await client.ack(await joinCommunity(id, elsewhere));
    }

    const event = accessRevokedEvent({
      scope: 'community',
      community_id: community,
      reason: 'became_private',
      access_epoch: 'initial',
    });
    const channels = [`community:${community}`, `thread:${thread}`];
    expect(await publishAndAwaitRevoked(event, clientA, channels)).toBeLessThan(
      REVOCATION_DEADLINE_MS,
    );
    for (const channel of channels) await clientB.waitFor(revokedFrame(channel));
    expect(clientB.frames.find(revokedFrame(`community:${community}`))).toMatchObject({
      reason: 'became_private',
    });

    const [gone, stillThere] = [newMessageEvent(thread), memberJoinedEvent(elsewhere)];
    await api.publish(gone);
    await api.publish(stillThere);
    for (const client of [clientA, clientB]) {
      await client.waitFor((frame) => frame.id === stillThere.id);
      expect(client.eventIds()).toEqual([stillThere.id]);
      expect(client.frames.find(revokedFrame(`community:${elsewhere}`))).toBeUndefined();
    }
    await eventually(async () => (await backend.numsub(`thread:${thread}`)) === 0);
  });

  it('closes a revoked member’s sockets with 4401 and refuses their older token', async () => {
    const [memberId, otherId] = [newId(), newId()];
    const oldToken = await accessToken(memberId, { issuedAt: Date.now() - 5000 });
    const [onA, onB, other] = [
      await connect(a, memberId, oldToken),
      await connect(b, memberId, oldToken),
      await connect(a, otherId),
    ];

    await api.publish(
      accessRevokedEvent({
        scope: 'member',
        member_id: memberId,
        reason: 'password_changed',
        token_version: 1,
      }),
    );
    for (const client of [onA, onB]) {
      expect(await client.waitForClose(REVOCATION_DEADLINE_MS)).toEqual({
        code: 4401,
        reason: 'session revoked',
      });
    }
    for (const gateway of [a, b]) {
      const refusal = await TestClient.refusal(gateway.port, memberId, {
        headers: { authorization: `Bearer ${oldToken}` },
      });
      expect(refusal.status).toBe(401);
      const viaFrame = await TestClient.open(gateway.port, memberId);
      clients.push(viaFrame);
      viaFrame.send({ action: 'authenticate', token: oldToken });
      expect(await viaFrame.waitForClose()).toEqual({
        code: 4401,
        reason: 'session revoked; log in again',
      });
    }
    expect(other.isOpen).toBe(true);
    // A token of the new version (the login after the password change) gets in.
    await connect(a, memberId, await accessToken(memberId, { tokenVersion: 1 }));
  });
}
