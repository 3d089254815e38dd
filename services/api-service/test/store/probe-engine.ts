/**
 * Prints, as JSON, the engine and capabilities the Mongo adapter declares for the server at the
 * URL given as the only argument: what `MongoDocumentDb.connect` detects, so tests that decide at
 * collection time read the same declaration the running service does.
 */
import { MongoDocumentDb } from '../../src/store/mongo/mongo-document-db';

async function main(): Promise<void> {
  const db = await MongoDocumentDb.connect(process.argv[2]!);
  try {
    process.stdout.write(JSON.stringify({ engine: db.engine, capabilities: [...db.capabilities] }));
  } finally {
    await db.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
