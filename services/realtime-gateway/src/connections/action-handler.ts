import {
  AppError,
  type AckFrame,
  type ClientAction,
  assertNever,
  communityChannel,
  createEvent,
  threadChannel,
} from '@communities/contracts';
import { type ChannelPosition, type EventPublisher } from '@communities/broker';
import { type GrantVerifier } from '../auth/grant-verifier';
import { type OriginTracker } from '../fanout/origin-tracker';
import { ackFrame } from '../protocol/server-frames';
import { type ChannelJoiner, type ResumePoint } from './channel-joiner';
import { type ConnectionRegistry } from './connection-registry';
import { type LocalConnection } from './local-connection';

export interface ActionDeps {
  registry: ConnectionRegistry;
  joiner: ChannelJoiner;
  bus: EventPublisher;
  origins: OriginTracker;
  grants: GrantVerifier;
}

type JoinAction = Extract<ClientAction, { action: 'join_community' | 'join_thread' }>;

/**
 * Carries out one decoded client action of an authenticated connection and returns its ack;
 * failures are thrown as `AppError` and become error frames in the session. A join needs a grant
 * for exactly that channel (FORBIDDEN without one); leaves need none. Joins and leaves are
 * idempotent and always acked. A join's ack carries the socket's position in the channel and comes
 * after any replay (see `ChannelJoiner`).
 */
export class ActionHandler {
  constructor(private readonly deps: ActionDeps) {}

  async perform(connection: LocalConnection, action: ClientAction): Promise<AckFrame> {
    const { registry } = this.deps;
    switch (action.action) {
      case 'authenticate':
        throw new AppError('VALIDATION_FAILED', 'this connection is already authenticated');
      case 'join_community': {
        const channel = communityChannel(action.community_id);
        const position = await this.join(connection, channel, action);
        return ackFrame(action.action, channel, action.ref, position);
      }
      case 'leave_community': {
        const channel = communityChannel(action.community_id);
        await registry.leave(connection, channel);
        return ackFrame(action.action, channel, action.ref);
      }
      case 'join_thread': {
        const channel = threadChannel(action.thread_id);
        const position = await this.join(connection, channel, action);
        return ackFrame(action.action, channel, action.ref, position);
      }
      case 'leave_thread': {
        const channel = threadChannel(action.thread_id);
        await registry.leave(connection, channel);
        return ackFrame(action.action, channel, action.ref);
      }
      case 'typing':
      case 'stop_typing':
        return this.publishTyping(connection, action);
      default:
        return assertNever(action);
    }
  }

  private async join(
    connection: LocalConnection,
    channel: string,
    action: JoinAction,
  ): Promise<ChannelPosition | undefined> {
    const access = await this.deps.grants.verify(action.grant, connection.userId, channel);
    // `epoch` alone says nothing about what the client has: only `last_seq` asks for a replay.
    const resume: ResumePoint | undefined =
      action.last_seq === undefined ? undefined : { lastSeq: action.last_seq, epoch: action.epoch };
    return this.deps.joiner.join(connection, channel, access, resume);
  }

  /**
   * Typing indicators are published by the gateway itself, on `thread:{id}`, so sockets on other
   * replicas see them too; they are never stored. The connection's user is authoritative: a
   * `user_id` in the frame is ignored. The sender is remembered so its own echo is skipped. Only a
   * socket that joined the thread (so holds a grant for it) may type in it.
   */
  private async publishTyping(
    connection: LocalConnection,
    action: Extract<ClientAction, { action: 'typing' | 'stop_typing' }>,
  ): Promise<AckFrame> {
    if (!this.deps.registry.isJoined(connection, threadChannel(action.thread_id))) {
      throw new AppError(
        'FORBIDDEN',
        `join thread ${action.thread_id} before sending ${action.action}`,
      );
    }
    const data = { thread_id: action.thread_id, user_id: connection.userId };
    const event =
      action.action === 'typing' ? createEvent('typing', data) : createEvent('stop_typing', data);
    this.deps.origins.remember(event.id, connection.id);
    try {
      await this.deps.bus.publish(event);
    } catch {
      this.deps.origins.forget(event.id);
      throw new AppError('SERVICE_UNAVAILABLE', 'the typing indicator could not be published');
    }
    return ackFrame(action.action, event.channel, action.ref);
  }
}
