import { backendUrl, describeWithBackend, uniqueDbName } from '@communities/test-support';
import { MongoDocumentDb } from '../../../src/store/mongo/mongo-document-db';
import { mongoServer } from '../mongo-server';
import { MongoRawOps } from './mongo-raw-ops';
import { ProcessSources } from './sources';
import { storeConformance } from './store-conformance';

/**
 * The server at MONGO_URL (FerretDB here and in CI, MongoDB from testcontainers where a Docker
 * engine runs), raced from two OS processes with their own connections, as two api-service
 * replicas would.
 */
const url = backendUrl('MONGO_URL');
const server = url ? mongoServer(url).server : 'MongoDB';

describeWithBackend('MONGO_URL')(`store conformance on ${server}, from two processes`, () => {
  storeConformance(async () => {
    const dbName = uniqueDbName('conformance');
    const raw = await MongoRawOps.connect(url!, dbName);
    const port = await MongoDocumentDb.connect(url!, dbName);
    const sources = await ProcessSources.start(url!, dbName, 2);
    return {
      raw,
      port,
      sources,
      close: async () => {
        await sources.close();
        await port.dropDatabase();
        await Promise.all([port.close(), raw.close()]);
      },
    };
  });
});
