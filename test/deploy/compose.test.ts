import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  composeSchemaProblems,
  composeService,
  interpolate,
  loadCompose,
  type ComposeFile,
} from './support/compose';
import { ROOT, asArray, asRecord, execFileAsync, isRecord, readText } from './support/files';

/**
 * docker-compose.yml without a Docker engine: validated against the Compose Specification's JSON
 * schema after interpolation (what `docker compose config` does), then the things the schema
 * cannot know: that it comes up in order with no manual step, and that the edge routes.
 */
const compose: ComposeFile = loadCompose();
const services = asRecord(compose.resolved.services, 'services');

/** Every problem of one compose document that `docker compose up` would stumble on. */
function composeProblems(file: Record<string, unknown>): string[] {
  const problems = composeSchemaProblems(file);
  if (problems.length > 0) return problems;
  const all = asRecord(file.services, 'services');
  const volumes = Object.keys(asRecord(file.volumes ?? {}, 'volumes'));
  for (const [name, value] of Object.entries(all)) {
    const service = asRecord(value, name);
    if (!service.healthcheck) problems.push(`${name}: no healthcheck`);
    const dependsOn = service.depends_on;
    if (Array.isArray(dependsOn)) problems.push(`${name}: depends_on without conditions`);
    for (const [target, condition] of Object.entries(asRecord(dependsOn ?? {}, 'depends_on'))) {
      if (!all[target]) problems.push(`${name}: depends on unknown service ${target}`);
      if (asRecord(condition, 'condition').condition !== 'service_healthy') {
        problems.push(`${name}: depends on ${target} without condition service_healthy`);
      }
    }
    for (const mount of asArray(service.volumes, `${name}.volumes`)) {
      const source = String(mount).split(':')[0]!;
      if (source.startsWith('.') || source.startsWith('/')) {
        if (!existsSync(path.join(ROOT, source)))
          problems.push(`${name}: ${source} does not exist`);
      } else if (!volumes.includes(source)) {
        problems.push(`${name}: volume ${source} is not declared under volumes`);
      }
    }
    // The schema takes strings for numbers (they may come from ${VAR}); compose converts them.
    for (const port of asArray(service.ports, `${name}.ports`)) {
      const numbers = isRecord(port) ? [port.target, port.published] : String(port).split(/[:/]/);
      const numeric = (n: unknown) =>
        typeof n === 'number' || (typeof n === 'string' && /^\d+$/.test(n));
      if (numbers.some((n) => n !== undefined && n !== 'tcp' && !numeric(n))) {
        problems.push(`${name}: port ${JSON.stringify(port)} is not numeric`);
      }
    }
    if (service.build) {
      const build = asRecord(service.build, `${name}.build`);
      const dockerfile = path.join(ROOT, String(build.context), String(build.dockerfile));
      if (!existsSync(dockerfile)) problems.push(`${name}: ${String(build.dockerfile)} is missing`);
    }
  }
  return problems;
}

describe('docker-compose.yml', () => {
  it('is valid against the Compose Specification and comes up without a manual step', () => {
    expect(composeProblems(compose.resolved)).toEqual([]);
  });

  it('runs MongoDB on a named volume, Redis, and two replicas of each service', () => {
    const mongoVolumes = asArray(composeService(compose.resolved, 'mongo').volumes, 'volumes');
    expect(mongoVolumes).toContain('mongo-data:/data/db');
    expect(composeService(compose.resolved, 'redis').image).toMatch(/^redis:/);
    for (const name of ['api-service', 'realtime-gateway']) {
      const service = composeService(compose.resolved, name);
      expect({ name, replicas: asRecord(service.deploy, 'deploy').replicas }).toEqual({
        name,
        replicas: 2,
      });
      // Replicas cannot share a published port or a container name: only the edge publishes.
      expect({ name, ports: service.ports, container: service.container_name }).toEqual({
        name,
        ports: undefined,
        container: undefined,
      });
    }
  });

  it('publishes only the edge, on localhost:5001, after both services are healthy', () => {
    const published = Object.entries(services).filter(([, s]) => asRecord(s, 'service').ports);
    expect(published.map(([name]) => name)).toEqual(['edge']);
    expect(composeService(compose.resolved, 'edge').ports).toEqual([
      { target: 8080, published: '5001', host_ip: '127.0.0.1', protocol: 'tcp' },
    ]);
    expect(
      Object.keys(asRecord(composeService(compose.resolved, 'edge').depends_on, 'dep')),
    ).toEqual(['api-service', 'realtime-gateway']);
  });

  it('gives each service more time to stop than its own drain takes', () => {
    // SHUTDOWN_GRACE_MS for the api-service; the gateway's close handshake wait is 5 s.
    const seconds = (value: unknown) => Number(/^(\d+)s$/.exec(String(value))?.[1] ?? NaN);
    const api = composeService(compose.resolved, 'api-service');
    const grace = Number(asRecord(api.environment, 'environment').SHUTDOWN_GRACE_MS) / 1000;
    expect(seconds(api.stop_grace_period)).toBeGreaterThan(grace);
    const gateway = composeService(compose.resolved, 'realtime-gateway');
    expect(seconds(gateway.stop_grace_period)).toBeGreaterThan(5);
  });

  describe('the checks fail on a broken file', () => {
    const broken = (mutate: (file: Record<string, unknown>) => void) => {
      const copy = structuredClone(compose.resolved);
      mutate(copy);
      return composeProblems(copy);
    };

    it('a port of the wrong type', () => {
      expect(
        broken((file) => {
          composeService(file, 'edge').ports = { target: 8080, published: '5001' };
        }),
      ).toEqual(['/services/edge/ports: must be array']);
      expect(
        broken((file) => {
          composeService(file, 'edge').ports = [{ target: 'eighty', published: '5001' }];
        }),
      ).toEqual(['edge: port {"target":"eighty","published":"5001"} is not numeric']);
    });

    it('a misspelt key', () => {
      expect(
        broken((file) => {
          const api = composeService(file, 'api-service');
          api.enviroment = api.environment;
          delete api.environment;
        }),
      ).toEqual([expect.stringContaining('must NOT have additional properties (enviroment)')]);
    });

    it('a dependency on an unhealthy-or-not service, or on one that does not exist', () => {
      expect(
        broken((file) => {
          composeService(file, 'edge').depends_on = {
            'api-service': { condition: 'service_started' },
            gateway: { condition: 'service_healthy' },
          };
        }),
      ).toEqual([
        'edge: depends on api-service without condition service_healthy',
        'edge: depends on unknown service gateway',
      ]);
    });

    it('a required variable left unset', () => {
      const text = readText('docker-compose.yml').replace(
        'MONGO_URL: mongodb://mongo:27017/communities',
        'MONGO_URL: ${MONGO_URL:?set it}',
      );
      expect(() => interpolate(loadCompose(text).raw, {})).toThrow('MONGO_URL is missing');
    });
  });
});

