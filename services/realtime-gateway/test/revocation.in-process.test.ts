import { inProcessBackend } from './support/harness';
import { revocationScenarios } from './revocation.scenarios';

describe('access revocation on the in-process bus', () => {
  revocationScenarios(inProcessBackend);
});
