import { backendUrl, describeWithBackend } from '@communities/test-support';
import { redisBackend } from './support/harness';
import { revocationScenarios } from './revocation.scenarios';

describeWithBackend('REDIS_URL')('access revocation on Redis', () => {
  revocationScenarios(() => redisBackend(backendUrl('REDIS_URL') ?? ''));
});