describe('the edge (scripts/deploy/edge/nginx.conf)', () => {
  const conf = readText('scripts/deploy/edge/nginx.conf');
  /** `location` blocks: modifier + path → body. */
  const locations = new Map(
    [...conf.matchAll(/location\s+(=\s+)?(\S+)\s*\{([^}]*)\}/g)].map((m) => [
      `${m[1] ? '= ' : ''}${m[2]}`,
      m[3]!,
    ]),
  );
  const upstream = (body: string | undefined) => /proxy_pass\s+\$(\w+);/.exec(body ?? '')?.[1];

  /** `nginx -t` on a config text: its error lines, empty when nginx accepts it. */
  async function nginxProblems(text: string): Promise<string[]> {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'communities-edge-'));
    try {
      writeFileSync(path.join(dir, 'nginx.conf'), text);
      const args = ['-t', '-q', '-p', dir, '-e', 'stderr', '-c', path.join(dir, 'nginx.conf')];
      await execFileAsync('bash', [path.join(ROOT, 'scripts/deploy/tools.sh'), 'nginx', ...args]);
      return [];
    } catch (error) {
      const stderr = (error as { stderr?: string }).stderr ?? String(error);
      return stderr.split('\n').filter((line) => line.includes('[emerg]'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  it('is a configuration nginx accepts (nginx -t)', async () => {
    expect(await nginxProblems(conf)).toEqual([]);
    const broken = conf.replace('proxy_read_timeout 3600s;', 'proxy_read_timeout 3600s');
    expect(await nginxProblems(broken)).toEqual([
      expect.stringContaining('invalid number of arguments in "proxy_read_timeout"'),
    ]);
  });

  it('is mounted by the edge service and listens on the port compose publishes', () => {
    const edge = composeService(compose.resolved, 'edge');
    expect(edge.volumes).toContain('./scripts/deploy/edge/nginx.conf:/etc/nginx/nginx.conf:ro');
    expect(conf).toMatch(/listen 8080;/);
  });

  it.each([
    ['/api/', 'api_service'],
    ['/docs', 'api_service'],
    ['/redoc', 'api_service'],
    ['= /openapi.json', 'api_service'],
    ['/ws/', 'realtime_gateway'],
    ['= /asyncapi.json', 'realtime_gateway'],
  ])('routes %s to $%s', (location, target) => {
    expect(upstream(locations.get(location))).toBe(target);
  });

  it('points its upstreams at the compose services and the ports they listen on', () => {
    for (const [variable, service] of [
      ['api_service', 'api-service'],
      ['realtime_gateway', 'realtime-gateway'],
    ] as const) {
      const port = asRecord(composeService(compose.resolved, service).environment, 'env').PORT;
      expect(conf).toContain(`set $${variable} http://${service}:${String(port)};`);
    }
  });

  it('upgrades WebSockets on /ws/ and keeps idle sockets open for long', () => {
    const ws = locations.get('/ws/') ?? '';
    expect(ws).toMatch(/proxy_set_header Upgrade \$http_upgrade;/);
    expect(ws).toMatch(/proxy_set_header Connection \$connection_upgrade;/);
    const seconds = (name: string) => Number(new RegExp(`${name} (\\d+)s;`).exec(ws)?.[1]);
    expect(seconds('proxy_read_timeout')).toBeGreaterThanOrEqual(3600);
    expect(seconds('proxy_send_timeout')).toBeGreaterThanOrEqual(3600);
    expect(conf).toMatch(/proxy_http_version 1\.1;/);
  });

  it('accepts bodies up to the api-service limit, so the service answers 413 itself', () => {
    const api = asRecord(composeService(compose.resolved, 'api-service').environment, 'env');
    const limit = Number(/client_max_body_size (\d+)m;/.exec(conf)?.[1]) * 1024 * 1024;
    expect(limit).toBeGreaterThan(Number(api.BODY_LIMIT_BYTES));
  });
});
