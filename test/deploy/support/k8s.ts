import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { ROOT, asArray, asRecord, cleanEnv, execFileAsync, isRecord, parseYaml } from './files';

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [field: string]: unknown;
}

const TOOLS = path.join(ROOT, 'scripts/deploy/tools.sh');

/** `kustomize build DIR` with the pinned kustomize (scripts/deploy/tools.sh), as YAML text. */
export async function kustomizeBuild(dir: string): Promise<string> {
  const { stdout } = await execFileAsync('bash', [TOOLS, 'kustomize', 'build', dir], {
    cwd: ROOT,
    env: cleanEnv(),
    maxBuffer: 32 * 1024 * 1024,
  });
  return stdout;
}

export function parseManifests(text: string, source: string): K8sObject[] {
  return parseYaml(text, source).map((value, index) => {
    const object = asRecord(value, `${source} document ${index}`);
    const metadata = asRecord(object.metadata, `${source} document ${index} metadata`);
    if (typeof object.apiVersion !== 'string' || typeof object.kind !== 'string') {
      throw new Error(`${source} document ${index}: no apiVersion / kind`);
    }
    if (typeof metadata.name !== 'string') throw new Error(`${source} document ${index}: no name`);
    return object as K8sObject;
  });
}

/**
 * Kubernetes API schema violations, from the `kubernetes-models` package: validators generated
 * from the Kubernetes OpenAPI document, one per apiVersion/kind (types, formats, required fields,
 * enums). A kind it has no model for is a problem too (a misspelt kind, or a CRD nobody checks).
 */
const loadModels = createRequire(__filename);
type ModelClass = new (data: unknown) => { validate(): void };

export function schemaProblems(object: K8sObject): string[] {
  const where = `${object.kind}/${object.metadata.name}`;
  let models: Record<string, unknown>;
  try {
    models = loadModels(`kubernetes-models/${object.apiVersion}`) as Record<string, unknown>;
  } catch {
    return [`${where}: no Kubernetes API group/version ${object.apiVersion}`];
  }
  const Model = models[object.kind] as ModelClass | undefined;
  if (typeof Model !== 'function')
    return [`${where}: ${object.apiVersion} has no kind ${object.kind}`];
  try {
    new Model(object).validate();
    return [];
  } catch (error) {
    return [`${where}: ${error instanceof Error ? error.message : String(error)}`];
  }
}

/**
 * Strict decoding into the Kubernetes API's Go types (scripts/deploy/kube-strict), as the API
 * server does for `kubectl apply`: unknown and duplicate fields, values of the wrong type. One
 * line per problem; empty when every document decodes.
 */
export function strictProblems(yamlText: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [TOOLS, 'kube-strict'], { cwd: ROOT, env: cleanEnv() });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const lines = stdout.split('\n').filter((line) => line.trim() !== '');
      if (code === 0 && lines.length === 0) resolve([]);
      else if (code === 1 && lines.length > 0) resolve(lines);
      else reject(new Error(`kube-strict exited ${code}: ${stderr}${stdout}`));
    });
    child.stdin.end(yamlText);
  });
}

export function findObject(objects: K8sObject[], kind: string, name: string): K8sObject {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found) throw new Error(`no ${kind}/${name}`);
  return found;
}

/** A generated object (configMapGenerator, secretGenerator) by its name before the hash suffix. */
export function findGenerated(objects: K8sObject[], kind: string, name: string) {
  return objects.find(
    (o) => o.kind === kind && new RegExp(`^${name}(-[a-z0-9]{10})?$`).test(o.metadata.name),
  );
}

export interface Container {
  name: string;
  image?: string;
  ports?: { name?: string; containerPort: number }[];
  env?: {
    name: string;
    value?: string;
    valueFrom?: {
      secretKeyRef?: { name: string; key: string };
      configMapKeyRef?: { name: string; key: string };
    };
  }[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  [field: string]: unknown;
}

/** The pod template spec of a Deployment or StatefulSet. */
export function podSpec(workload: K8sObject): Record<string, unknown> {
  const spec = asRecord(workload.spec, `${workload.kind}/${workload.metadata.name} spec`);
  const template = asRecord(spec.template, 'spec.template');
  return asRecord(template.spec, 'spec.template.spec');
}

export function containers(workload: K8sObject): Container[] {
  return asArray(podSpec(workload).containers, 'containers') as Container[];
}

/**
 * The environment a container gets, resolved as the kubelet would: `envFrom` ConfigMaps and
 * Secrets, then `env` (values and key references). A reference to a missing object or key is
 * reported in `problems` (the pod would not start).
 */
export function containerEnv(
  objects: K8sObject[],
  container: Container,
  externalSecrets: K8sObject[] = [],
): { env: Map<string, string>; problems: string[] } {
  const env = new Map<string, string>();
  const problems: string[] = [];
  const lookup = (kind: 'ConfigMap' | 'Secret', name: string) => {
    const object = [...objects, ...externalSecrets].find(
      (o) => o.kind === kind && o.metadata.name === name,
    );
    if (!object) problems.push(`${container.name}: ${kind} ${name} does not exist`);
    return object ? dataOf(object) : undefined;
  };
  for (const source of container.envFrom ?? []) {
    const data = source.configMapRef
      ? lookup('ConfigMap', source.configMapRef.name)
      : source.secretRef
        ? lookup('Secret', source.secretRef.name)
        : undefined;
    for (const [name, value] of data ?? []) env.set(name, value);
  }
  for (const variable of container.env ?? []) {
    if (variable.value !== undefined || !variable.valueFrom) {
      env.set(variable.name, variable.value ?? '');
      continue;
    }
    const ref = variable.valueFrom.secretKeyRef ?? variable.valueFrom.configMapKeyRef;
    const kind = variable.valueFrom.secretKeyRef ? 'Secret' : 'ConfigMap';
    if (!ref) {
      problems.push(`${container.name}: ${variable.name} has an unsupported valueFrom`);
      continue;
    }
    const value = lookup(kind, ref.name)?.get(ref.key);
    if (value === undefined)
      problems.push(`${container.name}: ${kind} ${ref.name} has no ${ref.key}`);
    else env.set(variable.name, value);
  }
  return { env, problems };
}

function dataOf(object: K8sObject): Map<string, string> {
  const data = new Map<string, string>();
  if (isRecord(object.data)) {
    for (const [key, value] of Object.entries(object.data)) {
      data.set(
        key,
        object.kind === 'Secret' ? Buffer.from(String(value), 'base64').toString() : String(value),
      );
    }
  }
  if (isRecord(object.stringData)) {
    for (const [key, value] of Object.entries(object.stringData)) data.set(key, String(value));
  }
  return data;
}
