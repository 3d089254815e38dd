import { z } from 'zod';
import { type ObjectIdString } from './ids';

/** Broker channel names, from the spec: `community:{id}`, `thread:{id}`, `global:notifications`. */
export const GLOBAL_CHANNEL = 'global:notifications';

/**
 * Internal: access revocations from the api-service to every gateway (a member left a private
 * community, a community turned private, a member was deactivated). No client can join it.
 */
export const ACCESS_CHANNEL = 'gateway:access';

export function communityChannel(communityId: string): `community:${string}` {
  return `community:${communityId}`;
}

export function threadChannel(threadId: string): `thread:${string}` {
  return `thread:${threadId}`;
}

export const CommunityChannel = z
  .string()
  .regex(/^community:[0-9a-f]{24}$/)
  .transform((s) => s as `community:${string}`);
export const ThreadChannel = z
  .string()
  .regex(/^thread:[0-9a-f]{24}$/)
  .transform((s) => s as `thread:${string}`);
export const GlobalChannel = z.literal(GLOBAL_CHANNEL);
export const AccessChannel = z.literal(ACCESS_CHANNEL);
export const Channel = z.union([CommunityChannel, ThreadChannel, GlobalChannel, AccessChannel]);
export type Channel = z.infer<typeof Channel>;

export type ParsedChannel =
  | { kind: 'community'; id: ObjectIdString }
  | { kind: 'thread'; id: ObjectIdString }
  | { kind: 'global' };

export function parseChannel(name: string): ParsedChannel | undefined {
  if (name === GLOBAL_CHANNEL) return { kind: 'global' };
  const match = /^(community|thread):([0-9a-f]{24})$/.exec(name);
  if (!match) return undefined;
  return { kind: match[1] as 'community' | 'thread', id: match[2] as ObjectIdString };
}
