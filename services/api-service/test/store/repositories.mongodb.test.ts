import { backendUrl, describeWithBackend } from '@communities/test-support';
import { openStore } from '../support/api-harness';
import { mongoServerTraits } from './mongo-server';
import { repositoryContract } from './repositories.contract';

const url = backendUrl('MONGO_URL');
const traits = url ? mongoServerTraits(url) : { atomicUpdates: true, server: 'MongoDB' };
const limits = traits.atomicUpdates ? '' : ' (no atomic single-document updates: those tests skip)';

describeWithBackend('MONGO_URL')(`repositories on ${traits.server}${limits}`, () => {
  repositoryContract(() => openStore('mongodb'), traits);
});
