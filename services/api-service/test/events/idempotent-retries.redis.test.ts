import { randomUUID } from 'node:crypto';
import { RedisEventBus } from '@communities/broker';
import { DomainEvent, Message, threadChannel } from '@communities/contracts';
import { backendUrl, eventually, uniqueDbName } from '@communities/test-support';
import { pino } from 'pino';
import { loadApiConfig } from '../../src/config';
import { createApiService, type ApiService } from '../../src/service';
import { MongoDocumentDb } from '../../src/store/mongo/mongo-document-db';
import { authHeader, messagesAfterSeq, metricValue, seedThread } from '../support/fixtures';

// Two api-service instances need a shared database: MongoDB (or FerretDB) and Redis.
const describeShared =
  backendUrl('MONGO_URL') && backendUrl('REDIS_URL') ? describe : describe.skip;

const silent = pino({ level: 'silent' });
const MESSAGES = 10;
const ATTEMPTS = 3;
/**
 * Rounds of MESSAGES × ATTEMPTS posts, all in flight at once, until a retry was settled by the
 * duplicate-key path (two replicas inserting the same key); bounded, so a run that never races
 * fails instead of spinning.
 */
const MAX_ROUNDS = 6;

interface Answer {
  key: string;
  status: number;
  id: string;
  replayed: string | null;
  sentAt: number;
  answeredAt: number;
}

describeShared('retried posts across two api-service instances', () => {
  const dbName = uniqueDbName('communities_retries');
  const dbs: MongoDocumentDb[] = [];
  const apis: ApiService[] = [];
  const urls: string[] = [];
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
      const port = await api.start();
      apis.push(api);
      urls.push(`http://127.0.0.1:${port}`);
    }
  });

  afterAll(async () => {
    await subscriber?.close();
    if (!stopped) for (const api of apis) await api.stop();
    await dbs[0]?.dropDatabase();
    for (const db of dbs) await db.close();
  });

  /** One attempt over real HTTP to a listening instance: it is on the wire once this is called. */
  async function attempt(
    api: number,
    threadId: string,
    author: string,
    key: string,
    via: 'body' | 'header',
  ): Promise<Answer> {
    const sentAt = performance.now();
    const response = await fetch(`${urls[api]}/api/messages/thread/${threadId}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...authHeader(author),
        ...(via === 'header' && { 'idempotency-key': key }),
      },
      body: JSON.stringify({
        content: `message ${key}`,
        ...(via === 'body' && { client_msg_id: key }),
      }),
    });
    const body: unknown = await response.json();
    return {
      key,
      status: response.status,
      id: Message.parse(body).id,
      replayed: response.headers.get('idempotent-replayed'),
      sentAt,
      answeredAt: performance.now(),
    };
  }

  /** `idempotent_replays_total{path}` summed over both instances. */
  async function replays(path: string): Promise<number> {
    const name = `idempotent_replays_total{path="${path}"}`;
    const values = await Promise.all(apis.map((api) => metricValue(api.app, name)));
    return values.reduce((sum, value) => sum + value, 0);
  }

  it('posts each message once and publishes one event, though its retries race on both instances', async () => {
    const [a] = apis as [ApiService, ApiService];
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

    // Every message is sent three times at once, alternately to both instances, with one key:
    // every attempt of a round is started before any is awaited.
    const keys: string[] = [];
    const answers: Answer[] = [];
    let rounds = 0;
    while (rounds < MAX_ROUNDS && (rounds === 0 || (await replays('duplicate_key')) === 0)) {
      rounds += 1;
      const round = Array.from({ length: MESSAGES }, () => randomUUID());
      keys.push(...round);
      const inFlight = round.flatMap((key, m) =>
        Array.from({ length: ATTEMPTS }, (_, k) =>
          attempt((m + k) % 2, thread.id, owner.id, key, k === 1 ? 'header' : 'body'),
        ),
      );
      answers.push(...(await Promise.all(inFlight)));
    }

    await eventually(() => events.length >= keys.length, { timeoutMs: 10_000 });
    const counted = {
      lookup: await replays('lookup'),
      same_batch: await replays('same_batch'),
      duplicate_key: await replays('duplicate_key'),
    };
    // Stopping waits for every publish under way; a late duplicate would then be on its way.
    for (const api of apis) await api.stop();
    stopped = true;
    await new Promise((resolve) => setTimeout(resolve, 200));

    const messages = await messagesAfterSeq(a.app, thread.id, 0);
    const newMessages = events.filter((e) => e.type === 'new_message');
    process.stdout.write(
      `idempotent retries: rounds=${rounds} sent=${answers.length} messages=${messages.length} ` +
        `events=${newMessages.length} replays lookup=${counted.lookup} ` +
        `same_batch=${counted.same_batch} duplicate_key=${counted.duplicate_key}\n`,
    );

    // The race happened: some retries were settled by the unique index, not by a lookup.
    expect(counted.duplicate_key).toBeGreaterThan(0);
    expect(counted.lookup + counted.same_batch + counted.duplicate_key).toBe(
      keys.length * (ATTEMPTS - 1),
    );
    for (const key of keys) {
      const mine = answers.filter((answer) => answer.key === key);
      // In flight together: every attempt was sent before the first answer came back.
      expect(Math.max(...mine.map((x) => x.sentAt))).toBeLessThan(
        Math.min(...mine.map((x) => x.answeredAt)),
      );
      expect(mine.map((x) => [x.status, x.replayed]).sort()).toEqual([
        [200, 'true'],
        [200, 'true'],
        [201, null],
      ]);
      expect(new Set(mine.map((x) => x.id)).size).toBe(1);
      expect(messages.filter((m) => m.client_msg_id === key)).toHaveLength(1);
      expect(
        newMessages.filter((e) => e.type === 'new_message' && e.data.message.client_msg_id === key),
      ).toHaveLength(1);
    }
    expect(messages).toHaveLength(keys.length);
    expect(newMessages).toHaveLength(keys.length);
    // A losing insert may leave its seq unused: increasing and never reused, not gapless.
    const seqs = messages.map((m) => m.seq);
    expect(seqs).toEqual([...new Set(seqs)].sort((x, y) => x - y));
  });
});
