import {
  AppError,
  type AckFrame,
  type ClientAction,
  assertNever,
  communityChannel,
  createEvent,
  threadChannel,
} from '@communities/contracts';
import { type EventPublisher } from '@communities/broker';
import { type OriginTracker } from '../fanout/origin-tracker';
import { ackFrame } from '../protocol/server-frames';
import { type ConnectionRegistry } from './connection-registry';
import { type LocalConnection } from './local-connection';

export interface ActionDeps {
  registry: ConnectionRegistry;
  bus: EventPublisher;
  origins: OriginTracker;
}

/**
 * Carries out one decoded client action and returns its ack; failures are thrown as `AppError`
 * and become error frames in the session. Joins and leaves are idempotent and always acked.
 */
export class ActionHandler {
  constructor(private readonly deps: ActionDeps) {}

  async perform(connection: LocalConnection, action: ClientAction): Promise<AckFrame> {
    const { registry } = this.deps;
    switch (action.action) {
      case 'join_community': {
        const channel = communityChannel(action.community_id);
        await registry.join(connection, channel);
        return ackFrame(action.action, channel, action.ref);
      }
      case 'leave_community': {
        const channel = communityChannel(action.community_id);
        await registry.leave(connection, channel);
        return ackFrame(action.action, channel, action.ref);
      }
      case 'join_thread': {
        const channel = threadChannel(action.thread_id);
        await registry.join(connection, channel);
        return ackFrame(action.action, channel, action.ref);
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

  /**
   * Typing indicators are published by the gateway itself, on `thread:{id}`, so sockets on other
   * replicas see them too; they are never stored. The connection's user is authoritative: a
   * `user_id` in the frame is ignored. The sender is remembered so its own echo is skipped.
   */
  private async publishTyping(
    connection: LocalConnection,
    action: Extract<ClientAction, { action: 'typing' | 'stop_typing' }>,
  ): Promise<AckFrame> {
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
