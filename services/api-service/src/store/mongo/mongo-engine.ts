import type { Db } from 'mongodb';
import { declaredCapabilities, type Capability } from '../capabilities';

export interface MongoEngine {
  engine: 'mongodb' | 'ferretdb';
  capabilities: ReadonlySet<Capability>;
}

/**
 * Which engine answers on the MongoDB wire protocol, from its `buildInfo` (FerretDB adds a
 * `ferretdbVersion`) and `hello` (a replica set member names its set, a mongos says `isdbgrid`).
 */
export function mongoEngineOf(
  buildInfo: Record<string, unknown>,
  hello: Record<string, unknown>,
): MongoEngine {
  const engine = 'ferretdbVersion' in buildInfo ? 'ferretdb' : 'mongodb';
  const replicaSet = typeof hello.setName === 'string' || hello.msg === 'isdbgrid';
  return { engine, capabilities: declaredCapabilities(engine, { replicaSet }) };
}

/** Asks the server `db` is on which engine it is. */
export async function detectMongoEngine(db: Db): Promise<MongoEngine> {
  const admin = db.admin();
  const [buildInfo, hello] = await Promise.all([
    admin.command({ buildInfo: 1 }),
    admin.command({ hello: 1 }),
  ]);
  return mongoEngineOf(buildInfo, hello);
}
