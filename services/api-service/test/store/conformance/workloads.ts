import { DuplicateKeyError, idToHex, type DbId } from '../../../src/store/document-db';
import type { RawDoc, RawUpdate, SourceContext } from './raw-ops';

/**
 * What each source runs, its calls overlapping: in a child process of its own on a server engine,
 * side by side in this process on the embedded one. Results are plain data (they
 * cross the IPC channel); the suite checks them against what the store holds afterwards.
 */

/** The engine's own operation or the port's method that rests on it. */
export type Via = 'raw' | 'port';

interface PortDoc {
  _id: DbId;
  [field: string]: unknown;
}

const message = (error: unknown): string =>
  error instanceof Error ? error.message : JSON.stringify(error);

/**
 * Calls in flight per source. FerretDB 1.x (SQLite) keeps a query's connection, one of 100 per
 * database, while its write waits for a second one: ~100 concurrent updates of one database
 * deadlock it, and creating an index or collection there then hangs the whole server (measured:
 * 250 findOneAndUpdate at once from one client). Two sources × 20 stay well below that, and are
 * still a race: FerretDB loses most updates at this level.
 */
const IN_FLIGHT = 20;

/**
 * Runs `count` calls of `call`, `IN_FLIGHT` at a time, each started as soon as one finishes; the
 * rejections are kept as messages, not thrown.
 */
async function concurrently<T>(
  count: number,
  call: (i: number) => Promise<T>,
): Promise<{ values: (T | undefined)[]; errors: string[] }> {
  const errors: string[] = [];
  const values: (T | undefined)[] = new Array<T | undefined>(count);
  let next = 0;
  const runner = async (): Promise<void> => {
    for (let i = next++; i < count; i = next++) {
      values[i] = await call(i).catch((error: unknown) => {
        errors.push(message(error));
        return undefined;
      });
    }
  };
  await Promise.all(Array.from({ length: Math.min(IN_FLIGHT, count) }, runner));
  return { values, errors };
}

export type UpdateKind = 'inc' | 'set' | 'push' | 'max';

export interface UpdatesResult {
  /** Per kind, the acknowledged calls: a `$set` field, a `$push`ed tag, a `$max` value. */
  acked: Record<UpdateKind, (string | number)[]>;
  errors: string[];
}

/**
 * `count` updates of the document `doc`, cycling through $inc, $set of a field of its own,
 * $push of a tag of its own and $max of a random value (the port has no $push).
 */
async function updates(
  { raw, port, source }: SourceContext,
  { collection, count, via }: { collection: string; count: number; via: Via },
): Promise<UpdatesResult> {
  const kinds: UpdateKind[] = via === 'raw' ? ['inc', 'set', 'push', 'max'] : ['inc', 'set', 'max'];
  const acked: UpdatesResult['acked'] = { inc: [], set: [], push: [], max: [] };
  const { errors } = await concurrently(count, async (i) => {
    const kind = kinds[i % kinds.length]!;
    const tag = `s${source}_${i}`;
    const value = Math.floor(Math.random() * 1e9);
    const update: Record<UpdateKind, RawUpdate> = {
      inc: { $inc: { v: 1 } },
      set: { $set: { [tag]: true } },
      push: { $push: { list: tag } },
      max: { $max: { m: value } },
    };
    if (via === 'raw') await raw.updateOne(collection, { _id: 'doc' }, update[kind]);
    else {
      await port.collection<PortDoc>(collection).findOneAndUpdate({ _id: 'doc' }, update[kind]);
    }
    acked[kind].push(kind === 'max' ? value : tag);
  });
  return { acked, errors };
}

/**
 * `count` `$inc`s of `v` on the document `doc` through findOneAndUpdate, each returning `v` as
 * it is after its own increment (every other raw call asks for the document before it, where
 * the engine can return it).
 */
async function counter(
  { raw, port }: SourceContext,
  { collection, count, via }: { collection: string; count: number; via: Via },
): Promise<{ after: number[]; errors: string[] }> {
  const { values, errors } = await concurrently(count, async (i) => {
    const update = { $inc: { v: 1 } };
    if (via === 'port') {
      const doc = await port
        .collection<PortDoc>(collection)
        .findOneAndUpdate({ _id: 'doc' }, update);
      return Number(doc?.v);
    }
    const before = raw.returnsBefore && i % 2 === 1;
    const doc = await raw.findOneAndUpdate(
      collection,
      { _id: 'doc' },
      update,
      before ? 'before' : 'after',
    );
    return Number(doc?.v) + (before ? 1 : 0);
  });
  return { after: values.filter((v): v is number => v !== undefined), errors };
}

/**
 * `count` callers each claim one `free` document by findOneAndUpdate on the field it changes: a
 * compare-and-set, so no document may be claimed twice.
 */
