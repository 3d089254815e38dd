import { backendUrl, describeWithBackend } from '@communities/test-support';
import { openStore } from '../support/api-harness';
import { mongoServerName } from './mongo-server';
import { repositoryContract } from './repositories.contract';

const url = backendUrl('MONGO_URL');
const server = url ? mongoServerName(url) : 'MongoDB';

describeWithBackend('MONGO_URL')(`repositories on ${server}`, () => {
  repositoryContract(() => openStore('mongodb'));
});
