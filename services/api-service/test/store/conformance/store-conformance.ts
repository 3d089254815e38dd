import { CAPABILITIES, type Capability } from '../../../src/store/capabilities';
import { DuplicateKeyError, type DbId, type DocumentDb } from '../../../src/store/document-db';
import {
  checkAppends,
  checkClaims,
  checkCounter,
  checkDeletes,
  checkKeyRace,
  checkUpdates,
  checkUpserts,
  combine,
} from './checks';
import type { RawDoc, RawOps } from './raw-ops';
import type { Sources } from './sources';
import { conformanceTable, judge, type Measurement, type Row } from './verdict';
import type { Via } from './workloads';

/** An engine as the suite drives it: its own operations and the port, and the racing sources. */
export interface EngineUnderTest {
  raw: RawOps;
  port: DocumentDb;
  sources: Sources;
  close(): Promise<void>;
}

/** Calls per source in each race: a few hundred operations in all, a few seconds on FerretDB. */
const PER_SOURCE = 150;
const CASE_TIMEOUT_MS = 60_000;

type PortDoc = { _id: DbId } & Record<string, unknown>;

/**
 * The MongoDB semantics the repositories may rely on (src/store/capabilities.ts), measured on one
 * engine. A behaviour the engine lacks fails its case unless the engine's declaration says it
 * lacks it; the table of what held is printed once, after the last case. Where the port offers
 * the operation and promises it on every engine (findOneAndDelete, insertMany), the port is
 * checked too, and must hold whatever the engine lacks.
 */
