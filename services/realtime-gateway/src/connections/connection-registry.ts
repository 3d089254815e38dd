import { AppError } from '@communities/contracts';
import { type LocalConnection } from './local-connection';

/** Called on the first local join of a channel and after its last local leave. */
export interface ChannelLifecycle {
  firstJoined(channel: string): Promise<void>;
  lastLeft(channel: string): Promise<void>;
}

export interface RegistryOptions {
  maxChannelsPerSocket: number;
  /** Channels every socket holds implicitly (the global one); they do not count against the limit. */
  implicitChannels?: ReadonlySet<string>;
}

interface ChannelEntry {
  members: Set<LocalConnection>;
  /** The broker subscription made on the first join; later joiners wait for it too. */
  subscribed: Promise<void>;
}

/**
 * The gateway's only shared state: which local sockets are in which channel. Membership changes
 * synchronously, so the broker calls it triggers are issued in the same order as the joins and
 * leaves that caused them (a leave right after a join unsubscribes after it subscribed).
 */
export class ConnectionRegistry {
  private readonly channels = new Map<string, ChannelEntry>();
  private readonly joined = new Map<LocalConnection, Set<string>>();

  constructor(
    private readonly lifecycle: ChannelLifecycle,
    private readonly options: RegistryOptions,
  ) {}

  add(connection: LocalConnection): void {
    if (!this.joined.has(connection)) this.joined.set(connection, new Set());
  }

  /**
   * Resolves once the channel's broker subscription is in place. Joining twice is a no-op. Throws
   * VALIDATION_FAILED past the per-socket limit and SERVICE_UNAVAILABLE when the broker refused.
   */
  async join(connection: LocalConnection, channel: string): Promise<void> {
    const channels = this.joined.get(connection);
    if (!channels) return; // already disconnected: nobody is left to deliver to
    let entry = this.channels.get(channel);
    if (!channels.has(channel)) {
      if (!this.options.implicitChannels?.has(channel)) this.checkLimit(channels);
      if (!entry) {
        const created: ChannelEntry = { members: new Set(), subscribed: Promise.resolve() };
        created.subscribed = this.lifecycle.firstJoined(channel);
        this.channels.set(channel, created);
        entry = created;
      }
      entry.members.add(connection);
      channels.add(channel);
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
    const entry = this.channels.get(channel);
    entry?.members.delete(connection);
    if (entry && entry.members.size === 0) {
      this.channels.delete(channel);
      await this.lifecycle.lastLeft(channel);
    }
    return true;
  }

  /** On disconnect: leaves every channel the socket was in. */
  async release(connection: LocalConnection): Promise<void> {
    const channels = this.joined.get(connection);
    if (!channels) return;
    this.joined.delete(connection);
    const lastLeft: string[] = [];
    for (const channel of channels) {
      const entry = this.channels.get(channel);
      entry?.members.delete(connection);
      if (entry && entry.members.size === 0) {
        this.channels.delete(channel);
        lastLeft.push(channel);
      }
    }
    await Promise.all(lastLeft.map((channel) => this.lifecycle.lastLeft(channel)));
  }

  /** The live member set (do not mutate); undefined when no local socket is in the channel. */
  membersOf(channel: string): ReadonlySet<LocalConnection> | undefined {
    return this.channels.get(channel)?.members;
  }

  channelsOf(connection: LocalConnection): ReadonlySet<string> {
    return this.joined.get(connection) ?? new Set();
  }

  connections(): IterableIterator<LocalConnection> {
    return this.joined.keys();
  }

  get connectionCount(): number {
    return this.joined.size;
  }

  get channelCount(): number {
    return this.channels.size;
  }

  private checkLimit(channels: ReadonlySet<string>): void {
    const implicit = this.options.implicitChannels;
    let counted = 0;
    for (const channel of channels) if (!implicit?.has(channel)) counted += 1;
    if (counted >= this.options.maxChannelsPerSocket) {
      throw new AppError(
        'VALIDATION_FAILED',
        `a connection may join at most ${this.options.maxChannelsPerSocket} channels; leave one first`,
      );
    }
  }
}
