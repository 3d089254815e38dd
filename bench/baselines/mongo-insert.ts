/**
 * Baseline, written for the benchmark only: the MongoDB driver alone (the same `mongodb` copy the
 * api-service uses) making COUNT `insertOne` calls, CONCURRENCY at a time, of documents shaped like
 * the api-service's messages, into a collection with the same indexes as its `messages` collection
 * (copied from SOURCE_COLLECTION). Index creation and a short warm-up are not timed. Reports
 * `{ inserted, elapsedMs, cpuUs }` (its own CPU time over the timed loop) over IPC and exits.
 *
 * Env: MONGO_URL, MONGO_DB_NAME, SOURCE_COLLECTION, COUNT, CONCURRENCY, CONTENT.
 */
import { performance } from 'node:perf_hooks';
import { MongoClient, ObjectId } from 'mongodb';

async function main(): Promise<{ inserted: number; elapsedMs: number; cpuUs: number }> {
  const url = process.env.MONGO_URL ?? 'mongodb://127.0.0.1:27017/';
  const count = Number(process.env.COUNT ?? 1000);
  const concurrency = Number(process.env.CONCURRENCY ?? 16);
  const content = process.env.CONTENT ?? 'hello';
  const client = new MongoClient(url, { serverSelectionTimeoutMS: 5000, appName: 'bench-driver' });
  await client.connect();
  const db = client.db(process.env.MONGO_DB_NAME);
  const target = db.collection('driver_messages');
  const source = process.env.SOURCE_COLLECTION;
  if (source) {
    const indexes = (await db.collection(source).listIndexes().toArray()) as {
      name: string;
      key: Record<string, 1 | -1>;
      unique?: boolean;
    }[];
    for (const index of indexes) {
      if (index.name === '_id_') continue;
      await target.createIndex(index.key, { name: index.name, unique: index.unique === true });
    }
  }
  const threadId = new ObjectId().toHexString();
  const communityId = new ObjectId().toHexString();
  const author = new ObjectId().toHexString();
  const insertOne = () =>
    target.insertOne({
      _id: new ObjectId(),
      thread_id: threadId,
      community_id: communityId,
      content,
      author,
      created_at: new Date(),
      edited_at: null,
      is_edited: false,
      reply_to: null,
      attachments: [],
    });
  const run = async (total: number): Promise<void> => {
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < total) {
        next += 1;
        await insertOne();
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, total) }, worker));
  };
  await run(Math.min(200, count)); // warm-up: connections, JIT; not timed
  const started = performance.now();
  const cpu = process.cpuUsage();
  await run(count);
  const elapsedMs = performance.now() - started;
  const used = process.cpuUsage(cpu);
  await client.close();
  return { inserted: count, elapsedMs, cpuUs: used.user + used.system };
}

main().then(
  (result) => {
    if (process.send) process.send(result, () => process.exit(0));
    else console.log(JSON.stringify(result));
  },
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
