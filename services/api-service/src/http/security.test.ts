import express, { type Express } from 'express';
import helmet from 'helmet';
import request from 'supertest';
import { docsRouter } from '../docs/docs.router';
import { DOCUMENT_ONLY_HEADERS, corsPolicy, securityHeaders, webAppHeaders } from './security';

const OPEN_API = { openapi: '3.1.0', info: { title: 'test', version: '1' }, paths: {} };

function appWithHeaders(): Express {
  const app = express();
  app.use(securityHeaders());
  app.use(docsRouter(OPEN_API));
  app.get('/api/things', (_req, res) => {
    res.json({ items: [] });
  });
  return app;
}

/** The directives of a Content-Security-Policy header, by name. */
function csp(header: string | undefined): Map<string, string[]> {
  expect(header).toBeDefined();
  return new Map(
    (header ?? '')
      .split(';')
      .map((part) => part.trim().split(/\s+/))
      .map(([name = '', ...values]) => [name, values]),
  );
}

describe('securityHeaders', () => {
  const app = appWithHeaders();

  it('gives JSON responses the strict headers and a policy that allows nothing', async () => {
    const res = await request(app).get('/api/things');

    expect(res.status).toBe(200);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers['strict-transport-security']).toMatch(/max-age=\d+/);
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect(res.headers['cross-origin-resource-policy']).toBe('same-origin');
    expect(res.headers['x-powered-by']).toBeUndefined();
    const policy = csp(res.headers['content-security-policy']);
    expect(policy.get('default-src')).toEqual(["'none'"]);
    expect(policy.get('frame-ancestors')).toEqual(["'none'"]);
    // Document-only headers stay on the HTML pages.
    expect(res.headers['cross-origin-opener-policy']).toBeUndefined();
    expect(res.headers['x-dns-prefetch-control']).toBeUndefined();
    const page = await request(app).get('/docs/');
    expect(page.headers['cross-origin-opener-policy']).toBe('same-origin');
    expect(page.headers['x-dns-prefetch-control']).toBe('off');
  });

  it('sets every header helmet itself would, with the same values', async () => {
    const byHelmet = express();
    byHelmet.use(
      helmet({
        ...DOCUMENT_ONLY_HEADERS,
        contentSecurityPolicy: false,
        xFrameOptions: { action: 'deny' },
      }),
    );
    byHelmet.get('/api/things', (_req, res) => {
      res.json({ items: [] });
    });
    const expected = (await request(byHelmet).get('/api/things')).headers;
    const actual = (await request(app).get('/api/things')).headers;
    const compared = (headers: Record<string, string>) =>
      Object.fromEntries(
        Object.entries(headers).filter(
          ([name]) => !['date', 'content-security-policy', 'etag'].includes(name),
        ),
      );
    expect(compared(actual)).toEqual(compared(expected));
  });

  it('puts the strict policy on unknown paths too', async () => {
    const res = await request(app).get('/nowhere');

    expect(csp(res.headers['content-security-policy']).get('default-src')).toEqual(["'none'"]);
  });

  it('lets Swagger UI load its own assets and the spec, with no inline script or style', async () => {
    const res = await request(app).get('/docs');

    expect(res.status).toBe(200);
    const policy = csp(res.headers['content-security-policy']);
    expect(policy.get('default-src')).toEqual(["'self'"]);
    expect(policy.get('script-src')).toEqual(["'self'"]);
    expect(policy.get('style-src')).toEqual(["'self'"]);
    expect(policy.get('connect-src')).toEqual(["'self'"]);
    expect(policy.get('img-src')).toEqual(["'self'", 'data:']);
    expect(policy.get('frame-ancestors')).toEqual(["'none'"]);
    expect(policy.has('upgrade-insecure-requests')).toBe(false);
  });

  it('lets ReDoc inject its styles and start its blob: search worker, and nothing more', async () => {
    const res = await request(app).get('/redoc');

    expect(res.status).toBe(200);
    const policy = csp(res.headers['content-security-policy']);
    expect(policy.get('script-src')).toEqual(["'self'"]);
    expect(policy.get('style-src')).toEqual(["'self'", "'unsafe-inline'"]);
    expect(policy.get('worker-src')).toEqual(["'self'", 'blob:']);
    expect(policy.get('connect-src')).toEqual(["'self'"]);
  });

  it.each(['/docs', '/redoc'])(
    'serves %s with scripts and stylesheets that are all same-origin files the policy allows',
    async (page) => {
      const html = (await request(app).get(page)).text;

      // 'self' for scripts holds only while the page has no inline script: every <script> has src.
      const scripts = [...html.matchAll(/<script([^>]*)>/g)].map((m) => m[1] ?? '');
      expect(scripts.length).toBeGreaterThan(0);
      for (const attributes of scripts) expect(attributes).toMatch(/\ssrc="\/[^/]/);
      expect(html).not.toMatch(/<style|\sstyle=|\son[a-z]+=/i);

      const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1] ?? '');
      for (const asset of assets) {
        expect(asset).toMatch(/^\/[^/]/);
        expect((await request(app).get(asset)).status).toBe(200);
      }
    },
  );

  it('gives the docs assets the docs policy, not the API one', async () => {
    const res = await request(app).get('/docs/init.js');

    expect(csp(res.headers['content-security-policy']).get('default-src')).toEqual(["'self'"]);
  });
});

