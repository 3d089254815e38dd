import { asArray, asRecord, isRecord, readText } from './support/files';
import {
  containerEnv,
  containers,
  findObject,
  parseManifests,
  podSpec,
  schemaProblems,
  strictProblems,
  type K8sObject,
} from './support/k8s';
import { KUSTOMIZATIONS, SECRET_TEMPLATE, renderAll, type Rendering } from './support/renderings';
import { SERVICES } from './support/service-config';

/**
 * k8s/ without a cluster: the base and each overlay rendered with the pinned kustomize, every
 * object validated against the Kubernetes API schemas (kubernetes-models) and strictly decoded
 * into the API's Go types (kube-strict), then what no schema knows: that the objects refer to
 * each other correctly and follow the deployment rules of issue 7.
 */
const renderings = new Map<string, Rendering>();

beforeAll(async () => {
  for (const rendering of await renderAll()) renderings.set(rendering.dir, rendering);
}, 120_000);

function rendering(dir: string): Rendering {
  const found = renderings.get(dir);
  if (!found) throw new Error(`${dir} was not rendered`);
  return found;
}

const WORKLOADS = new Set(['Deployment', 'StatefulSet']);
const workloads = (objects: K8sObject[]) => objects.filter((o) => WORKLOADS.has(o.kind));

/** Pod and container rules of the Pod Security Standards' restricted profile, and ours. */
function podProblems(workload: K8sObject): string[] {
  const where = `${workload.kind}/${workload.metadata.name}`;
  const problems: string[] = [];
  const pod = podSpec(workload);
  const podSecurity = isRecord(pod.securityContext) ? pod.securityContext : {};
  if (podSecurity.runAsNonRoot !== true) problems.push(`${where}: runAsNonRoot is not true`);
  if (!(Number(podSecurity.runAsUser) > 0))
    problems.push(`${where}: runAsUser is not a non-root uid`);
  if (asRecord(podSecurity.seccompProfile ?? {}, 'seccomp').type !== 'RuntimeDefault') {
    problems.push(`${where}: seccompProfile is not RuntimeDefault`);
  }
  if (pod.automountServiceAccountToken !== false) problems.push(`${where}: mounts an API token`);
  for (const container of containers(workload)) {
    const at = `${where} ${container.name}`;
    const security = asRecord(container.securityContext ?? {}, 'securityContext');
    if (security.allowPrivilegeEscalation !== false)
      problems.push(`${at}: may escalate privileges`);
    if (security.readOnlyRootFilesystem !== true) problems.push(`${at}: writable root filesystem`);
    const drop = asArray(asRecord(security.capabilities ?? {}, 'capabilities').drop, 'drop');
    if (!drop.includes('ALL')) problems.push(`${at}: does not drop ALL capabilities`);
    const resources = asRecord(container.resources ?? {}, 'resources');
    for (const bound of ['requests', 'limits']) {
      const values = asRecord(resources[bound] ?? {}, bound);
      if (!values.cpu || !values.memory) problems.push(`${at}: no cpu and memory ${bound}`);
    }
    for (const probe of ['readinessProbe', 'livenessProbe']) {
      if (!container[probe]) problems.push(`${at}: no ${probe}`);
    }
    const portNames = (container.ports ?? []).map((p) => p.name);
    for (const probe of ['startupProbe', 'readinessProbe', 'livenessProbe']) {
      const get = asRecord(asRecord(container[probe] ?? {}, probe).httpGet ?? {}, 'httpGet');
      if (typeof get.port === 'string' && !portNames.includes(get.port)) {
        problems.push(`${at}: ${probe} uses unknown port ${get.port}`);
      }
    }
  }
  return problems;
}

