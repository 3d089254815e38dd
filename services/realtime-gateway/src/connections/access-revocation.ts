import {
  ACCESS_CHANNEL,
  DomainEvent,
  type SubscriptionRevokedFrame,
  assertNever,
  revocationEntries,
  threadChannel,
} from '@communities/contracts';
import { type MessageHandler } from '@communities/broker';
import { type Logger } from 'pino';
import { type RevocationList } from '../auth/revocation-list';
import { CLOSE } from '../protocol/close-codes';
import { encodeFrame, subscriptionRevokedFrame } from '../protocol/server-frames';
import { type ChannelAccess, type ConnectionRegistry } from './connection-registry';
import { type LocalConnection } from './local-connection';

type RevokedReason = SubscriptionRevokedFrame['reason'];

export interface AccessRevocationDeps {
  registry: ConnectionRegistry;
  revocations: RevocationList;
  logger: Logger;
}

/**
 * The handler of ACCESS_CHANNEL, where the api-service announces `access_revoked`. Runs
 * synchronously on the broker message: by the time it returns, no revoked socket is a member of a
 * revoked channel, so not one more event of it is written there. Nothing on this channel is ever
 * forwarded to a client.
 *
 * - `member`: every local socket of the member is closed with 4401, and the revocation is
 *   remembered so that access tokens issued before it cannot reconnect;
 * - `membership`: the member's subscriptions to that community's channels that were granted as
 *   membership-bound (a private community) end, each with a `subscription_revoked` frame;
 * - `community`: every subscription to that community's channels ends, the same way;
 * - `thread`: every subscription to the deleted thread's channel ends, the same way.
 *
 * Every revocation is also recorded in this gateway's mirror of the revocation register first, so
 * a join or a socket whose register read was answered before the event arrived is refused too.
 */
export function createAccessRevocationHandler(deps: AccessRevocationDeps): MessageHandler {
  const { registry, revocations } = deps;
  const log = deps.logger.child({ module: 'access-revocation' });

  /** Leaves first, so the frame is the last thing the socket hears of the channel. */
  const revoke = (connection: LocalConnection, channel: string, reason: RevokedReason): void => {
    // The membership change is synchronous; only the broker unsubscribe is awaited (and logged).
    void registry.leave(connection, channel);
    connection.send(encodeFrame(subscriptionRevokedFrame(channel, reason)));
  };

  const revokeWhere = (
    connection: LocalConnection,
    reason: RevokedReason,
    matches: (access: ChannelAccess) => boolean,
  ): number => {
    // Collected first: leaving mutates the map being read.
    const revoked = [...registry.subscriptionsOf(connection)]
      .filter(([, access]) => access !== undefined && matches(access))
      .map(([channel]) => channel);
    for (const channel of revoked) revoke(connection, channel, reason);
    return revoked.length;
  };

  const revokeAll = (revokedChannel: string, reason: RevokedReason): number => {
    const members = [...(registry.membersOf(revokedChannel) ?? [])];
    for (const connection of members) revoke(connection, revokedChannel, reason);
    return members.length;
  };

  return (payload, channel) => {
    let event: DomainEvent;
    try {
      event = DomainEvent.parse(JSON.parse(payload));
    } catch {
      log.warn({ channel, bytes: payload.length }, 'dropped invalid access event');
      return;
    }
    if (event.type !== 'access_revoked' || channel !== ACCESS_CHANNEL) {
      log.warn({ channel, type: event.type }, 'dropped unexpected event on the access channel');
      return;
    }
    const data = event.data;
    revocations.record(revocationEntries(data));
    let affected = 0;
    switch (data.scope) {
      case 'member': {
        for (const connection of [...registry.connectionsOf(data.member_id)]) {
          connection.close(CLOSE.sessionRevoked.code, CLOSE.sessionRevoked.reason);
          affected += 1;
        }
        break;
      }
      case 'membership': {
        for (const connection of [...registry.connectionsOf(data.member_id)]) {
          affected += revokeWhere(
            connection,
            data.reason,
            (access) => access.membershipBound && access.communityId === data.community_id,
          );
        }
        break;
      }
      case 'community': {
        for (const revokedChannel of [...registry.channelsOfCommunity(data.community_id)]) {
          affected += revokeAll(revokedChannel, data.reason);
        }
        break;
      }
      case 'thread': {
        affected += revokeAll(threadChannel(data.thread_id), data.reason);
        break;
      }
      default:
        return assertNever(data);
    }
    log.info({ ...data, affected }, 'access revoked');
  };
}
