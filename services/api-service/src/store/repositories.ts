import { CommunityRepository } from '../modules/communities/community.repository';
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
}

export function createRepositories(db: DocumentDb): Repositories {
  return {
    members: new MemberRepository(db),
    memberships: new MembershipRepository(db),
    communities: new CommunityRepository(db),
    threads: new ThreadRepository(db),
    messages: new MessageRepository(db),
  };
}

/** Creates every index the queries rely on; idempotent, so it runs at each start. */
export async function ensureIndexes(repos: Repositories): Promise<void> {
  const { members, memberships, communities, threads, messages } = repos;
  await Promise.all([
    members.ensureIndexes(),
    memberships.ensureIndexes(),
    communities.ensureIndexes(),
    threads.ensureIndexes(),
    messages.ensureIndexes(),
  ]);
}