/** Selectors, names and ports that must meet, as the cluster would resolve them. */
function referenceProblems(r: Rendering): string[] {
  const problems: string[] = [];
  const podLabels = workloads(r.objects).map((w) => {
    const template = asRecord(asRecord(w.spec, 'spec').template, 'template');
    return { workload: w, labels: asRecord(asRecord(template.metadata, 'md').labels, 'labels') };
  });
  const selects = (selector: Record<string, unknown>) =>
    podLabels.filter(({ labels }) => Object.entries(selector).every(([k, v]) => labels[k] === v));

  for (const service of r.objects.filter((o) => o.kind === 'Service')) {
    const spec = asRecord(service.spec, 'spec');
    const matched = selects(asRecord(spec.selector, 'selector'));
    if (matched.length !== 1) {
      problems.push(`Service/${service.metadata.name} selects ${matched.length} workloads`);
      continue;
    }
    const ports = containers(matched[0]!.workload).flatMap((c) => c.ports ?? []);
    for (const port of asArray(spec.ports, 'ports').map((p) => asRecord(p, 'port'))) {
      const target = port.targetPort;
      const found = ports.some((p) => p.name === target || p.containerPort === target);
      if (!found)
        problems.push(`Service/${service.metadata.name}: no container port ${String(target)}`);
    }
  }
  for (const pdb of r.objects.filter((o) => o.kind === 'PodDisruptionBudget')) {
    const selector = asRecord(asRecord(pdb.spec, 'spec').selector, 'selector');
    if (selects(asRecord(selector.matchLabels, 'matchLabels')).length !== 1) {
      problems.push(`PodDisruptionBudget/${pdb.metadata.name} does not select one workload`);
    }
  }
  for (const hpa of r.objects.filter((o) => o.kind === 'HorizontalPodAutoscaler')) {
    const target = asRecord(asRecord(hpa.spec, 'spec').scaleTargetRef, 'scaleTargetRef');
    if (!r.objects.some((o) => o.kind === target.kind && o.metadata.name === target.name)) {
      problems.push(
        `HorizontalPodAutoscaler/${hpa.metadata.name}: no ${String(target.kind)}/${String(target.name)}`,
      );
    }
  }
  for (const ingress of r.objects.filter((o) => o.kind === 'Ingress')) {
    for (const { service, port } of ingressBackends(ingress)) {
      const found = r.objects.find((o) => o.kind === 'Service' && o.metadata.name === service);
      const ports = asArray(asRecord(found?.spec ?? {}, 'spec').ports, 'ports');
      if (
        !ports.some((p) => asRecord(p, 'port').name === port || asRecord(p, 'port').port === port)
      ) {
        problems.push(
          `Ingress/${ingress.metadata.name}: no Service ${service} with port ${String(port)}`,
        );
      }
    }
  }
  for (const workload of workloads(r.objects)) {
    for (const container of containers(workload)) {
      problems.push(...containerEnv(r.objects, container, r.external).problems);
    }
  }
  return problems;
}

function ingressBackends(ingress: K8sObject) {
  return asArray(asRecord(ingress.spec, 'spec').rules, 'rules').flatMap((rule) =>
    asArray(asRecord(asRecord(rule, 'rule').http, 'http').paths, 'paths').map((entry) => {
      const path = asRecord(entry, 'path');
      const service = asRecord(asRecord(path.backend, 'backend').service, 'service');
      const port = asRecord(service.port, 'port');
      return {
        path: String(path.path),
        pathType: String(path.pathType),
        service: String(service.name),
        port: (port.name ?? port.number) as string | number,
      };
    }),
  );
}

/** Seconds of the container's preStop `sleep N`, 0 without one. */
function preStopSeconds(workload: K8sObject): number {
  const command = (
    containers(workload)[0]?.lifecycle as { preStop?: { exec?: { command?: string[] } } }
  )?.preStop?.exec?.command;
  return command?.[0] === 'sleep' ? Number(command[1]) : 0;
}

