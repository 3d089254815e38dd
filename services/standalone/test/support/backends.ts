import { backendUrl, uniqueDbName } from '@communities/test-support';
import { MongoClient } from 'mongodb';

/**
 * The store settings of an api under test: a database of its own on MONGO_URL when this run has
 * one, else the embedded store. `drop()` removes that database afterwards.
 */
export interface StoreEnv {
  env: Record<string, string>;
  kind: 'mongodb' | 'embedded';
  drop(): Promise<void>;
}

export function mongoStoreEnv(prefix: string): StoreEnv {
  const url = backendUrl('MONGO_URL');
  if (!url) throw new Error('MONGO_URL is not set');
  const dbName = uniqueDbName(prefix);
  return {
    env: { MONGO_URL: url, MONGO_DB_NAME: dbName },
    kind: 'mongodb',
    drop: async () => {
      const client = await MongoClient.connect(url);
      try {
        await client.db(dbName).dropDatabase();
      } finally {
        await client.close();
      }
    },
  };
}

/** MONGO_URL when set, else the embedded store kept in memory. */
export function storeEnv(prefix: string): StoreEnv {
  if (backendUrl('MONGO_URL')) return mongoStoreEnv(prefix);
  return { env: { EMBEDDED_IN_MEMORY: 'true' }, kind: 'embedded', drop: () => Promise.resolve() };
}
