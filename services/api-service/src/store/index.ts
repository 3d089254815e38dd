import type { Logger } from 'pino';
import { ALL_CAPABILITIES, type Capability } from './capabilities';
import type { DocumentDb } from './document-db';
import { NedbDocumentDb } from './embedded/nedb-document-db';
import { MongoDocumentDb } from './mongo/mongo-document-db';

export * from './document-db';
export * from './capabilities';
export { MongoDocumentDb } from './mongo/mongo-document-db';
export { NedbDocumentDb } from './embedded/nedb-document-db';

export type StoreSettings =
  | { kind: 'mongodb'; url: string; dbName?: string | undefined }
  | { kind: 'embedded'; dataDir?: string | undefined };

/** Opens the configured engine: MongoDB when a URL is given, else the embedded store. */
export async function openDocumentDb(settings: StoreSettings, logger: Logger): Promise<DocumentDb> {
  if (settings.kind === 'mongodb') {
    const db = await MongoDocumentDb.connect(settings.url, settings.dbName);
    logger.info({ store: 'mongodb', engine: db.engine, lacking: lackingOf(db) }, 'store ready');
    return db;
  }
  const db = await NedbDocumentDb.open({ dataDir: settings.dataDir, logger });
  logger.info(
    { store: 'embedded', lacking: lackingOf(db), data_dir: settings.dataDir ?? '(memory only)' },
    'store ready',
  );
  return db;
}

/** The capabilities the engine lacks: logged at start so that a stand-in's limits are visible. */
function lackingOf(db: DocumentDb): Capability[] {
  return ALL_CAPABILITIES.filter((capability) => !db.capabilities.has(capability));
}
