import { communityChannel, threadChannel, type Message } from '@communities/contracts';
import { type WsFrame, type WsTestClient } from '@communities/test-support';
import { type RestClient } from './rest-client';

/** Asks the api for a grant of `member` for the thread, then joins it; fails unless acked. */
export async function joinThread(
  rest: RestClient,
  client: WsTestClient,
  member: string,
  threadId: string,
): Promise<WsFrame> {
  const grant = await rest.grant(member, threadChannel(threadId));
  return client.ack({ action: 'join_thread', thread_id: threadId, grant });
}

/** Asks the api for a grant of `member` for the community, then joins it; fails unless acked. */
export async function joinCommunity(
  rest: RestClient,
  client: WsTestClient,
  member: string,
  communityId: string,
): Promise<WsFrame> {
  const grant = await rest.grant(member, communityChannel(communityId));
  return client.ack({ action: 'join_community', community_id: communityId, grant });
}

export const isNewMessage =
  (id: string) =>
  (frame: Record<string, unknown>): boolean =>
    frame.type === 'new_message' && (frame.data as { message: Message }).message.id === id;

/** The contents of the `new_message` events a client received on one channel, in order. */
export function messageContentsOn(client: WsTestClient, channel: string): string[] {
  return client
    .eventsOn(channel)
    .filter((event) => event.type === 'new_message')
    .map((event) => (event.data as { message: Message }).message.content);
}
