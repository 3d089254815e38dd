import { inProcessBackend } from './support/harness';
import { resumeScenarios } from './resume.scenarios';

describe('resume on the in-process bus', () => {
  resumeScenarios(inProcessBackend);
});
