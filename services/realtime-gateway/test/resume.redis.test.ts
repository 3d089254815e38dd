import { backendUrl, describeWithBackend } from '@communities/test-support';
import { redisBackend } from './support/harness';
import { resumeScenarios } from './resume.scenarios';

describeWithBackend('REDIS_URL')('resume on Redis', () => {
  resumeScenarios((history) => redisBackend(backendUrl('REDIS_URL') ?? '', 1000, history));
});
