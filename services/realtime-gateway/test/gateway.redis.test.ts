import { backendUrl, describeWithBackend } from '@communities/test-support';
import { gatewayScenarios } from './gateway.scenarios';
import { redisBackend } from './support/harness';

describeWithBackend('REDIS_URL')('realtime-gateway on Redis', () => {
  gatewayScenarios(() => redisBackend(backendUrl('REDIS_URL') ?? ''));
});
