import {
  composeEnvironment,
  composeService,
  defaultedReference,
  loadCompose,
} from './support/compose';
import {
  envOf,
  execForm,
  finalStage,
  IMAGES,
  loadDockerfile,
  type ImageName,
} from './support/dockerfile';
import { parseEnvFile, readText } from './support/files';
import { containerEnv, containers, findObject, type K8sObject } from './support/k8s';
import { KUSTOMIZATIONS, renderAll, type Rendering } from './support/renderings';
import {
  configProblems,
  configVars,
  RUNTIME_VARS,
  SERVICES,
  TOPOLOGY_VARS,
  type ServiceName,
} from './support/service-config';

/**
 * One set of settings everywhere: the names each service's config reads (found by running its
 * own loader) are exactly the names `.env.example`, docker-compose.yml, every k8s rendering and
 * the images give it; every value given is one its loader accepts; and a tunable (anything not
 * in TOPOLOGY_VARS) has the same default everywhere.
 */
const VARS: Record<ServiceName, string[]> = {
  'api-service': configVars('api-service'),
  'realtime-gateway': configVars('realtime-gateway'),
};
const envExample = parseEnvFile(readText('.env.example'), '.env.example');
const compose = loadCompose();

/** Missing and unknown names of the environment one deployment gives a service. */
function nameProblems(where: string, service: ServiceName, names: Iterable<string>): string[] {
  const given = new Set([...names].filter((name) => !RUNTIME_VARS.has(name)));
  return [
    ...VARS[service]
      .filter((name) => !given.has(name))
      .map((name) => `${where}: ${name} is not set`),
    ...[...given]
      .filter((name) => !VARS[service].includes(name))
      .map((name) => `${where}: ${name} is not a setting of ${service}`),
  ];
}

/** Tunables whose value differs from `.env.example`'s (unknown names are nameProblems'). */
function tunableProblems(where: string, env: Map<string, string>): string[] {
  return [...env]
    .filter(([name]) => envExample.has(name) && !TOPOLOGY_VARS.has(name))
    .filter(([name, value]) => envExample.get(name) !== value)
    .map(([name, value]) => `${where}: ${name}=${value}, .env.example has ${envExample.get(name)}`);
}

/** Compose must take each tunable as `${NAME:-<.env.example's value>}`, so `.env` can change it. */
function composeTunableProblems(service: ServiceName, raw: Map<string, string>): string[] {
  return [...raw]
    .filter(([name]) => !TOPOLOGY_VARS.has(name) && !RUNTIME_VARS.has(name))
    .flatMap(([name, value]) => {
      const reference = defaultedReference(value);
      if (reference?.name !== name) return [`compose ${service}: ${name} is not \${${name}:-…}`];
      return tunableProblems(`compose ${service}`, new Map([[name, reference.fallback]]));
    });
}

function composeEnv(service: ServiceName, resolved = true) {
  return composeEnvironment(composeService(resolved ? compose.resolved : compose.raw, service));
}

describe('.env.example', () => {
  it('lists every setting the services read, and nothing else', () => {
    const all = [...new Set(SERVICES.flatMap((service) => VARS[service]))].sort();
    expect([...envExample.keys()].sort()).toEqual(all);
  });

  it.each(SERVICES)('is a configuration %s starts with', (service) => {
    expect(configProblems(service, Object.fromEntries(envExample))).toEqual([]);
  });
});

describe('docker-compose.yml', () => {
  it.each(SERVICES)('gives %s exactly the settings its config reads', (service) => {
    expect(nameProblems(`compose ${service}`, service, composeEnv(service).keys())).toEqual([]);
  });

  it.each(SERVICES)('gives %s values its config accepts', (service) => {
    expect(configProblems(service, Object.fromEntries(composeEnv(service)))).toEqual([]);
  });

  it.each(SERVICES)(
    'defaults the tunables of %s to .env.example and lets .env override them',
    (service) => {
      expect(composeTunableProblems(service, composeEnv(service, false))).toEqual([]);
    },
  );
});

