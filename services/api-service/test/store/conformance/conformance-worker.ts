/**
 * A conformance source of its own: a child process (forked by ProcessSources, run through tsx)
 * with its own connections to the server, running the workloads its parent asks for. Usage:
 * `conformance-worker.ts <mongo url> <database> <source number>`. It exits when its parent
 * closes the IPC channel, or is gone.
 */
import { MongoDocumentDb } from '../../../src/store/mongo/mongo-document-db';
import { MongoRawOps } from './mongo-raw-ops';
import type { WorkerReply, WorkerRequest } from './sources';
import { runWorkload } from './workloads';

async function main(): Promise<void> {
  const [url, dbName, source] = process.argv.slice(2);
  if (!url || !dbName || source === undefined) throw new Error('usage: <url> <database> <source>');
  const raw = await MongoRawOps.connect(url, dbName);
  const port = await MongoDocumentDb.connect(url, dbName);
  const context = { raw, port, source: Number(source) };
  const reply = (message: WorkerReply): void => {
    process.send?.(message);
  };

  process.on('message', (request: WorkerRequest) => {
    runWorkload(request.name, context, request.params as never).then(
      (result) => reply({ id: request.id, result }),
      (error: unknown) => reply({ id: request.id, error: String(error) }),
    );
  });
  process.once('disconnect', () => {
    void Promise.all([raw.close(), port.close()]).finally(() => process.exit(0));
  });
  reply({ ready: true });
}

main().catch((error: unknown) => {
  process.stderr.write(`conformance worker failed: ${String(error)}\n`);
  process.exit(1);
});