describe('webAppHeaders', () => {
  const app = express();
  app.use(securityHeaders());
  app.get('/', webAppHeaders(), (_req, res) => {
    res.type('html').send('<!doctype html><script type="module" src="/assets/app.js"></script>');
  });

  it("replaces the API policy with the app's: same-origin files and calls, nothing inline", async () => {
    const res = await request(app).get('/');

    const policy = csp(res.headers['content-security-policy']);
    expect(policy.get('default-src')).toEqual(["'self'"]);
    expect(policy.get('script-src')).toEqual(["'self'"]);
    expect(policy.get('script-src-attr')).toEqual(["'none'"]);
    expect(policy.get('style-src')).toEqual(["'self'"]);
    expect(policy.get('connect-src')).toEqual(["'self'"]);
    expect(policy.get('img-src')).toEqual(["'self'"]);
    expect(policy.get('frame-ancestors')).toEqual(["'none'"]);
    expect(policy.has('upgrade-insecure-requests')).toBe(false);
    // A page: the document-only headers too.
    expect(res.headers['cross-origin-opener-policy']).toBe('same-origin');
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers['x-powered-by']).toBeUndefined();
  });
});

describe('corsPolicy', () => {
  const app = express();
  app.use(corsPolicy(['https://app.example.com', 'http://localhost:3000']));
  app.get('/api/things', (_req, res) => {
    res.json({ items: [] });
  });

  it('echoes an allowed origin and exposes the headers clients read', async () => {
    const res = await request(app).get('/api/things').set('Origin', 'https://app.example.com');

    expect(res.status).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBe('https://app.example.com');
    expect(res.headers['access-control-expose-headers']).toBe(
      'X-Request-Id,Retry-After,Allow,Idempotent-Replayed',
    );
    expect(res.headers['access-control-allow-credentials']).toBeUndefined();
    expect(res.headers.vary).toMatch(/Origin/);
  });

  it('gives an origin not on the list no CORS headers at all', async () => {
    const res = await request(app).get('/api/things').set('Origin', 'https://evil.example.com');

    expect(res.status).toBe(200);
    const corsHeaders = Object.keys(res.headers).filter((h) => h.startsWith('access-control-'));
    expect(corsHeaders).toEqual([]);
    expect(res.headers.vary).toMatch(/Origin/);
  });

  it('never matches a look-alike of an allowed origin', async () => {
    for (const origin of ['https://app.example.com.evil.io', 'http://app.example.com', 'null']) {
      const res = await request(app).get('/api/things').set('Origin', origin);
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
    }
  });

  it('answers an allowed preflight with 204, the methods, headers and a 10-minute max age', async () => {
    const res = await request(app)
      .options('/api/things')
      .set('Origin', 'http://localhost:3000')
      .set('Access-Control-Request-Method', 'POST')
      .set('Access-Control-Request-Headers', 'authorization,content-type,idempotency-key');

    expect(res.status).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe('http://localhost:3000');
    expect(res.headers['access-control-allow-methods']).toBe('GET,POST,PUT,DELETE');
    expect(res.headers['access-control-allow-headers']).toBe(
      'Authorization,Content-Type,Idempotency-Key,X-Request-Id',
    );
    expect(res.headers['access-control-max-age']).toBe('600');
  });

  it('leaves a preflight from an origin not on the list without CORS headers', async () => {
    const res = await request(app)
      .options('/api/things')
      .set('Origin', 'https://evil.example.com')
      .set('Access-Control-Request-Method', 'DELETE');

    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    expect(res.headers['access-control-allow-methods']).toBeUndefined();
  });

  it('lets requests without an Origin (servers, curl) through untouched', async () => {
    const res = await request(app).get('/api/things');

    expect(res.status).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });
});
