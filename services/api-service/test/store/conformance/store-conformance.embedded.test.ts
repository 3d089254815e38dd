import { NedbDocumentDb } from '../../../src/store/embedded/nedb-document-db';
import { NedbRawOps } from './nedb-raw-ops';
import { InProcessSources } from './sources';
import { storeConformance } from './store-conformance';

/** The embedded store lives in one process: its races are two callers on one event loop. */
describe('store conformance on the embedded store (NeDB), from one process', () => {
  storeConformance(async () => {
    const raw = new NedbRawOps();
    const port = await NedbDocumentDb.open();
    const sources = new InProcessSources([
      { raw, port, source: 0 },
      { raw, port, source: 1 },
    ]);
    return { raw, port, sources, close: () => port.close() };
  });
});
