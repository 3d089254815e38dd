import { AppError } from '@communities/contracts';
import { type LocalConnection } from './local-connection';

/** Called on the first local join of a channel and after its last local leave. */
export interface ChannelLifecycle {
  firstJoined(channel: string): Promise<void>;
  lastLeft(channel: string): Promise<void>;
  /** Synchronously, whenever one socket stops being a member (leave, revocation, disconnect). */
  left?(connection: LocalConnection, channel: string): void;
}

export interface RegistryOptions {
  maxChannelsPerSocket: number;
  /** Channels every socket holds implicitly (the global one); they do not count against the limit. */
  implicitChannels?: ReadonlySet<string>;
}

/**
 * What a join's grant said about the subscription, kept so it can be revoked: the community the
 * channel belongs to, and whether access depends on membership (a private community).
 */
export interface ChannelAccess {
  readonly communityId: string;
  readonly membershipBound: boolean;
}

interface ChannelEntry {
  /** The channel's name, one string shared by every member's `joined` map. */
  name: string;
  members: Set<LocalConnection>;
  /** The broker subscription made on the first join; later joiners wait for it too. */
  subscribed: Promise<void>;
  /** From the first join that carried a grant; a channel never changes community. */
  communityId?: string;
  /** The last access granted here, shared by every member granted an equal one. */
  access?: ChannelAccess;
}

/**
 * The gateway's only shared state: which authenticated local sockets are in which channel, with
 * the access each subscription was granted. Membership changes synchronously, so the broker calls
 * it triggers are issued in the same order as the joins and leaves that caused them (a leave right
 * after a join unsubscribes after it subscribed), and a revocation takes effect before the next
 * broker message is delivered. Indexes by user and by community exist for revocations only; the
 * fanout reads `membersOf` and nothing else.
 */
export class ConnectionRegistry {
  private readonly channels = new Map<string, ChannelEntry>();
  private readonly joined = new Map<LocalConnection, Map<string, ChannelAccess | undefined>>();
  /** A user's one socket, or a Set once they have several (most users have one). */
  private readonly byUser = new Map<string, LocalConnection | Set<LocalConnection>>();
  private readonly byCommunity = new Map<string, Set<string>>();

  constructor(
    private readonly lifecycle: ChannelLifecycle,
    private readonly options: RegistryOptions,
  ) {}

  /** Registers an authenticated socket; only registered sockets can join. */
  add(connection: LocalConnection): void {
    if (this.joined.has(connection)) return;
    this.joined.set(connection, new Map());
    const sockets = this.byUser.get(connection.userId);
    if (sockets === undefined) this.byUser.set(connection.userId, connection);
    else if (sockets instanceof Set) sockets.add(connection);
    else this.byUser.set(connection.userId, new Set([sockets, connection]));
  }

  /**
   * Resolves once the channel's broker subscription is in place. Joining twice is a no-op apart
   * from replacing the access. Throws VALIDATION_FAILED past the per-socket limit and
   * SERVICE_UNAVAILABLE when the broker refused.
   */
  async join(connection: LocalConnection, channel: string, access?: ChannelAccess): Promise<void> {
    const channels = this.joined.get(connection);
    if (!channels) return; // already disconnected: nobody is left to deliver to
    let entry = this.channels.get(channel);
    if (!channels.has(channel)) {
      if (!this.options.implicitChannels?.has(channel)) this.checkLimit(channels);
      if (!entry) {
        const created: ChannelEntry = {
          name: channel,
          members: new Set(),
          subscribed: Promise.resolve(),
        };
        created.subscribed = this.lifecycle.firstJoined(channel);
        this.channels.set(channel, created);
        entry = created;
      }
      entry.members.add(connection);
    }
    channels.set(entry?.name ?? channel, entry && access ? sharedAccess(entry, access) : access);
    if (access && entry && entry.communityId === undefined) {
      entry.communityId = access.communityId;
      let indexed = this.byCommunity.get(access.communityId);
      if (!indexed) this.byCommunity.set(access.communityId, (indexed = new Set()));
      indexed.add(channel);
    }
    try {
      await entry?.subscribed;
    } catch {
      // The lifecycle logged the cause; undo this join so a retry starts from a clean state.
      await this.leave(connection, channel);
      throw new AppError('SERVICE_UNAVAILABLE', `could not subscribe to ${channel}`);
    }
  }

