import { ObjectId } from 'mongodb';
import { alternativesOf, MAX_ALTERNATIVES, union } from './alternatives';

describe('alternativesOf', () => {
  it('splits one $in into one equality query per value, keeping the other fields', () => {
    expect(alternativesOf({ thread_id: 't', author: { $in: ['a', 'b'] } })).toEqual([
      { thread_id: 't', author: 'a' },
      { thread_id: 't', author: 'b' },
    ]);
  });

  it('splits an $or of equality filters into its branches', () => {
    const branches = [
      { author: 'a', key: '1' },
      { author: 'b', key: '2', _id: new ObjectId() },
    ];
    expect(alternativesOf({ $or: branches })).toEqual(branches);
  });

  it('leaves every other filter to the server', () => {
    expect(alternativesOf({ author: 'a' })).toBeUndefined();
    expect(alternativesOf({ a: { $in: [1] }, b: { $in: [2] } })).toBeUndefined();
    expect(alternativesOf({ a: { $in: [1] }, b: { $gt: 2 } })).toBeUndefined();
    expect(alternativesOf({ $or: [{ a: { $gt: 1 } }] })).toBeUndefined();
    expect(alternativesOf({ $or: [{ a: 1 }], b: 2 })).toBeUndefined();
    const many = Array.from({ length: MAX_ALTERNATIVES + 1 }, (_, i) => i);
    expect(alternativesOf({ a: { $in: many } })).toBeUndefined();
  });
});

describe('union', () => {
  it('answers each document once, sorted as asked', () => {
    const [x, y, z] = [
      { _id: 'x', n: 3 },
      { _id: 'y', n: 1 },
      { _id: 'z', n: 2 },
    ];
    expect(
      union(
        [
          [x, y],
          [y, z],
        ],
        { n: 1 },
      ),
    ).toEqual([y, z, x]);
    expect(union([[x], [z]], { n: -1 })).toEqual([x, z]);
  });
});
