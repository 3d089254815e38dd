import { OutboxRepository } from '../events/outbox.repository';
import { RefreshTokenRepository } from '../modules/auth/refresh-token.repository';
import { CommunityRepository } from '../modules/communities/community.repository';
import { InvitationRepository } from '../modules/invitations/invitation.repository';
import { MemberRepository } from '../modules/members/member.repository';
import { MembershipRepository } from '../modules/memberships/membership.repository';
import { MessageRepository } from '../modules/messages/message.repository';
import { ThreadRepository } from '../modules/threads/thread.repository';
import type { DocumentDb } from './document-db';

/** Every repository over one engine. Services receive this, never the engine itself. */
export interface Repositories {
  members: MemberRepository;
  memberships: MembershipRepository;
  communities: CommunityRepository;
  threads: ThreadRepository;
  messages: MessageRepository;
  invitations: InvitationRepository;
  refreshTokens: RefreshTokenRepository;
  /** Events waiting for the broker (see events/outbox-publisher.ts). */
  outbox: OutboxRepository;
}

export function createRepositories(db: DocumentDb): Repositories {
  const memberships = new MembershipRepository(db);
  const messages = new MessageRepository(db);
  return {
    members: new MemberRepository(db),
    memberships,
    communities: new CommunityRepository(db, memberships),
    threads: new ThreadRepository(db, messages),
    messages,
    invitations: new InvitationRepository(db),
    refreshTokens: new RefreshTokenRepository(db),
    outbox: new OutboxRepository(db),
  };
}

/** Creates every index the queries rely on; idempotent, so it runs at each start. */
export async function ensureIndexes(repos: Repositories): Promise<void> {
  await Promise.all(
    Object.values(repos).map((repo: Repositories[keyof Repositories]) => repo.ensureIndexes()),
  );
}
