import { ALL_CAPABILITIES } from '../capabilities';
import { mongoEngineOf } from './mongo-engine';

describe('telling the engine behind a MongoDB URL', () => {
  it('takes a server whose buildInfo has a ferretdbVersion for FerretDB, without the capabilities it lacks', () => {
    const { engine, capabilities } = mongoEngineOf(
      { version: '7.0.42', ferretdbVersion: 'v1.24.2' },
      { isWritablePrimary: true },
    );
    expect(engine).toBe('ferretdb');
    expect(capabilities.has('uniqueIndexInserts')).toBe(true);
    expect(capabilities.has('atomicSingleDocumentUpdates')).toBe(false);
  });

  it('declares every capability for MongoDB on a replica set or behind a mongos', () => {
    for (const hello of [{ setName: 'rs0' }, { msg: 'isdbgrid' }]) {
      const { engine, capabilities } = mongoEngineOf({ version: '7.0.14' }, hello);
      expect(engine).toBe('mongodb');
      expect([...capabilities].sort()).toEqual([...ALL_CAPABILITIES].sort());
    }
  });

  it('declares a standalone MongoDB server without transactions only', () => {
    const { capabilities } = mongoEngineOf({ version: '7.0.14' }, { isWritablePrimary: true });
    expect(ALL_CAPABILITIES.filter((c) => !capabilities.has(c))).toEqual(['transactions']);
  });
});
