import { readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import { asRecord, isRecord, parseYaml, readText } from './files';

/**
 * The Compose Specification's JSON schema, as shipped by the `dclint` package (a Compose linter
 * that validates against it); the same schema `docker compose` embeds. Compiled once.
 */
let validator: ValidateFunction | undefined;
function composeValidator(): ValidateFunction {
  if (validator) return validator;
  const packageDir = path.dirname(require.resolve('dclint/package.json'));
  const schema = JSON.parse(
    readFileSync(path.join(packageDir, 'schemas', 'compose.schema.json'), 'utf8'),
  ) as Record<string, unknown>;
  // Its `$schema` is draft-07 under an https URL that Ajv does not know by that name.
  delete schema.$schema;
  validator = new Ajv({ allErrors: true, strict: false, allowUnionTypes: true }).compile(schema);
  return validator;
}

/** Compose-schema violations of a (interpolated) compose document; empty when valid. */
export function composeSchemaProblems(document: unknown): string[] {
  const validate = composeValidator();
  if (validate(document)) return [];
  return (validate.errors ?? []).map(describeError);
}

function describeError(error: ErrorObject): string {
  const where = error.instancePath || '/';
  const extra =
    error.keyword === 'additionalProperties'
      ? ` (${String((error.params as { additionalProperty: string }).additionalProperty)})`
      : '';
  return `${where}: ${error.message ?? error.keyword}${extra}`;
}

/**
 * Compose's variable interpolation over every string of the file, as `docker compose config`
 * does before validating: `$NAME`, `${NAME}`, `${NAME:-default}`, `${NAME-default}`,
 * `${NAME:?message}`, `${NAME?message}`, and `$$` for a literal `$`.
 */
export function interpolate(value: unknown, env: Record<string, string | undefined>): unknown {
  if (typeof value === 'string') return interpolateString(value, env);
  if (Array.isArray(value)) return value.map((item) => interpolate(item, env));
  if (isRecord(value)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolate(v, env)]));
  }
  return value;
}

const REFERENCE =
  /\$(?:\$|\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))/g;

function interpolateString(text: string, env: Record<string, string | undefined>): string {
  return text.replace(
    REFERENCE,
    (
      match: string,
      braced?: string,
      operator?: string,
      argument?: string,
      bare?: string,
    ): string => {
      if (match === '$$') return '$';
      const name = (braced ?? bare)!;
      const value = env[name];
      const missing = operator?.startsWith(':') ? !value : value === undefined;
      if (!missing || !operator) return value ?? '';
      if (operator.endsWith('-')) return argument ?? '';
      throw new Error(`required variable ${name} is missing: ${argument ?? ''}`);
    },
  );
}

/** `${NAME:-default}` when `text` is exactly that, else undefined. */
export function defaultedReference(text: string): { name: string; fallback: string } | undefined {
  const match = /^\$\{([A-Za-z_][A-Za-z0-9_]*):-([^}]*)\}$/.exec(text);
  return match ? { name: match[1]!, fallback: match[2]! } : undefined;
}

export interface ComposeFile {
  /** As written. */
  raw: Record<string, unknown>;
  /** Interpolated with an empty environment (every default applies), as compose would run it. */
  resolved: Record<string, unknown>;
}

export function loadCompose(text = readText('docker-compose.yml')): ComposeFile {
  const [raw, ...rest] = parseYaml(text, 'docker-compose.yml');
  if (rest.length > 0) throw new Error('docker-compose.yml: more than one YAML document');
  const record = asRecord(raw, 'docker-compose.yml');
  return { raw: record, resolved: asRecord(interpolate(record, {}), 'docker-compose.yml') };
}

export function composeService(file: Record<string, unknown>, name: string) {
  const services = asRecord(file.services, 'services');
  return asRecord(services[name], `services.${name}`);
}

/** A service's `environment` as a map, from either of compose's two forms. */
export function composeEnvironment(service: Record<string, unknown>): Map<string, string> {
  const environment = service.environment;
  const entries = new Map<string, string>();
  if (environment === undefined) return entries;
  if (Array.isArray(environment)) {
    for (const item of environment as unknown[]) {
      const [name, ...value] = String(item).split('=');
      entries.set(name!, value.join('='));
    }
    return entries;
  }
  for (const [name, value] of Object.entries(asRecord(environment, 'environment'))) {
    if (isRecord(value) || Array.isArray(value))
      throw new Error(`environment.${name}: not a scalar`);
    entries.set(
      name,
      value === null ? '' : typeof value === 'string' ? value : JSON.stringify(value),
    );
  }
  return entries;
}
