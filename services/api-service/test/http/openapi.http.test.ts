import { ERROR_CODES, type ErrorCode } from '@communities/contracts';
import { backendUrl, uniqueDbName } from '@communities/test-support';
import pino from 'pino';
import request from 'supertest';
import { createApp } from '../../src/app';
import { PasswordHasher } from '../../src/auth/password-hasher';
import { RecordingPublisher } from '../../src/events/event-publisher';
import { HTTP_STATUS } from '../../src/http/error-status';
import { MongoDocumentDb } from '../../src/store/mongo/mongo-document-db';
import { createRepositories } from '../../src/store/repositories';
import { openApi, storeKinds, testTokenService, type ApiHarness } from '../support/api-harness';
import {
  TEST_PASSWORD,
  UNKNOWN_ID,
  authHeader,
  createMember,
  expectError,
} from '../support/fixtures';

/**
 * The 30 endpoints of the seed spec (communities-backend-api.md, "API Endpoints"), verbatim.
 * The spec writes collection roots with a trailing slash (`/api/communities/`); the document lists
 * them without one, and the server answers both.
 */
const SPEC_ENDPOINTS = [
  'GET /api/communities/',
  'POST /api/communities/',
  'GET /api/communities/{id}',
  'PUT /api/communities/{id}',
  'DELETE /api/communities/{id}',
  'POST /api/communities/{id}/join',
  'POST /api/communities/{id}/leave',
  'GET /api/communities/{id}/members',
  'GET /api/threads/community/{community_id}',
  'POST /api/threads/community/{community_id}',
  'GET /api/threads/{id}',
  'PUT /api/threads/{id}',
  'DELETE /api/threads/{id}',
  'POST /api/threads/{id}/pin',
  'GET /api/threads/search',
  'GET /api/messages/thread/{thread_id}',
  'POST /api/messages/thread/{thread_id}',
  'GET /api/messages/{id}',
  'PUT /api/messages/{id}',
  'DELETE /api/messages/{id}',
  'GET /api/messages/search',
  'GET /api/messages/thread/{thread_id}/replies/{message_id}',
  'GET /api/members/',
  'POST /api/members/',
  'GET /api/members/{id}',
  'GET /api/members/username/{username}',
  'PUT /api/members/{id}',
  'DELETE /api/members/{id}',
  'GET /api/members/{id}/communities',
  'GET /api/members/{id}/activity',
];

/** The endpoints authentication, roles and private communities added (issue 5). */
const AUTH_ENDPOINTS = [
  'POST /api/auth/login',
  'POST /api/auth/refresh',
  'POST /api/auth/logout',
  'PUT /api/members/{id}/password',
  'DELETE /api/communities/{id}/members/{member_id}',
  'POST /api/communities/{id}/invitations',
  'DELETE /api/communities/{id}/invitations/{member_id}',
  'PUT /api/communities/{id}/moderators/{member_id}',
  'DELETE /api/communities/{id}/moderators/{member_id}',
  'POST /api/realtime/grants',
];
const ENDPOINT_COUNT = SPEC_ENDPOINTS.length + AUTH_ENDPOINTS.length;

/** Anyone may call these; they ignore the Authorization header. */
const WITHOUT_TOKEN = [
  'POST /api/members',
  'POST /api/auth/login',
  'POST /api/auth/refresh',
  'POST /api/auth/logout',
];

/** Writes that take no body: the path says everything. */
const BODILESS_WRITES = [
  'POST /api/threads/{id}/pin',
  'PUT /api/communities/{id}/moderators/{member_id}',
];

/** Join and leave: the body may be left out (the caller is the member). */
const OPTIONAL_BODIES = ['POST /api/communities/{id}/join', 'POST /api/communities/{id}/leave'];

/**
 * A valid request to each endpoint, naming things that do not exist: what it answers is then an
 * outcome of the rules (not found, forbidden, credentials), which the document must declare.
 */
