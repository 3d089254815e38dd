import { gatewayScenarios } from './gateway.scenarios';
import { inProcessBackend } from './support/harness';

describe('realtime-gateway on the in-process bus', () => {
  gatewayScenarios(inProcessBackend);
});