export function storeConformance(open: () => Promise<EngineUnderTest>): void {
  let engine: EngineUnderTest | undefined;
  const rows: Row[] = [];
  let collections = 0;
  const fresh = (name: string) => `conf_${name}_${++collections}`;
  const current = (): EngineUnderTest => {
    if (!engine) throw new Error('the engine is opened in beforeAll');
    return engine;
  };

  beforeAll(async () => {
    engine = await open();
  }, CASE_TIMEOUT_MS);

  afterAll(async () => {
    if (!engine) return;
    const { port, raw, sources } = engine;
    const title = `Store conformance: ${port.engine} (${raw.server}), races from ${sources.label}`;
    process.stdout.write(conformanceTable(title, rows));
    await engine.close();
  });

  /** Records the row; fails when the engine lacks what it is declared to have. */
  function conclude(capability: Capability, measurement: Measurement): void {
    const declared = current().port.capabilities.has(capability);
    const status = judge(declared, measurement.held);
    rows.push({ capability, status, evidence: measurement.evidence });
    if (status === 'lacking') {
      throw new Error(
        `${current().port.engine} lacks ${capability} (${CAPABILITIES[capability]}), ` +
          `which it is declared to have: ${measurement.evidence}`,
      );
    }
  }

  /** Inserts `docs` into `collection` through the engine itself or through the port. */
  async function seed(via: Via, collection: string, docs: RawDoc[]): Promise<void> {
    const { raw, port } = current();
    for (const doc of docs) {
      if (via === 'raw') await raw.insertOne(collection, doc);
      else await port.collection<PortDoc>(collection).insertOne(doc);
    }
  }

  async function stored(via: Via, collection: string): Promise<RawDoc[]> {
    const { raw, port } = current();
    if (via === 'raw') return raw.find(collection, {});
    return (await port.collection<PortDoc>(collection).find({})) as RawDoc[];
  }

  async function updatesVia(via: Via): Promise<Measurement> {
    const collection = fresh(`updates_${via}`);
    await seed(via, collection, [{ _id: 'doc', v: 0, m: 0, list: [] }]);
    const results = await current().sources.run('updates', {
      collection,
      count: PER_SOURCE * 2,
      via,
    });
    return checkUpdates((await stored(via, collection))[0] ?? null, results);
  }

  it(
    'applies concurrent $inc, $set, $push and $max on one document from every source, losing none',
    async () => {
      conclude(
        'atomicSingleDocumentUpdates',
        combine({ engine: await updatesVia('raw'), port: await updatesVia('port') }),
      );
    },
    CASE_TIMEOUT_MS,
  );

  async function findOneAndUpdateVia(via: Via): Promise<Measurement> {
    const counter = fresh(`counter_${via}`);
    await seed(via, counter, [{ _id: 'doc', v: 0 }]);
    const counted = await current().sources.run('counter', {
      collection: counter,
      count: PER_SOURCE,
      via,
    });
    const [doc] = await stored(via, counter);
    const claims = fresh(`claims_${via}`);
    const free = Math.floor(PER_SOURCE * 1.5);
    await seed(
      via,
      claims,
      Array.from({ length: free }, (_, i) => ({ _id: `d${i}`, state: 'free' })),
    );
    const claimed = await current().sources.run('claims', {
      collection: claims,
      count: PER_SOURCE,
      via,
    });
    return combine({
      counter: checkCounter(Number(doc?.v), counted),
      claims: checkClaims(await stored(via, claims), claimed),
    });
  }

  it(
    'gives every concurrent findOneAndUpdate caller its own document: distinct counter values, no document claimed twice',
    async () => {
      conclude(
        'atomicFindOneAndUpdate',
        combine({
          engine: await findOneAndUpdateVia('raw'),
          port: await findOneAndUpdateVia('port'),
        }),
      );
    },
    CASE_TIMEOUT_MS,
  );

  async function deletesVia(via: Via, documents: number, perSource: number): Promise<Measurement> {
    const collection = fresh(`deletes_${via}`);
    const docs = Array.from({ length: documents }, (_, i) => ({ _id: `d${i}`, group: 'q' }));
    await seed(via, collection, docs);
    const results = await current().sources.run('deletes', { collection, count: perSource, via });
    return checkDeletes(documents, (await stored(via, collection)).length, results);
  }

  it(
    'hands each document to one of the concurrent findOneAndDelete callers, and a lone one to exactly one',
    async () => {
      const port = combine({
        many: await deletesVia('port', PER_SOURCE, PER_SOURCE),
        lone: await deletesVia('port', 1, 20),
      });
      const engineOwn = current().raw.findOneAndDelete
        ? combine({
            many: await deletesVia('raw', PER_SOURCE, PER_SOURCE),
            lone: await deletesVia('raw', 1, 20),
          })
        : { held: false, evidence: 'no such operation' };
      conclude(
        'atomicFindOneAndDelete',
        combine({ engine: engineOwn, 'port (find, then delete by _id)': port }),
      );
      // The port promises this on every engine, whatever the engine lacks.
      expect(port.held ? 'held' : port.evidence).toBe('held');
    },
    CASE_TIMEOUT_MS,
  );

  it(
    'lets a unique index arbitrate racing inserts: one insert per key wins, appended seqs have no gap or duplicate',
    async () => {
      const { raw, port, sources } = current();
      const race = fresh('key_race');
      await raw.createIndex(race, { key: 1 }, true);
      const raced = await sources.run('keyRace', { collection: race, count: PER_SOURCE });
      const keyRace = checkKeyRace(PER_SOURCE, (await raw.find(race, {})).length, raced);

      const log = fresh('appends');
      await port
        .collection<PortDoc>(log)
        .ensureIndexes([{ name: 'seq_unique', key: { seq: 1 }, unique: true }]);
      const appended = await sources.run('appends', { collection: log, appenders: 4, each: 25 });
      const seqs = (await stored('port', log)).map((doc) => Number(doc.seq));
      conclude(
        'uniqueIndexInserts',
        combine({ 'engine key race': keyRace, 'port append': checkAppends(seqs, appended) }),
      );
    },
    CASE_TIMEOUT_MS,
  );

  it(
    'inserts one document when upserts of a key race on a unique index, and updates it for the others',
    async () => {
      const { raw, sources } = current();
      const collection = fresh('upserts');
      await raw.createIndex(collection, { key: 1 }, true);
      const results = await sources.run('upserts', { collection, count: PER_SOURCE });
      const keys = (await raw.find(collection, {})).map((doc) => Number(doc.key));
      conclude('upsertOnUniqueIndex', checkUpserts(PER_SOURCE, keys, results));
    },
    CASE_TIMEOUT_MS,
  );

  it('stops an ordered insertMany at the first duplicate, keeping those before it', async () => {
    const { raw, port } = current();
    let id = 0;
    const batch = (keys: string[]) => keys.map((key) => ({ _id: `d${++id}`, key }));
    const own = fresh('insert_many');
    await raw.createIndex(own, { key: 1 }, true);
    await raw.insertMany(own, batch(['a', 'b']));
    const { written } = await raw.insertMany(own, batch(['c', 'd', 'a', 'e']));
    const ownKeys = (await raw.find(own, {})).map((doc) => String(doc.key)).sort();

    const viaPort = port.collection<PortDoc>(fresh('insert_many_port'));
    await viaPort.ensureIndexes([{ name: 'key_unique', key: { key: 1 }, unique: true }]);
    await viaPort.insertMany(batch(['a', 'b']));
    const error: unknown = await viaPort
      .insertMany(batch(['c', 'd', 'a', 'e']))
      .catch((e: unknown) => e);
    const portInserted = error instanceof DuplicateKeyError ? error.inserted : null;
    const portKeys = (await viaPort.find({})).map((doc) => String(doc.key)).sort();

    const expected = 'a,b,c,d';
    conclude('orderedInsertManyStopsAtFirstDuplicate', {
      held: written === 2 && ownKeys.join() === expected,
      evidence:
        `[c,d,a,e] after [a,b]: engine wrote ${written}, holds ${ownKeys.join('')}; ` +
        `port said ${portInserted ?? 'no DuplicateKeyError'}, holds ${portKeys.join('')}`,
    });
    // The port promises this on every engine, whatever the engine lacks.
    expect({ portInserted, portKeys: portKeys.join() }).toEqual({
      portInserted: 2,
      portKeys: expected,
    });
  });

  it('serves a $in on an indexed field from the index', async () => {
    const { raw } = current();
    if (!raw.explain) {
      conclude('indexedIn', { held: null, evidence: 'no explain: taken from the declaration' });
      return;
    }
    const collection = fresh('indexed_in');
    await raw.createIndex(collection, { k: 1 }, false);
    await raw.insertMany(
      collection,
      Array.from({ length: 200 }, (_, i) => ({ _id: `d${i}`, k: `k${i}` })),
    );
    const { indexed, plan } = await raw.explain(collection, { k: { $in: ['k3', 'k50', 'k150'] } });
    conclude('indexedIn', { held: indexed, evidence: `explain: ${plan}` });
  });

  it('commits or aborts a multi-document transaction as one', async () => {
    const { raw } = current();
    if (!raw.transaction) {
      conclude('transactions', { held: false, evidence: 'no transactions API' });
      return;
    }
    const [left, right] = [fresh('txn_left'), fresh('txn_right')];
    const pair = (tag: string) => [
      { collection: left, doc: { _id: tag } },
      { collection: right, doc: { _id: tag } },
    ];
    try {
      await raw.transaction(pair('aborted'), 'abort');
      await raw.transaction(pair('committed'), 'commit');
    } catch (error) {
      conclude('transactions', { held: false, evidence: `refused: ${String(error)}` });
      return;
    }
    const ids = async (collection: string) =>
      (await raw.find(collection, {})).map((d) => d._id).join();
    const [l, r] = [await ids(left), await ids(right)];
    conclude('transactions', {
      held: l === 'committed' && r === 'committed',
      evidence: `after abort + commit the two collections hold [${l}] and [${r}]`,
    });
  });
}