describe('k8s', () => {
  const renderings = new Map<string, Rendering>();
  beforeAll(async () => {
    for (const rendering of await renderAll()) renderings.set(rendering.dir, rendering);
  }, 120_000);

  const deployed = (dir: string, service: ServiceName) => {
    const rendering = renderings.get(dir)!;
    const container = containers(findObject(rendering.objects, 'Deployment', service))[0]!;
    return { container, ...containerEnv(rendering.objects, container, rendering.external) };
  };
  const cases = KUSTOMIZATIONS.flatMap((dir) => SERVICES.map((service) => [dir, service] as const));

  it.each(cases)('%s gives %s exactly the settings its config reads', (dir, service) => {
    const { env, problems } = deployed(dir, service);
    expect([...problems, ...nameProblems(`${dir} ${service}`, service, env.keys())]).toEqual([]);
  });

  it.each(cases)(
    '%s gives %s values its config accepts, with .env.example tunables',
    (dir, service) => {
      const { env } = deployed(dir, service);
      expect(configProblems(service, Object.fromEntries(env))).toEqual([]);
      expect(tunableProblems(`${dir} ${service}`, env)).toEqual([]);
    },
  );

  it.each(cases)(
    '%s: PORT of %s is the container port that probes and Service use',
    (dir, service) => {
      const { env, container } = deployed(dir, service);
      const http = container.ports?.find((port) => port.name === 'http');
      expect(http?.containerPort).toBe(Number(env.get('PORT')));
    },
  );

  describe('the checks fail on drift', () => {
    const base = () => structuredClone(renderings.get('k8s/base')!);
    const configMap = (objects: K8sObject[], service: string) =>
      objects.find(
        (o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith(`${service}-config`),
      )!;

    it('a setting missing from a ConfigMap', () => {
      const rendering = base();
      delete (configMap(rendering.objects, 'realtime-gateway').data as Record<string, string>)
        .WS_HEARTBEAT_MS;
      const container = containers(
        findObject(rendering.objects, 'Deployment', 'realtime-gateway'),
      )[0]!;
      const { env } = containerEnv(rendering.objects, container, rendering.external);
      expect(nameProblems('base', 'realtime-gateway', env.keys())).toEqual([
        'base: WS_HEARTBEAT_MS is not set',
      ]);
    });

    it('a misspelt name, a value the service rejects, a tunable that drifted', () => {
      const env = new Map(deployed('k8s/base', 'api-service').env);
      env.set('BODY_LIMIT', '2048');
      env.set('SHUTDOWN_GRACE_MS', 'ten seconds');
      env.set('LOG_LEVEL', 'debug');
      expect(nameProblems('base', 'api-service', env.keys())).toEqual([
        'base: BODY_LIMIT is not a setting of api-service',
      ]);
      expect(configProblems('api-service', Object.fromEntries(env))).toEqual([
        expect.stringContaining('SHUTDOWN_GRACE_MS'),
      ]);
      expect(tunableProblems('base', env)).toEqual([
        'base: LOG_LEVEL=debug, .env.example has info',
        'base: SHUTDOWN_GRACE_MS=ten seconds, .env.example has 10000',
      ]);
    });

    it('a compose tunable that cannot be overridden or has another default', () => {
      const raw = new Map(composeEnv('realtime-gateway', false));
      raw.set('WS_HEARTBEAT_MS', '30000');
      raw.set('LOG_LEVEL', '${LOG_LEVEL:-debug}');
      expect(composeTunableProblems('realtime-gateway', raw)).toEqual([
        'compose realtime-gateway: LOG_LEVEL=debug, .env.example has info',
        'compose realtime-gateway: WS_HEARTBEAT_MS is not ${WS_HEARTBEAT_MS:-…}',
      ]);
    });
  });
});

describe('the images', () => {
  /** The services whose config an image's entry reads (the standalone runs both). */
  const readers: Record<ImageName, ServiceName[]> = {
    'api-service': ['api-service'],
    'realtime-gateway': ['realtime-gateway'],
    standalone: ['api-service', 'realtime-gateway'],
  };

  it.each(IMAGES)('%s sets only settings its service reads, to values it accepts', (image) => {
    const instructions = loadDockerfile(image);
    const env = envOf(instructions, finalStage(instructions));
    const known = new Set([...readers[image].flatMap((s) => VARS[s]), ...RUNTIME_VARS]);
    expect([...env.keys()].filter((name) => !known.has(name))).toEqual([]);
    for (const service of readers[image]) {
      expect(configProblems(service, Object.fromEntries(env))).toEqual([]);
    }
  });

  it.each(IMAGES)('%s exposes its PORT and health-checks it', (image) => {
    const instructions = loadDockerfile(image);
    const runtime = instructions.filter((i) => i.stage === finalStage(instructions));
    const port = envOf(instructions, finalStage(instructions)).get('PORT');
    expect(runtime.filter((i) => i.keyword === 'EXPOSE').map((i) => i.args)).toEqual([port]);
    const healthcheck = runtime.find((i) => i.keyword === 'HEALTHCHECK');
    expect(execForm(healthcheck!.args, 'HEALTHCHECK')).toEqual([
      'node',
      '/app/scripts/docker/healthcheck.js',
      '/readyz',
    ]);
  });
});
