import { DuplicateKeyError, idToHex, type DbId } from '../../../src/store/document-db';
import { ensureIndexes } from '../../../src/store/repositories';
import {
  concurrently,
  countOf,
  createMember,
  expectAppError,
  hexId,
  useStore,
  type OpenStore,
} from './fixtures';

interface Item {
  _id: DbId;
  key: string;
  group: string;
  n: number;
}

export function engineContract(open: OpenStore): void {
  const store = useStore(open);
  const items = () => store().db.collection<Item>('contract_items');
  const item = (key: string, group = 'g', n = 0): Item => ({
    _id: store().db.newId(),
    key,
    group,
    n,
  });

  it('creates the indexes again without error, and they still hold', async () => {
    const { repos } = store();
    await ensureIndexes(repos);
    await ensureIndexes(repos);
    await createMember(repos, { username: 'ada' });
    await expectAppError(createMember(repos, { username: 'ADA' }), 'USERNAME_TAKEN');
  });

  it('enforces a unique index on insert and on update with DuplicateKeyError', async () => {
    const collection = items();
    const spec = [{ name: 'key_unique', key: { key: 1 as const }, unique: true }];
    await collection.ensureIndexes(spec);
    await collection.ensureIndexes(spec);
    await collection.insertOne(item('a'));
    const b = item('b');
    await collection.insertOne(b);
    await expect(collection.insertOne(item('a'))).rejects.toBeInstanceOf(DuplicateKeyError);
    await expect(
      collection.findOneAndUpdate({ _id: b._id }, { $set: { key: 'a' } }),
    ).rejects.toBeInstanceOf(DuplicateKeyError);
    expect(await collection.count({})).toBe(2);
    expect((await collection.findOne({ _id: b._id }))?.key).toBe('b');
  });

  it('inserts many in order and stops at the first duplicate, saying how many it wrote', async () => {
    const collection = items();
    await collection.ensureIndexes([{ name: 'key_unique', key: { key: 1 }, unique: true }]);
    await collection.insertMany([]);
    await collection.insertMany([item('a'), item('b')]);
    const error: unknown = await collection
      .insertMany([item('c'), item('d'), item('a'), item('e')])
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DuplicateKeyError);
    expect((error as DuplicateKeyError).inserted).toBe(2);
    const keys = (await collection.find({}, { sort: { key: 1 } })).map((doc) => doc.key);
    expect(keys).toEqual(['a', 'b', 'c', 'd']);
  });

  it('returns the updated document from findOneAndUpdate, or null when nothing matches', async () => {
    const collection = items();
    const doc = item('a', 'g', 1);
    await collection.insertOne(doc);
    const updated = await collection.findOneAndUpdate(
      { _id: doc._id },
      { $inc: { n: 2 }, $set: { group: 'h' } },
    );
    expect(updated).toMatchObject({ key: 'a', group: 'h', n: 3 });
    expect(idToHex(updated!._id)).toBe(idToHex(doc._id));
    expect(await collection.findOneAndUpdate({ key: 'missing' }, { $inc: { n: 1 } })).toBeNull();
  });

  it('gives a document to exactly one of many concurrent findOneAndDelete calls', async () => {
    const collection = items();
    const doc = item('only');
    await collection.insertOne(doc);
    const results = await concurrently(10, () => collection.findOneAndDelete({ key: 'only' }));
    const winners = results.filter((r) => r !== null);
    expect(winners).toHaveLength(1);
    expect(idToHex(winners[0]!._id)).toBe(idToHex(doc._id));
    expect(countOf(results, null)).toBe(9);
    expect(await collection.count({})).toBe(0);
  });

  it('hands each matching document to one caller when concurrent deletes share a filter', async () => {
    const collection = items();
    for (let i = 0; i < 8; i++) await collection.insertOne(item(`k${i}`, 'batch'));
    await collection.insertOne(item('other', 'kept'));
    const results = await concurrently(8, () => collection.findOneAndDelete({ group: 'batch' }));
    const keys = results.map((r) => r?.key);
    expect(keys.every((k) => k !== undefined)).toBe(true);
    expect(new Set(keys).size).toBe(8);
    expect(await collection.count({})).toBe(1);
    expect(await collection.findOneAndDelete({ group: 'batch' })).toBeNull();
  });

  it('finds with sort and limit, counts, and deletes many', async () => {
    const collection = items();
    for (const [key, n] of [
      ['c', 2],
      ['a', 3],
      ['b', 1],
      ['d', 3],
    ] as const) {
      await collection.insertOne(item(key, n === 3 ? 'three' : 'g', n));
    }
    const sorted = await collection.find({}, { sort: { n: -1, key: 1 }, limit: 3 });
    expect(sorted.map((d) => d.key)).toEqual(['a', 'd', 'c']);
    expect(await collection.count({ n: { $gte: 2 } })).toBe(3);
    expect(await collection.deleteMany({ group: 'three' })).toBe(2);
    expect(await collection.deleteMany({ group: 'three' })).toBe(0);
    expect(await collection.count({})).toBe(2);
  });

  it('converts ids between hex and the engine form', async () => {
    const { db } = store();
    const hex = hexId();
    expect(idToHex(db.toId(hex))).toBe(hex);
    expect(idToHex(db.newId())).toMatch(/^[0-9a-f]{24}$/);
    await expect(db.ping()).resolves.toBeUndefined();
  });
}