const PROBE_BODIES: Record<string, object> = {
  'POST /api/auth/login': { login: 'nobody', password: 'not the password' },
  'POST /api/auth/refresh': { refresh_token: 'not-a-refresh-token' },
  'POST /api/auth/logout': { refresh_token: 'not-a-refresh-token' },
  'PUT /api/members/{id}/password': {
    current_password: TEST_PASSWORD,
    new_password: 'a brand new password',
  },
  'POST /api/communities': { name: 'probe' },
  'PUT /api/communities/{id}': { name: 'probe' },
  'POST /api/communities/{id}/join': {},
  'POST /api/communities/{id}/leave': {},
  'POST /api/communities/{id}/invitations': { member_id: UNKNOWN_ID },
  'POST /api/threads/community/{community_id}': { title: 'probe' },
  'PUT /api/threads/{id}': { title: 'probe' },
  'POST /api/messages/thread/{thread_id}': { content: 'probe' },
  'PUT /api/messages/{id}': { content: 'probe' },
  'POST /api/members': { username: 'probe', email: 'probe@example.com', password: TEST_PASSWORD },
  'PUT /api/members/{id}': { bio: 'probe' },
  'POST /api/realtime/grants': { channels: [`community:${UNKNOWN_ID}`] },
};
const PROBE_QUERIES: Record<string, string> = {
  'GET /api/threads/search': '?q=probe',
  'GET /api/messages/search': '?q=probe',
};

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'];

interface Operation {
  operationId?: string;
  parameters?: { in: string; name: string; required?: boolean }[];
  requestBody?: { required?: boolean };
  security?: Record<string, string[]>[];
  responses: Record<
    string,
    {
      description?: string;
      content?: Record<string, { schema?: unknown }>;
      headers?: Record<string, unknown>;
    }
  >;
}
interface JsonSchema {
  format?: string;
  pattern?: string;
  description?: string;
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
}
interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, unknown>; securitySchemes?: Record<string, unknown> };
}

interface DocumentedOperation {
  key: string;
  method: string;
  path: string;
  op: Operation;
}

function operations(doc: OpenApiDocument): DocumentedOperation[] {
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => HTTP_METHODS.includes(method))
      .map(([method, op]) => ({ key: `${method.toUpperCase()} ${path}`, method, path, op })),
  );
}

/** The error codes a response declares, from its description `error: CODE, CODE`. */
function declaredCodes(response: { description?: string } | undefined): string[] {
  const match = /^error: (.+)$/.exec(response?.description ?? '');
  return match ? match[1]!.split(', ') : [];
}

/** Calls a documented operation with unknown ids (and `nobody` for a username). */
function probe(app: ApiHarness['app'], { key, method, path }: DocumentedOperation) {
  const url = path.replace('{username}', 'nobody').replace(/\{\w+\}/g, UNKNOWN_ID);
  const req = request(app)[method as 'get' | 'post' | 'put' | 'delete'](
    url + (PROBE_QUERIES[key] ?? ''),
  );
  return PROBE_BODIES[key] ? req.send(PROBE_BODIES[key]) : req;
}

