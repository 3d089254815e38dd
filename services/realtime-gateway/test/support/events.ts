import { randomBytes } from 'node:crypto';
import { type AccessRevokedData, type DomainEvent, createEvent } from '@communities/contracts';

export const newId = (): string => randomBytes(12).toString('hex');

/** What the api-service publishes when a message is posted in `threadId`. */
export function newMessageEvent(threadId: string, content = 'hello'): DomainEvent {
  const now = new Date().toISOString();
  return createEvent('new_message', {
    message: {
      id: newId(),
      thread_id: threadId,
      community_id: newId(),
      content,
      author: newId(),
      created_at: now,
      edited_at: null,
      is_edited: false,
      reply_to: null,
      attachments: [],
      seq: 1,
      client_msg_id: null,
    },
  });
}

export function memberJoinedEvent(communityId: string): DomainEvent {
  return createEvent('member_joined', {
    community_id: communityId,
    member_id: newId(),
    member_count: 2,
  });
}

export function communityDeletedEvent(): DomainEvent {
  return createEvent('community_deleted', { community_id: newId() });
}

/** What the api-service publishes on `gateway:access` when access ends. */
export function accessRevokedEvent(data: AccessRevokedData): DomainEvent {
  return createEvent('access_revoked', data);
}