describe.each(KUSTOMIZATIONS)('%s', (dir) => {
  it('renders every object valid against the Kubernetes API schemas', () => {
    expect(rendering(dir).objects.flatMap(schemaProblems)).toEqual([]);
  });

  it('decodes strictly into the Kubernetes API types (no unknown field, no wrong type)', async () => {
    expect(await strictProblems(rendering(dir).text)).toEqual([]);
  });

  it('has a Deployment, Service, HPA and PDB per service, and the Ingress', () => {
    const kinds = (name: string) =>
      rendering(dir)
        .objects.filter((o) => o.metadata.name === name)
        .map((o) => o.kind)
        .sort();
    for (const service of SERVICES) {
      expect({ service, kinds: kinds(service) }).toEqual({
        service,
        kinds: ['Deployment', 'HorizontalPodAutoscaler', 'PodDisruptionBudget', 'Service'],
      });
    }
    const ingresses = rendering(dir).objects.filter((o) => o.kind === 'Ingress');
    expect(ingresses.map((o) => o.metadata.name).sort()).toEqual([
      'communities-api',
      'communities-ws',
    ]);
  });

  it('runs every pod restricted, bounded and probed', () => {
    expect(workloads(rendering(dir).objects).flatMap(podProblems)).toEqual([]);
  });

  it('resolves every selector, port, scale target, backend, ConfigMap and Secret key', () => {
    expect(referenceProblems(rendering(dir))).toEqual([]);
  });

  it('routes /api, /docs, /redoc, /openapi.json to the api-service and /ws to the gateway', () => {
    const routes = rendering(dir)
      .objects.filter((o) => o.kind === 'Ingress')
      .flatMap(ingressBackends)
      .map(({ path, service }) => `${path} → ${service}`)
      .sort();
    expect(routes).toEqual([
      '/api → api-service',
      '/asyncapi.json → realtime-gateway',
      '/docs → api-service',
      '/openapi.json → api-service',
      '/redoc → api-service',
      '/ws → realtime-gateway',
    ]);
    const ws = findObject(rendering(dir).objects, 'Ingress', 'communities-ws');
    const annotations = ws.metadata as { annotations?: Record<string, string> };
    for (const name of ['proxy-read-timeout', 'proxy-send-timeout']) {
      const value = Number(annotations.annotations?.[`nginx.ingress.kubernetes.io/${name}`]);
      expect({ name, long: value >= 3600 }).toEqual({ name, long: true });
    }
  });

  it('scales each service on CPU, from at least two replicas', () => {
    for (const service of SERVICES) {
      const spec = asRecord(
        findObject(rendering(dir).objects, 'HorizontalPodAutoscaler', service).spec,
        'spec',
      );
      const metrics = asArray(spec.metrics, 'metrics').map((m) => asRecord(m, 'metric'));
      expect(metrics.map((m) => asRecord(m.resource ?? {}, 'resource').name)).toContain('cpu');
      expect(Number(spec.minReplicas)).toBeGreaterThanOrEqual(2);
      expect(Number(spec.maxReplicas)).toBeGreaterThan(Number(spec.minReplicas));
    }
  });

  it('gives each pod time to be removed from the endpoints and to drain before SIGKILL', () => {
    const objects = rendering(dir).objects;
    const api = findObject(objects, 'Deployment', 'api-service');
    const apiGrace =
      Number(
        containerEnv(objects, containers(api)[0]!, rendering(dir).external).env.get(
          'SHUTDOWN_GRACE_MS',
        ),
      ) / 1000;
    // The gateway waits up to 5 s (CLOSE_GRACE_MS) for its sockets' close handshakes.
    const drains: [K8sObject, number][] = [
      [api, apiGrace],
      [findObject(objects, 'Deployment', 'realtime-gateway'), 5],
    ];
    for (const [workload, drain] of drains) {
      const grace = Number(podSpec(workload).terminationGracePeriodSeconds);
      expect(preStopSeconds(workload)).toBeGreaterThan(0);
      expect({
        workload: workload.metadata.name,
        enough: grace >= preStopSeconds(workload) + drain + 5,
      }).toEqual({ workload: workload.metadata.name, enough: true });
    }
  });
});