describe.each(storeKinds())('service documents and probes (%s store)', (kind) => {
  let h: ApiHarness;

  beforeEach(async () => {
    h = await openApi(kind);
  });
  afterEach(async () => {
    jest.restoreAllMocks();
    await h.close();
  });

  describe('GET /openapi.json', () => {
    let doc: OpenApiDocument;
    beforeEach(async () => {
      const res = await request(h.app).get('/openapi.json');
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      doc = res.body as OpenApiDocument;
    });

    it('is an OpenAPI 3.1 document', () => {
      expect(doc.openapi).toMatch(/^3\.1\.\d+$/);
      expect(doc.info.title).toBe('Communities API');
      expect(doc.info.version).toMatch(/^\d+\.\d+\.\d+/);
    });

    it('lists exactly the 30 endpoints of the spec and the 10 that authentication added', () => {
      const expected = [...SPEC_ENDPOINTS, ...AUTH_ENDPOINTS]
        .map((e) => e.replace(/\/$/, ''))
        .sort();
      expect(new Set(expected).size).toBe(40);

      expect(
        operations(doc)
          .map((o) => o.key)
          .sort(),
      ).toEqual(expected);
    });

    it('declares each path parameter, and unique operation ids', () => {
      const ids = new Set<string>();
      for (const { key, path, op } of operations(doc)) {
        const inPath = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
        const declared = (op.parameters ?? [])
          .filter((p) => p.in === 'path')
          .map((p) => p.name)
          .sort();
        expect({ key, params: declared }).toEqual({ key, params: inPath });
        expect(op.operationId).toEqual(expect.any(String));
        ids.add(op.operationId!);
      }
      expect(ids.size).toBe(ENDPOINT_COUNT);
    });

    it('documents the 400 and 500 error shape on every endpoint, and a body on every write', () => {
      expect(doc.components?.schemas).toHaveProperty('ErrorBody');
      for (const { key, op } of operations(doc)) {
        for (const status of ['400', '500']) {
          expect({
            key,
            status,
            schema: op.responses[status]?.content?.['application/json'],
          }).toEqual({
            key,
            status,
            schema: { schema: { $ref: '#/components/schemas/ErrorBody' } },
          });
        }
        const hasBody = /^(POST|PUT) /.test(key) && !BODILESS_WRITES.includes(key);
        expect({ key, body: op.requestBody !== undefined }).toEqual({ key, body: hasBody });
        if (hasBody) {
          expect({ key, required: op.requestBody?.required }).toEqual({
            key,
            required: !OPTIONAL_BODIES.includes(key),
          });
        }
      }
    });

    it('declares the bearerAuth security scheme: a JWT in the Authorization header', () => {
      expect(doc.components?.securitySchemes?.bearerAuth).toMatchObject({
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'JWT',
      });
    });

    it('requires bearerAuth on every write, allows anonymous on every read, and none on sign-up and login', () => {
      for (const { key, op } of operations(doc)) {
        const expected = WITHOUT_TOKEN.includes(key)
          ? []
          : key.startsWith('GET ')
            ? [{}, { bearerAuth: [] }]
            : [{ bearerAuth: [] }];
        expect({ key, security: op.security }).toEqual({ key, security: expected });
      }
    });

    it('names each error code once, under the status the catalogue gives it', () => {
      for (const { key, op } of operations(doc)) {
        for (const [status, response] of Object.entries(op.responses)) {
          if (Number(status) < 400) continue;
          const codes = declaredCodes(response);
          expect({ key, status, codes }).toEqual({
            key,
            status,
            codes: [...new Set(codes)].filter((c) => ERROR_CODES.includes(c as ErrorCode)),
          });
          expect(codes.length).toBeGreaterThan(0);
          for (const code of codes) {
            expect({ key, code, status: HTTP_STATUS[code as ErrorCode] }).toEqual({
              key,
              code,
              status: Number(status),
            });
          }
        }
      }
    });

    it('declares 400 MALFORMED_REQUEST wherever a path parameter or a body is decoded', () => {
      for (const { key, path, op } of operations(doc)) {
        const decodes = path.includes('{') || op.requestBody !== undefined;
        expect({
          key,
          declared: declaredCodes(op.responses['400']).includes('MALFORMED_REQUEST'),
        }).toEqual({
          key,
          declared: decodes,
        });
      }
    });

    it('documents avatar and attachment URLs as absolute http(s) URLs, with a pattern that refuses other schemes', () => {
      const bodyOf = (path: string, method: string) =>
        (
          doc.paths[path]![method] as unknown as {
            requestBody: { content: { 'application/json': { schema: JsonSchema } } };
          }
        ).requestBody.content['application/json'].schema;
      const urlFields: [string, JsonSchema | undefined][] = [
        ['POST /api/members', bodyOf('/api/members', 'post').properties?.avatar_url],
        ['PUT /api/members/{id}', bodyOf('/api/members/{id}', 'put').properties?.avatar_url],
        ['POST /api/communities', bodyOf('/api/communities', 'post').properties?.avatar_url],
        [
          'PUT /api/communities/{id}',
          bodyOf('/api/communities/{id}', 'put').properties?.avatar_url,
        ],
        [
          'POST /api/messages/thread/{thread_id}',
          bodyOf('/api/messages/thread/{thread_id}', 'post').properties?.attachments?.items,
        ],
        [
          'PUT /api/messages/{id}',
          bodyOf('/api/messages/{id}', 'put').properties?.attachments?.items,
        ],
      ];
      for (const [key, schema] of urlFields) {
        expect({ key, schema }).toEqual({
          key,
          schema: expect.objectContaining({
            format: 'uri',
            pattern: expect.any(String),
            description: expect.stringContaining('https://'),
          }),
        });
        const pattern = new RegExp(schema!.pattern!);
        expect(pattern.test('https://cdn.example.com/a.png')).toBe(true);
        expect(pattern.test('http://cdn.example.com/a.png')).toBe(true);
        for (const bad of ['javascript:alert(1)', 'data:text/html,<b>', 'file:///etc/passwd']) {
          expect({ key, bad, accepted: pattern.test(bad) }).toEqual({ key, bad, accepted: false });
        }
      }
    });

    it('documents both answers of a message post (201 new, 200 replay with Idempotent-Replayed), its key header and after_seq', () => {
      const path = doc.paths['/api/messages/thread/{thread_id}']!;
      const post = path.post!;
      const message = { 'application/json': { schema: { $ref: '#/components/schemas/Message' } } };
      expect(post.responses['201']).toEqual({ description: 'the new message', content: message });
      expect(post.responses['200']).toMatchObject({
        content: message,
        headers: {
          'Idempotent-Replayed': { required: true, schema: { type: 'string', enum: ['true'] } },
        },
      });
      expect(declaredCodes(post.responses['409'])).toContain('IDEMPOTENCY_KEY_REUSED');
      expect(post.parameters).toContainEqual(
        expect.objectContaining({ in: 'header', name: 'idempotency-key', required: false }),
      );
      expect(path.get!.parameters).toContainEqual(
        expect.objectContaining({
          in: 'query',
          name: 'after_seq',
          required: false,
          schema: expect.objectContaining({ type: 'integer', minimum: 0 }),
        }),
      );
    });

    it('declares 401 UNAUTHENTICATED wherever a token is read, and every write answers it without one', async () => {
      for (const operation of operations(doc)) {
        const { key, op } = operation;
        if (WITHOUT_TOKEN.includes(key)) continue;
        expect({ key, codes: declaredCodes(op.responses['401']) }).toEqual({
          key,
          codes: expect.arrayContaining(['UNAUTHENTICATED']),
        });
        if (key.startsWith('GET ')) continue;
        const res = await probe(h.app, operation);
        expect({ key, status: res.status, code: res.body?.error?.code }).toEqual({
          key,
          status: 401,
          code: 'UNAUTHENTICATED',
        });
      }
    });

    it('declares what each endpoint answers to a member asking about things that do not exist', async () => {
      const caller = await createMember(h.app);
      const answers: string[] = [];
      for (const operation of operations(doc)) {
        const { key, op } = operation;
        const res = await probe(h.app, operation).set(
          WITHOUT_TOKEN.includes(key) ? {} : authHeader(caller),
        );
        const declared = op.responses[String(res.status)];
        const code = (res.body as { error?: { code: string } }).error?.code;
        answers.push(`${key} ${res.status} ${code ?? ''}`.trim());
        expect({ key, status: res.status, declared: declared !== undefined }).toEqual({
          key,
          status: res.status,
          declared: true,
        });
        if (code !== undefined) {
          expect({ key, code, declared: declaredCodes(declared) }).toEqual({
            key,
            code,
            declared: expect.arrayContaining([code]),
          });
        }
      }
      // The caller's token was accepted everywhere: only a bogus refresh token is refused.
      expect(answers.filter((a) => a.endsWith(' UNAUTHENTICATED'))).toEqual([
        'POST /api/auth/refresh 401 UNAUTHENTICATED',
      ]);
    });
  });

  describe('GET /docs and GET /redoc', () => {
    const assetsOf = (html: string) =>
      [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);

    it('serves Swagger UI with its scripts and stylesheet', async () => {
      const page = await request(h.app).get('/docs');

      expect(page.status).toBe(200);
      expect(page.headers['content-type']).toMatch(/^text\/html/);
      const assets = assetsOf(page.text);
      expect(assets.sort()).toEqual([
        '/docs/assets/swagger-ui-bundle.js',
        '/docs/assets/swagger-ui.css',
        '/docs/init.js',
      ]);
      for (const asset of assets) {
        const res = await request(h.app).get(asset);
        expect({ asset, status: res.status }).toEqual({ asset, status: 200 });
        expect(Number(res.headers['content-length'] ?? res.text.length)).toBeGreaterThan(0);
        expect(res.text.length).toBeGreaterThan(0);
      }
      const init = await request(h.app).get('/docs/init.js');
      expect(init.headers['content-type']).toMatch(/javascript/);
      expect(init.text).toContain("url: '/openapi.json'");
    });

    it('serves ReDoc with its bundle', async () => {
      const page = await request(h.app).get('/redoc');

      expect(page.status).toBe(200);
      expect(page.headers['content-type']).toMatch(/^text\/html/);
      expect(page.text).toContain('spec-url="/openapi.json"');
      const assets = assetsOf(page.text);
      expect(assets).toEqual(['/redoc/redoc.standalone.js']);
      const bundle = await request(h.app).get(assets[0]!);
      expect(bundle.status).toBe(200);
      expect(bundle.headers['content-type']).toMatch(/javascript/);
      expect(bundle.text.length).toBeGreaterThan(100_000);
    });
  });

  describe('GET /healthz and GET /readyz', () => {
    it('answers 200 on both while the store answers', async () => {
      const health = await request(h.app).get('/healthz');
      expect(health.status).toBe(200);
      expect(health.body).toEqual({ status: 'ok' });

      const ready = await request(h.app).get('/readyz');
      expect(ready.status).toBe(200);
      expect(ready.body).toEqual({ status: 'ready' });
    });

    it('answers /readyz with 503 SERVICE_UNAVAILABLE when the store fails its ping', async () => {
      jest.spyOn(h.db, 'ping').mockRejectedValue(new Error('connection refused at 10.0.0.7'));

      const res = await request(h.app).get('/readyz');

      const body = expectError(res, 503, 'SERVICE_UNAVAILABLE');
      expect(res.text).not.toContain('10.0.0.7');
      expect(body.error.message).toBe('a backend is unavailable');
      expect((await request(h.app).get('/healthz')).status).toBe(200);
    });

    // The embedded store lives in this process: it has no connection to lose. This test wires
    // its own app, because the harness's close() drops its database and needs the connection.
    // Nothing is written, so the server never creates the database and nothing is left behind.
    if (kind === 'mongodb') {
      it('answers /readyz with 503 after the MongoDB connection is closed', async () => {
        const db = await MongoDocumentDb.connect(
          backendUrl('MONGO_URL')!,
          uniqueDbName('communities_test'),
        );
        const app = createApp({
          logger: pino({ level: 'silent' }),
          repos: createRepositories(db),
          events: new RecordingPublisher(),
          auth: {
            tokens: testTokenService(),
            hasher: new PasswordHasher(10),
            refreshTtlSeconds: 3600,
          },
          ready: () => db.ping(),
        });
        expect((await request(app).get('/readyz')).status).toBe(200);

        await db.close();

        expectError(await request(app).get('/readyz'), 503, 'SERVICE_UNAVAILABLE');
        expect((await request(app).get('/healthz')).status).toBe(200);
      });
    }
  });
});
