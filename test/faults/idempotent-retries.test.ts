import { DomainEvent, threadChannel, type Message } from '@communities/contracts';
import { eventually } from '@communities/test-support';
import { Redis } from 'ioredis';
import { FaultStack, describeFaults } from './support/fault-stack';
import { Rest, type RestResponse, type Session } from './support/rest';

/** Distinct messages, each posted ATTEMPTS times at once; WAVE of them in flight together. */
const IDS = 30;
const ATTEMPTS = 3;
const WAVE = 10;
/**
 * Waves go on past IDS / WAVE (up to this many) until a retry was settled by the duplicate-key
 * path, the two replicas inserting one key at once: the race this suite is about.
 */
const MAX_WAVES = 9;

interface Answer {
  api: number;
  status: number;
  messageId: unknown;
  replayed: string | null;
}

/** When an attempt was sent and answered (ms, `performance.now()`). */
interface Timing {
  sentAt: number;
  answeredAt: number;
}

type ReplayPath = 'lookup' | 'same_batch' | 'duplicate_key';

describeFaults()(
  'every POST retried 3 times at once with the same client_msg_id, across two api-services',
  () => {
    let stack: FaultStack | undefined;
    let subscriber: Redis | undefined;
    let stored: Message[];
    /** The `new_message` events published on the thread, in order, as a Redis subscriber saw them. */
    const events: DomainEvent[] = [];
    const answers = new Map<string, Answer[]>();
    const timings = new Map<string, Timing[]>();
    const keys: string[] = [];
    /** `idempotent_replays_total` by path, summed over both api-services. */
    const replays: Record<ReplayPath, number> = { lookup: 0, same_batch: 0, duplicate_key: 0 };

    const newMessagesWith = (key: string): DomainEvent[] =>
      events.filter(
        (event) => event.type === 'new_message' && event.data.message.client_msg_id === key,
      );

    beforeAll(async () => {
      stack = await FaultStack.start({ name: 'idempotent_retries', apis: 2, gateways: 0 });
      const rests = stack.apis.map((api) => new Rest(api.httpUrl));
      const author: Session = await rests[0]!.member();
      const thread = await rests[0]!.thread(author);

      subscriber = new Redis(stack.redisUrl);
      subscriber.on('message', (_channel: string, payload: string) => {
        events.push(DomainEvent.parse(JSON.parse(payload)));
      });
      await subscriber.subscribe(threadChannel(thread.id));

      const post = (api: number, key: string): Promise<RestResponse> =>
        rests[api]!.call('POST', `/api/messages/thread/${thread.id}`, {
          body: { content: `posted once: ${key}`, client_msg_id: key },
          token: author.token,
        });
      const countReplays = async (): Promise<void> => {
        for (const path of Object.keys(replays) as ReplayPath[]) {
          const name = `idempotent_replays_total{path="${path}"}`;
          const values = await Promise.all(rests.map((rest) => rest.metric(name)));
          replays[path] = values.reduce((sum, value) => sum + value, 0);
        }
      };
      for (let wave = 0; wave < MAX_WAVES; wave += 1) {
        if (keys.length >= IDS && replays.duplicate_key > 0) break;
        const start = keys.length;
        const batch = Array.from({ length: WAVE }, (_, i) => `retry-${start + i + 1}`);
        keys.push(...batch);
        await Promise.all(
          batch.flatMap((key, i) =>
            // Attempt k of message i goes to api (i + k) % 2: every message reaches both replicas.
            Array.from({ length: ATTEMPTS }, async (_, k) => {
              const api = (start + i + k) % 2;
              const sentAt = performance.now();
              const response = await post(api, key);
              const answer: Answer = {
                api,
                status: response.status,
                messageId: (response.body as { id?: unknown } | undefined)?.id,
                replayed: response.headers.get('idempotent-replayed'),
              };
              answers.set(key, [...(answers.get(key) ?? []), answer]);
              const timing = { sentAt, answeredAt: performance.now() };
              timings.set(key, [...(timings.get(key) ?? []), timing]);
            }),
          ),
        );
        await countReplays();
      }

      // Each replica publishes in write order: once a later post's event from each of them is in,
      // any second event of the retried posts would have been published before it.
      await Promise.all([post(0, 'marker-0'), post(1, 'marker-1')]);
      await eventually(() => ['marker-0', 'marker-1'].every((m) => newMessagesWith(m).length > 0), {
        timeoutMs: 10_000,
      });
      stored = await rests[0]!.messages(thread.id);

      const received = keys.filter((key) => newMessagesWith(key).length > 0).length;
      const duplicated = keys.reduce(
        (extra, key) => extra + Math.max(0, newMessagesWith(key).length - 1),
        0,
      );
      process.stdout.write(
        `\n[faults] idempotent retries subscriber: sent=${keys.length} received=${received} ` +
          `missing=${keys.length - received} duplicated=${duplicated} ` +
          `(${keys.length * ATTEMPTS} POSTs over 2 api-services, ${stored.length - 2} messages stored)\n` +
          `[faults] idempotent retries replays: lookup=${replays.lookup} ` +
          `same_batch=${replays.same_batch} duplicate_key=${replays.duplicate_key}\n`,
      );
    }, 120_000);

    afterAll(async () => {
      subscriber?.disconnect();
      await stack?.stop();
    }, 30_000);

    it('has the attempts of each message in flight together, and some settled by the duplicate key', () => {
      for (const key of keys) {
        const got = timings.get(key) ?? [];
        expect(got).toHaveLength(ATTEMPTS);
        const lastSent = Math.max(...got.map((t) => t.sentAt));
        expect({ key, overlapped: lastSent < Math.min(...got.map((t) => t.answeredAt)) }).toEqual({
          key,
          overlapped: true,
        });
      }
      // Every retry is counted once, on one path; some of them on the racing one.
      expect(replays.lookup + replays.same_batch + replays.duplicate_key).toBe(
        keys.length * (ATTEMPTS - 1),
      );
      expect(replays.duplicate_key).toBeGreaterThan(0);
    });

    it('answers every attempt with the same message: one 201, the retries 200 marked as replayed', () => {
      for (const key of keys) {
        const got = answers.get(key) ?? [];
        const first = got.find((answer) => answer.status === 201);
        expect({ key, answers: [...got].sort((a, b) => b.status - a.status) }).toEqual({
          key,
          answers: [
            { api: expect.any(Number), status: 201, messageId: first?.messageId, replayed: null },
            { api: expect.any(Number), status: 200, messageId: first?.messageId, replayed: 'true' },
            { api: expect.any(Number), status: 200, messageId: first?.messageId, replayed: 'true' },
          ],
        });
      }
    });

    // A retry racing in on the other replica can leave a seq unused (the number its losing
    // insert had taken): seqs are increasing and never reused, not gapless.
    it('stores exactly one message per client_msg_id, each with its own increasing seq', () => {
      const perKey = keys.map((key) => stored.filter((m) => m.client_msg_id === key).length);
      expect(perKey).toEqual(keys.map(() => 1));
      const seqs = stored.map((message) => message.seq);
      expect(seqs).toEqual([...new Set(seqs)].sort((a, b) => a - b));
    });

    it('publishes exactly one new_message event per client_msg_id', () => {
      expect(keys.map((key) => newMessagesWith(key).length)).toEqual(keys.map(() => 1));
    });
  },
);