describe('the overlays', () => {
  it('dev runs MongoDB and Redis as StatefulSets and points the Secret at them', () => {
    const { objects } = rendering('k8s/overlays/dev');
    expect(
      objects
        .filter((o) => o.kind === 'StatefulSet')
        .map((o) => o.metadata.name)
        .sort(),
    ).toEqual(['mongodb', 'redis']);
    const api = containers(findObject(objects, 'Deployment', 'api-service'))[0]!;
    const env = containerEnv(objects, api).env;
    expect(env.get('MONGO_URL')).toMatch(/^mongodb:\/\/mongodb:27017\//);
    expect(env.get('REDIS_URL')).toBe('redis://redis:6379');
  });

  it('prod runs no database and takes the backends from a Secret it does not create', () => {
    const { objects } = rendering('k8s/overlays/prod');
    expect(objects.filter((o) => ['StatefulSet', 'Secret'].includes(o.kind))).toEqual([]);
    const ingress = findObject(objects, 'Ingress', 'communities-ws');
    expect(JSON.stringify(ingress.spec)).toContain('communities-tls');
  });

  it.each(['k8s/overlays/dev', 'k8s/overlays/prod'])(
    '%s puts everything in its own restricted namespace',
    (dir) => {
      const { objects } = rendering(dir);
      const namespace = objects.find((o) => o.kind === 'Namespace')!;
      expect(namespace.metadata.labels?.['pod-security.kubernetes.io/enforce']).toBe('restricted');
      const stray = objects.filter(
        (o) => o.kind !== 'Namespace' && o.metadata.namespace !== namespace.metadata.name,
      );
      expect(stray.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([]);
    },
  );

  it('the Secret template is itself a valid Secret', async () => {
    const text = readText(SECRET_TEMPLATE);
    expect(parseManifests(text, SECRET_TEMPLATE).flatMap(schemaProblems)).toEqual([]);
    expect(await strictProblems(text)).toEqual([]);
  });
});

describe('the checks fail on a broken manifest', () => {
  const base = () => structuredClone(rendering('k8s/base').objects);
  const apiContainer = (objects: K8sObject[]) =>
    containers(findObject(objects, 'Deployment', 'api-service'))[0]!;
  const yamlOf = (objects: K8sObject[]) => objects.map((o) => JSON.stringify(o)).join('\n---\n');

  it('a containerPort of the wrong type', async () => {
    const objects = base();
    (apiContainer(objects).ports![0] as { containerPort: unknown }).containerPort = '5001';
    expect(objects.flatMap(schemaProblems)).toEqual([
      expect.stringContaining('containerPort must be integer'),
    ]);
    expect(await strictProblems(yamlOf(objects))).toEqual([
      expect.stringContaining('cannot unmarshal string into Go struct field ContainerPort'),
    ]);
  });

  it('a misspelt field', async () => {
    const objects = base();
    const container = apiContainer(objects);
    container.readinesProbe = container.readinessProbe;
    delete container.readinessProbe;
    expect(await strictProblems(yamlOf(objects))).toEqual([
      expect.stringContaining('unknown field "spec.template.spec.containers[0].readinesProbe"'),
    ]);
    expect(workloads(objects).flatMap(podProblems)).toEqual([
      'Deployment/api-service api-service: no readinessProbe',
    ]);
  });

  it('a missing required field', () => {
    const objects = base();
    delete (findObject(objects, 'Deployment', 'api-service').spec as { selector?: unknown })
      .selector;
    expect(objects.flatMap(schemaProblems)).toEqual([
      expect.stringContaining('data/spec must have required property selector'),
    ]);
  });

  it('a Service pointing at a port the pods do not have, an unknown kind', () => {
    const objects = base();
    const service = findObject(objects, 'Service', 'realtime-gateway');
    (
      asArray(asRecord(service.spec, 'spec').ports, 'ports')[0] as { targetPort: string }
    ).targetPort = 'web';
    expect(referenceProblems({ ...rendering('k8s/base'), objects })).toEqual([
      'Service/realtime-gateway: no container port web',
    ]);
    expect(schemaProblems({ ...service, kind: 'Servise' })).toEqual([
      'Servise/realtime-gateway: v1 has no kind Servise',
    ]);
  });

  it('an env var taken from a Secret key that does not exist', () => {
    const objects = base();
    apiContainer(objects).env![0]!.valueFrom!.secretKeyRef!.key = 'MONGODB_URL';
    expect(referenceProblems({ ...rendering('k8s/base'), objects })).toEqual([
      'api-service: Secret communities-backends has no MONGODB_URL',
    ]);
  });
});