  /** Leaving a channel the socket is not in is a no-op (false). */
  async leave(connection: LocalConnection, channel: string): Promise<boolean> {
    const channels = this.joined.get(connection);
    if (!channels?.delete(channel)) return false;
    this.lifecycle.left?.(connection, channel);
    if (this.removeMember(channel, connection)) await this.lifecycle.lastLeft(channel);
    return true;
  }

  /** On disconnect: leaves every channel the socket was in. */
  async release(connection: LocalConnection): Promise<void> {
    const channels = this.joined.get(connection);
    if (!channels) return;
    this.joined.delete(connection);
    const sockets = this.byUser.get(connection.userId);
    if (sockets === connection) this.byUser.delete(connection.userId);
    else if (sockets instanceof Set && sockets.delete(connection) && sockets.size === 0) {
      this.byUser.delete(connection.userId);
    }
    const lastLeft: string[] = [];
    for (const channel of channels.keys()) {
      this.lifecycle.left?.(connection, channel);
      if (this.removeMember(channel, connection)) lastLeft.push(channel);
    }
    await Promise.all(lastLeft.map((channel) => this.lifecycle.lastLeft(channel)));
  }

  /** The live member set (do not mutate); undefined when no local socket is in the channel. */
  membersOf(channel: string): ReadonlySet<LocalConnection> | undefined {
    return this.channels.get(channel)?.members;
  }

  /** The socket's channels with the access each was granted (undefined for implicit ones). */
  subscriptionsOf(connection: LocalConnection): ReadonlyMap<string, ChannelAccess | undefined> {
    return this.joined.get(connection) ?? EMPTY;
  }

  isJoined(connection: LocalConnection, channel: string): boolean {
    return this.joined.get(connection)?.has(channel) ?? false;
  }

  /** Registered sockets of one user (do not mutate). */
  connectionsOf(userId: string): ReadonlySet<LocalConnection> {
    const sockets = this.byUser.get(userId);
    if (sockets === undefined) return EMPTY_SET;
    return sockets instanceof Set ? sockets : new Set([sockets]);
  }

  /** Channels of one community (its own and its threads') with at least one local socket. */
  channelsOfCommunity(communityId: string): ReadonlySet<string> {
    return this.byCommunity.get(communityId) ?? EMPTY_CHANNELS;
  }

  get connectionCount(): number {
    return this.joined.size;
  }

  get channelCount(): number {
    return this.channels.size;
  }

  /** Removes one member; true when it was the last, and the channel entry is gone. */
  private removeMember(channel: string, connection: LocalConnection): boolean {
    const entry = this.channels.get(channel);
    if (!entry) return false;
    entry.members.delete(connection);
    if (entry.members.size > 0) return false;
    this.channels.delete(channel);
    if (entry.communityId !== undefined) {
      const indexed = this.byCommunity.get(entry.communityId);
      indexed?.delete(channel);
      if (indexed?.size === 0) this.byCommunity.delete(entry.communityId);
    }
    return true;
  }

  private checkLimit(channels: ReadonlyMap<string, unknown>): void {
    const implicit = this.options.implicitChannels;
    let counted = 0;
    for (const channel of channels.keys()) if (!implicit?.has(channel)) counted += 1;
    if (counted >= this.options.maxChannelsPerSocket) {
      throw new AppError(
        'VALIDATION_FAILED',
        `a connection may join at most ${this.options.maxChannelsPerSocket} channels; leave one first`,
      );
    }
  }
}

/** An access equal to the channel's last one is that one: per-socket copies add up. */
function sharedAccess(entry: ChannelEntry, access: ChannelAccess): ChannelAccess {
  const last = entry.access;
  if (last?.communityId === access.communityId && last.membershipBound === access.membershipBound) {
    return last;
  }
  return (entry.access = access);
}

const EMPTY: ReadonlyMap<string, ChannelAccess | undefined> = new Map();
const EMPTY_SET: ReadonlySet<LocalConnection> = new Set();
const EMPTY_CHANNELS: ReadonlySet<string> = new Set();
