import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { NedbDocumentDb } from '../../src/store/embedded/nedb-document-db';
import { createRepositories, ensureIndexes } from '../../src/store/repositories';
import { openStore } from '../support/api-harness';
import { PASSWORD_HASH, at, expectAppError, hexId, newMember } from './contract/fixtures';
import { repositoryContract } from './repositories.contract';

describe('repositories on the embedded store (in memory)', () => {
  repositoryContract(() => openStore('embedded'));
});

describe('the embedded store with a data directory', () => {
  let dataDir: string;
  beforeEach(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'communities-embedded-'));
  });
  afterEach(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  async function open() {
    const db = await NedbDocumentDb.open({ dataDir });
    const repos = createRepositories(db);
    await ensureIndexes(repos);
    return { db, repos };
  }

  it('keeps what was written across close and reopen: dates, unique indexes, seqs, credentials and tokens', async () => {
    const first = await open();
    const ada = await first.repos.members.create(
      newMember({ username: 'Ada' }),
      PASSWORD_HASH,
      at(1),
    );
    const community = await first.repos.communities.create(
      {
        name: 'Persisted',
        description: 'kept',
        created_by: ada.id,
        is_public: false,
        tags: ['a'],
        avatar_url: null,
      },
      at(2),
    );
    await first.repos.memberships.add(community.id, ada.id, 'owner', at(3));
    const thread = await first.repos.threads.create(
      { community_id: community.id, title: 'T', content: '', created_by: ada.id, tags: [] },
      at(4),
    );
    const newMessage = {
      thread_id: thread.id,
      community_id: community.id,
      author: ada.id,
      content: 'still here',
      reply_to: null,
      attachments: [],
      client_msg_id: 'persisted-key',
    };
    const { message } = await first.repos.messages.create(newMessage, at(5));
    await first.repos.threads.recordMessage(thread.id, at(5));
    await first.repos.threads.togglePin(thread.id);
    await first.repos.members.setPassword(ada.id, 'scrypt$10$changed$hash');
    const invitation = await first.repos.invitations.add(community.id, hexId(), ada.id);
    await first.repos.refreshTokens.insert({
      token_hash: 'persisted-token-hash',
      member_id: ada.id,
      family_id: 'family-1',
      created_at: at(6),
      expires_at: at(7),
    });
    const token = (await first.repos.refreshTokens.findByHash('persisted-token-hash'))!;
    await first.repos.refreshTokens.markUsed(token.id, at(6));
    await first.db.close();

    const second = await open();
    expect(await second.repos.members.get(ada.id)).toEqual(ada);
    expect(await second.repos.communities.get(community.id)).toEqual({
      ...community,
      member_count: 1,
    });
    expect(await second.repos.memberships.latestJoinOf(ada.id)).toEqual(at(3));
    expect(await second.repos.threads.get(thread.id)).toMatchObject({
      message_count: 1,
      is_pinned: true,
      last_activity: at(5).toISOString(),
    });
    expect(await second.repos.messages.get(message.id)).toEqual(message);
    const { items } = await second.repos.messages.search(
      'STILL',
      { threadId: thread.id },
      { limit: 5 },
    );
    expect(items).toEqual([message]);
    expect(await second.repos.messages.create(newMessage, at(9))).toEqual({
      outcome: 'replayed',
      message,
      replayedBy: 'lookup',
    });
    const next = await second.repos.messages.create({ ...newMessage, client_msg_id: null });
    expect(next.message.seq).toBe(2);
    expect(await second.repos.communities.privateIds()).toEqual([community.id]);
    expect(await second.repos.memberships.roleOf(community.id, ada.id)).toBe('owner');
    expect(await second.repos.members.credentialsByLogin('ADA')).toEqual({
      id: ada.id,
      is_active: true,
      token_version: 1,
      password_hash: 'scrypt$10$changed$hash',
    });
    expect(await second.repos.invitations.find(community.id, invitation.member_id)).toEqual(
      invitation,
    );
    expect(await second.repos.refreshTokens.findByHash('persisted-token-hash')).toEqual({
      ...token,
      used_at: at(6),
    });
    await expectAppError(
      second.repos.members.create(newMember({ username: 'ADA' }), PASSWORD_HASH),
      'USERNAME_TAKEN',
    );
    await second.db.close();
  });

  it('starts empty in a new data directory', async () => {
    const { db, repos } = await open();
    expect((await repos.members.list({ limit: 5 })).items).toEqual([]);
    await db.close();
  });
});
