import { ApiConfigSchema, loadApiConfig } from '@communities/api-service';
import { loadConfig as loadGatewayConfig } from '@communities/realtime-gateway';

/** The services that are deployed on their own (compose services, k8s Deployments, images). */
export const SERVICES = ['api-service', 'realtime-gateway'] as const;
export type ServiceName = (typeof SERVICES)[number];

type Env = Record<string, string | undefined>;

/**
 * Each service's own config loader: the source of truth for which variables it reads and which
 * values are valid. The api-service parses its exported schema; the gateway's schema is private,
 * so its loader is called (it reads nothing else).
 */
const LOADERS: Record<ServiceName, (env: Env) => unknown> = {
  'api-service': (env) => {
    const parsed = ApiConfigSchema.safeParse(env);
    if (!parsed.success) throw new Error(parsed.error.message);
    return parsed.data;
  },
  'realtime-gateway': (env) => loadGatewayConfig(env),
};

/** The environment variables a service's config reads, recorded while its loader runs. */
export function configVars(service: ServiceName): string[] {
  const read = new Set<string>();
  const recorder = new Proxy<Env>(
    {},
    {
      get(_target, key) {
        if (typeof key === 'string') read.add(key);
        return undefined;
      },
    },
  );
  try {
    LOADERS[service](recorder);
  } catch {
    // Only the names matter here; a required setting without a default would throw.
  }
  if (read.size === 0) throw new Error(`${service}: its config loader read no variable`);
  return [...read].filter((name) => !RUNTIME_VARS.has(name)).sort();
}

/** Problems the service's own loader finds in `env` (empty when it would start with it). */
export function configProblems(service: ServiceName, env: Env): string[] {
  try {
    // An image's ENV alone has no keys, so production's key requirement is not applied here;
    // the name checks require every deployment (compose, k8s) to give AUTH_JWT_KEYS.
    if (service === 'api-service') loadApiConfig(env, { sharedKeysInProduction: false });
    else loadGatewayConfig(env);
    return [];
  } catch (error) {
    return [error instanceof Error ? error.message : String(error)];
  }
}

/**
 * Settings whose value is a matter of where the service runs (ports, interfaces, backend URLs,
 * which proxies to trust, the embedded store's files): compose and Kubernetes may set them to
 * something else than `.env.example`, which describes `npm start` on a laptop. Every other setting
 * is a tunable and must have one default everywhere.
 */
export const TOPOLOGY_VARS = new Set([
  'PORT',
  'HOST',
  'MONGO_URL',
  'MONGO_DB_NAME',
  'DATA_DIR',
  'EMBEDDED_IN_MEMORY',
  'REDIS_URL',
  'TRUST_PROXY',
  // A deployment's own secret, shared by its api-service and gateways.
  'AUTH_JWT_KEYS',
  // The browser origins of the deployment's own web app.
  'CORS_ORIGINS',
]);

/** Variables an image or a manifest may set although no config reads them (read by Node itself). */
export const RUNTIME_VARS = new Set(['NODE_ENV', 'NODE_OPTIONS']);