async function claims(
  { raw, port, source }: SourceContext,
  { collection, count, via }: { collection: string; count: number; via: Via },
): Promise<{ claimed: { id: string; by: string }[]; none: number; errors: string[] }> {
  const { values, errors } = await concurrently(count, async (i) => {
    const by = `s${source}_${i}`;
    const filter = { state: 'free' };
    const update = { $set: { state: 'taken', by } };
    const doc =
      via === 'raw'
        ? await raw.findOneAndUpdate(collection, filter, update, 'after')
        : await port.collection<PortDoc>(collection).findOneAndUpdate(filter, update);
    return doc ? { id: idToHex(doc._id), by: String(doc.by) } : null;
  });
  const claimed = values.filter((v): v is { id: string; by: string } => !!v);
  return { claimed, none: values.filter((v) => v === null).length, errors };
}

/** `count` findOneAndDelete calls on one filter: the ids each got (null: nothing left). */
async function deletes(
  { raw, port }: SourceContext,
  { collection, count, via }: { collection: string; count: number; via: Via },
): Promise<{ got: (string | null)[]; errors: string[] }> {
  const { values, errors } = await concurrently(count, async () => {
    const filter = { group: 'q' };
    if (via === 'raw') {
      if (!raw.findOneAndDelete) throw new Error('the engine has no findOneAndDelete');
      const doc = await raw.findOneAndDelete(collection, filter);
      return doc ? idToHex(doc._id) : null;
    }
    const doc = await port.collection<PortDoc>(collection).findOneAndDelete(filter);
    return doc ? idToHex(doc._id) : null;
  });
  return { got: values.filter((v) => v !== undefined), errors };
}

/**
 * `appenders` loops, each appending `each` documents through the port: read the highest seq,
 * insert seq + 1, and on a duplicate key read again (a unique index on `seq` arbitrates).
 */
async function appends(
  { port, source }: SourceContext,
  { collection, appenders, each }: { collection: string; appenders: number; each: number },
): Promise<{ seqs: number[]; retries: number; errors: string[] }> {
  const items = port.collection<PortDoc & { seq: number }>(collection);
  const seqs: number[] = [];
  let retries = 0;
  const { errors } = await concurrently(appenders, async (loop) => {
    for (let n = 0; n < each; n++) {
      for (;;) {
        const [last] = await items.find({}, { sort: { seq: -1 }, limit: 1 });
        const seq = (last?.seq ?? 0) + 1;
        try {
          await items.insertOne({ _id: `s${source}_${loop}_${n}`, seq });
          seqs.push(seq);
          break;
        } catch (error) {
          if (!(error instanceof DuplicateKeyError)) throw error;
          retries += 1;
        }
      }
    }
  });
  return { seqs, retries, errors };
}

/** Inserts keys 0 … count-1 (unique index on `key`) at once: the keys whose insert succeeded. */
async function keyRace(
  { raw, source }: SourceContext,
  { collection, count }: { collection: string; count: number },
): Promise<{ won: number[]; duplicates: number; errors: string[] }> {
  let duplicates = 0;
  const { values, errors } = await concurrently(count, async (key) => {
    const doc: RawDoc = { _id: `s${source}_${key}`, key };
    try {
      await raw.insertOne(collection, doc);
      return key;
    } catch (error) {
      if (!(error instanceof DuplicateKeyError)) throw error;
      duplicates += 1;
      return undefined;
    }
  });
  return { won: values.filter((v): v is number => v !== undefined), duplicates, errors };
}

/**
 * Upserts keys 0 … count-1 (unique index on `key`) at once, every source the same keys: which
 * keys this source inserted, and which got a duplicate-key error instead of an update.
 */
async function upserts(
  { raw }: SourceContext,
  { collection, count }: { collection: string; count: number },
): Promise<{ inserted: number[]; duplicates: number[]; errors: string[] }> {
  const inserted: number[] = [];
  const duplicates: number[] = [];
  const { errors } = await concurrently(count, async (key) => {
    try {
      const { upserted } = await raw.updateOne(
        collection,
        { key },
        { $set: { touched: true } },
        { upsert: true },
      );
      if (upserted) inserted.push(key);
    } catch (error) {
      if (!(error instanceof DuplicateKeyError)) throw error;
      duplicates.push(key);
    }
  });
  return { inserted, duplicates, errors };
}

export const WORKLOADS = { updates, counter, claims, deletes, appends, keyRace, upserts };

export type Workloads = typeof WORKLOADS;
export type WorkloadName = keyof Workloads;
export type WorkloadParams<K extends WorkloadName> = Parameters<Workloads[K]>[1];
export type WorkloadResult<K extends WorkloadName> = Awaited<ReturnType<Workloads[K]>>;

export function runWorkload<K extends WorkloadName>(
  name: K,
  context: SourceContext,
  params: WorkloadParams<K>,
): Promise<WorkloadResult<K>> {
  const workload = WORKLOADS[name] as (
    context: SourceContext,
    params: WorkloadParams<K>,
  ) => Promise<WorkloadResult<K>>;
  return workload(context, params);
}
