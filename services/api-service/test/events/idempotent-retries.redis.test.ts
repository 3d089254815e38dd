import { randomUUID } from 'node:crypto';
import { RedisEventBus } from '@communities/broker';
import { DomainEvent, Message, threadChannel } from '@communities/contracts';
import { backendUrl, eventually, uniqueDbName } from '@communities/test-support';
import { pino } from 'pino';
import type { Response } from 'supertest';
import { loadApiConfig } from '../../src/config';
import { createApiService, type ApiService } from '../../src/service';
import { MongoDocumentDb } from '../../src/store/mongo/mongo-document-db';
import { messagesAfterSeq, postWithKey, seedThread } from '../support/fixtures';

// Two api-service instances need a shared database: MongoDB (or FerretDB) and Redis.
const describeShared =
  backendUrl('MONGO_URL') && backendUrl('REDIS_URL') ? describe : describe.skip;

const silent = pino({ level: 'silent' });
const MESSAGES = 10;
const ATTEMPTS = 3;

describeShared('retried posts across two api-service instances', () => {
  const dbName = uniqueDbName('communities_retries');
  const dbs: MongoDocumentDb[] = [];
  const apis: ApiService[] = [];
  let subscriber: RedisEventBus | undefined;
  let stopped = false;

  beforeAll(async () => {
    const config = loadApiConfig({
      REDIS_URL: backendUrl('REDIS_URL'),
      LOG_LEVEL: 'silent',
      PORT: '0',
      HOST: '127.0.0.1',
      AUTH_PASSWORD_HASH_COST: '10',
      // Both instances sign and verify with the same key, as replicas do.
      AUTH_JWT_KEYS: 'retries-1:0123456789abcdef0123456789abcdef-retries',
      RATE_LIMIT_SIGNUP_PER_IP: 'off',
      RATE_LIMIT_WRITES_PER_MEMBER: 'off',
      RATE_LIMIT_WRITES_PER_IP: 'off',
    });
    for (let i = 0; i < 2; i++) {
      // A connection of its own per instance, to one database.
      const db = await MongoDocumentDb.connect(backendUrl('MONGO_URL')!, dbName);
      dbs.push(db);
      const api = await createApiService(config, silent, { db });
      await api.start();
      apis.push(api);
    }
  });

  afterAll(async () => {
    await subscriber?.close();
    if (!stopped) for (const api of apis) await api.stop();
    await dbs[0]?.dropDatabase();
    for (const db of dbs) await db.close();
  });

  it('posts each message once and publishes one event, whatever the retries', async () => {
    const [a, b] = apis as [ApiService, ApiService];
    const { owner, thread } = await seedThread(a.app);
    const events: DomainEvent[] = [];
    subscriber = new RedisEventBus({
      url: backendUrl('REDIS_URL')!,
      logger: silent,
      connectionName: 'retries-sub',
    });
    await subscriber.subscribe(threadChannel(thread.id), (payload) => {
      events.push(DomainEvent.parse(JSON.parse(payload)));
    });

    // Every message is sent three times at once, alternately to both instances, with one key.
    const keys = Array.from({ length: MESSAGES }, () => randomUUID());
    const sent = keys.flatMap((key, m) =>
      Array.from({ length: ATTEMPTS }, (_, attempt) => ({
        key,
        response: postWithKey(
          (m + attempt) % 2 === 0 ? a.app : b.app,
          thread.id,
          owner.id,
          key,
          { content: `message ${m}` },
          attempt === 1 ? 'header' : 'body',
        ),
      })),
    );
    const answers: { key: string; res: Response }[] = [];
    for (const { key, response } of sent) answers.push({ key, res: await response });

    await eventually(() => events.length >= MESSAGES, { timeoutMs: 10_000 });
    // Stopping waits for every publish under way; a late duplicate would then be on its way.
    for (const api of apis) await api.stop();
    stopped = true;
    await new Promise((resolve) => setTimeout(resolve, 200));

    const messages = await messagesAfterSeq(a.app, thread.id, 0);
    const newMessages = events.filter((e) => e.type === 'new_message');
    process.stdout.write(
      `idempotent retries: sent=${answers.length} messages=${messages.length} ` +
        `events=${newMessages.length}\n`,
    );
    for (const key of keys) {
      const mine = answers.filter((answer) => answer.key === key).map(({ res }) => res);
      expect(mine.map((res) => res.status).sort()).toEqual([200, 200, 201]);
      const ids = new Set(mine.map((res) => Message.parse(res.body).id));
      expect(ids.size).toBe(1);
      expect(messages.filter((m) => m.client_msg_id === key)).toHaveLength(1);
      expect(
        newMessages.filter((e) => e.type === 'new_message' && e.data.message.client_msg_id === key),
      ).toHaveLength(1);
    }
    expect(messages).toHaveLength(MESSAGES);
    expect(newMessages).toHaveLength(MESSAGES);
    expect(messages.map((m) => m.seq)).toEqual(Array.from({ length: MESSAGES }, (_, i) => i + 1));
  });
});
