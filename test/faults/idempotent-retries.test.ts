import { DomainEvent, threadChannel, type Message } from '@communities/contracts';
import { eventually } from '@communities/test-support';
import { Redis } from 'ioredis';
import { FaultStack, describeFaults } from './support/fault-stack';
import { Rest, type RestResponse, type Session } from './support/rest';

/** Distinct messages, each posted ATTEMPTS times at once; WAVE of them in flight together. */
const IDS = 30;
const ATTEMPTS = 3;
const WAVE = 10;

interface Answer {
  api: number;
  status: number;
  messageId: unknown;
  replayed: string | null;
}

describeFaults()(
  'every POST retried 3 times at once with the same client_msg_id, across two api-services',
  () => {
    let stack: FaultStack | undefined;
    let subscriber: Redis | undefined;
    let stored: Message[];
    /** The `new_message` events published on the thread, in order, as a Redis subscriber saw them. */
    const events: DomainEvent[] = [];
    const answers = new Map<string, Answer[]>();
    const keys = Array.from({ length: IDS }, (_, i) => `retry-${i + 1}`);

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
      for (let start = 0; start < IDS; start += WAVE) {
        await Promise.all(
          keys.slice(start, start + WAVE).flatMap((key, i) =>
            // Attempt k of message i goes to api (i + k) % 2: every message reaches both replicas.
            Array.from({ length: ATTEMPTS }, async (_, k) => {
              const api = (start + i + k) % 2;
              const response = await post(api, key);
              const answer: Answer = {
                api,
                status: response.status,
                messageId: (response.body as { id?: unknown } | undefined)?.id,
                replayed: response.headers.get('idempotent-replayed'),
              };
              answers.set(key, [...(answers.get(key) ?? []), answer]);
            }),
          ),
        );
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
        `\n[faults] idempotent retries subscriber: sent=${IDS} received=${received} ` +
          `missing=${IDS - received} duplicated=${duplicated} ` +
          `(${IDS * ATTEMPTS} POSTs over 2 api-services, ${stored.length - 2} messages stored)\n`,
      );
    }, 120_000);

    afterAll(async () => {
      subscriber?.disconnect();
      await stack?.stop();
    }, 30_000);

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
