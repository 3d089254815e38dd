import {
  createApiService,
  createLogger,
  loadApiConfig,
  type ApiService,
} from '@communities/api-service';
import { createEventBus } from '@communities/broker';
import { createGateway, loadConfig, type Gateway } from '@communities/realtime-gateway';
import { createStandalone, type Standalone } from '@communities/standalone';
import { composeService, loadCompose } from './support/compose';
import { execForm, finalStage, IMAGES, loadDockerfile, type ImageName } from './support/dockerfile';
import { asArray, asRecord } from './support/files';
import { containers } from './support/k8s';
import { renderAll } from './support/renderings';

/**
 * Every health path that something outside the service polls (Kubernetes probes, compose
 * healthchecks, the images' HEALTHCHECK) answers 200 on the service it is aimed at, here started
 * in-process: the api-service on the embedded in-memory store, the gateway on the in-process
 * bus, and the standalone with both.
 */
type Target = ImageName;
interface Probe {
  source: string;
  target: Target;
  path: string;
}

const silent = createLogger('silent');
const env = {
  HOST: '127.0.0.1',
  PORT: '0',
  LOG_LEVEL: 'silent',
  EMBEDDED_IN_MEMORY: 'true',
  AUTH_JWT_KEYS: 'probes:probe-test-signing-key-0123456789abcdef',
};
const ports = new Map<Target, number>();
let api: ApiService;
let gateway: Gateway;
let standalone: Standalone;
const probes: Probe[] = [];

beforeAll(async () => {
  api = await createApiService(loadApiConfig(env), silent);
  gateway = createGateway({
    config: loadConfig(env),
    logger: silent,
    bus: createEventBus({ logger: silent }),
  });
  standalone = await createStandalone(env);
  ports.set('api-service', await api.start());
  ports.set('realtime-gateway', await gateway.start());
  ports.set('standalone', await standalone.start());

  for (const { dir, objects } of await renderAll()) {
    for (const workload of objects.filter((o) => o.kind === 'Deployment')) {
      for (const container of containers(workload)) {
        for (const probe of ['startupProbe', 'livenessProbe', 'readinessProbe']) {
          const get = (container[probe] as { httpGet?: { path: string } } | undefined)?.httpGet;
          if (get) {
            const target = workload.metadata.name as Target;
            probes.push({ source: `${dir} ${target} ${probe}`, target, path: get.path });
          }
        }
      }
    }
  }
  const compose = loadCompose();
  for (const target of ['api-service', 'realtime-gateway'] as const) {
    const test = asArray(
      asRecord(composeService(compose.resolved, target).healthcheck, 'hc').test,
      'test',
    );
    probes.push({
      source: `compose ${target} healthcheck`,
      target,
      path: healthcheckPath(test.map(String)),
    });
  }
  for (const image of IMAGES) {
    const instructions = loadDockerfile(image);
    const healthcheck = instructions.find(
      (i) => i.stage === finalStage(instructions) && i.keyword === 'HEALTHCHECK',
    );
    const command = execForm(healthcheck!.args, `${image} HEALTHCHECK`);
    probes.push({
      source: `${image} image HEALTHCHECK`,
      target: image,
      path: healthcheckPath(command),
    });
  }
}, 60_000);

afterAll(async () => {
  await Promise.all([api?.stop(), gateway?.stop(), standalone?.stop()]);
});

/** The path `scripts/docker/healthcheck.js` is given (its default is /readyz). */
function healthcheckPath(command: string[]): string {
  const script = command.findIndex((word) => word.endsWith('scripts/docker/healthcheck.js'));
  if (script < 0) throw new Error(`not the healthcheck script: ${command.join(' ')}`);
  return command[script + 1] ?? '/readyz';
}

it('finds the probes of every deployment', () => {
  // 3 renderings × 2 Deployments × 3 probes, 2 compose healthchecks, 3 images.
  expect(probes).toHaveLength(18 + 2 + 3);
});

/** `source: GET path on target → status` for every probe that does not answer 200. */
async function probeFailures(list: Probe[]): Promise<string[]> {
  const failures: string[] = [];
  for (const probe of list) {
    const response = await fetch(`http://127.0.0.1:${ports.get(probe.target)}${probe.path}`);
    await response.arrayBuffer();
    if (response.status !== 200) {
      failures.push(`${probe.source}: GET ${probe.path} on ${probe.target} → ${response.status}`);
    }
  }
  return failures;
}

it('answers 200 on every probed path of every service', async () => {
  expect(await probeFailures(probes)).toEqual([]);
});

it('fails on a probe of a path the service does not serve', async () => {
  const probe: Probe = { source: 'a typo', target: 'realtime-gateway', path: '/health' };
  expect(await probeFailures([probe])).toEqual(['a typo: GET /health on realtime-gateway → 404']);
});
