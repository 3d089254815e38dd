import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import express from 'express';
import pino from 'pino';
import request from 'supertest';
import { webAppRoutes } from './web-app';

const logger = pino({ level: 'silent' });

describe('webAppRoutes', () => {
  let dir: string;
  let app: express.Express;

  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'web-app-'));
    mkdirSync(path.join(dir, 'assets'));
    writeFileSync(path.join(dir, 'index.html'), '<!doctype html><script src="/assets/a1.js">');
    writeFileSync(path.join(dir, 'assets', 'a1.js'), 'export {};');
    app = express();
    app.use(webAppRoutes(logger, dir)!);
    app.use((_req, res) => {
      res.status(404).json({ error: { code: 'ROUTE_NOT_FOUND' } });
    });
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("serves the page at / with the app's policy, never cached", async () => {
    const res = await request(app).get('/');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.headers['cache-control']).toBe('no-cache');
    expect(res.headers['content-security-policy']).toContain("script-src 'self'");
  });

  it('serves the hashed assets for good, and leaves a missing one to the next route', async () => {
    const asset = await request(app).get('/assets/a1.js');
    expect(asset.status).toBe(200);
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect((await request(app).get('/assets/a2.js')).body).toEqual({
      error: { code: 'ROUTE_NOT_FOUND' },
    });
  });

  it('touches nothing else: the API paths go past it', async () => {
    expect((await request(app).get('/api/communities')).status).toBe(404);
    expect((await request(app).get('/index.js')).status).toBe(404);
  });

  it('is absent when the app is not built', () => {
    expect(webAppRoutes(logger, undefined)).toBeUndefined();
  });
});
