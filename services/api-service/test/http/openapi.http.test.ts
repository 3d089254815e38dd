import { backendUrl, uniqueDbName } from '@communities/test-support';
import pino from 'pino';
import request from 'supertest';
import { createApp } from '../../src/app';
import { RecordingPublisher } from '../../src/events/event-publisher';
import { MongoDocumentDb } from '../../src/store/mongo/mongo-document-db';
import { createRepositories } from '../../src/store/repositories';
import { openApi, storeKinds, type ApiHarness } from '../support/api-harness';
import { expectError } from '../support/fixtures';

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

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'];

interface Operation {
  operationId?: string;
  parameters?: { in: string; name: string; required?: boolean }[];
  requestBody?: unknown;
  responses: Record<string, { content?: Record<string, { schema?: unknown }> }>;
}
interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, unknown> };
}

function operations(doc: OpenApiDocument): { key: string; path: string; op: Operation }[] {
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => HTTP_METHODS.includes(method))
      .map(([method, op]) => ({ key: `${method.toUpperCase()} ${path}`, path, op })),
  );
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

    it('lists exactly the 30 endpoints of the spec', () => {
      const expected = SPEC_ENDPOINTS.map((e) => e.replace(/\/$/, '')).sort();
      expect(new Set(expected).size).toBe(30);

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
      expect(ids.size).toBe(30);
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
        const hasBody = /^(POST|PUT) /.test(key) && !key.endsWith('/pin');
        expect({ key, body: op.requestBody !== undefined }).toEqual({ key, body: hasBody });
      }
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
