import type { StoreHarness } from '../support/api-harness';
import { activityContract } from './contract/activity.contract';
import { communitiesContract } from './contract/communities.contract';
import { cursorsContract } from './contract/cursors.contract';
import { engineContract } from './contract/engine.contract';
import { invitationsContract } from './contract/invitations.contract';
import { joinLeaveContract } from './contract/join-leave.contract';
import { membersContract } from './contract/members.contract';
import { membershipsContract } from './contract/memberships.contract';
import { messagesContract } from './contract/messages.contract';
import { outboxContract } from './contract/outbox.contract';
import { refreshTokensContract } from './contract/refresh-tokens.contract';
import { searchContract } from './contract/search.contract';
import { threadsContract } from './contract/threads.contract';

/**
 * What every store engine promises the services, through the repositories (and, for the few
 * guarantees repositories lean on, the DocumentDb port itself). `open` returns a fresh, empty,
 * indexed store for each test; the same suite runs unchanged on every engine, FerretDB 1.x
 * included, and skips nothing: what it checks under concurrency rests on what every engine does
 * exactly (unique-index inserts, a delete that removes a document for one caller), not on atomic
 * single-document updates, which FerretDB 1.x lacks.
 */
export function repositoryContract(open: () => Promise<StoreHarness>): void {
  describe('members', () => membersContract(open));
  describe('communities', () => communitiesContract(open));
  describe('memberships', () => membershipsContract(open));
  describe('threads', () => threadsContract(open));
  describe('messages', () => messagesContract(open));
  describe('event outbox', () => outboxContract(open));
  describe('invitations', () => invitationsContract(open));
  describe('refresh tokens', () => refreshTokensContract(open));
  describe('cursors', () => cursorsContract(open));
  describe('search', () => searchContract(open));
  describe('member activity', () => activityContract(open));
  describe('document engine', () => engineContract(open));
  describe('joining and leaving through the services', () => joinLeaveContract(open));
}
