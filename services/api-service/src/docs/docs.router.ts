import { createRequire } from 'node:module';
import path from 'node:path';
import express, { Router } from 'express';

const requireFromHere = createRequire(__filename);

/** Static assets come from npm packages (no CDN: many clusters have no internet). */
function swaggerUiDir(): string {
  return (
    requireFromHere('swagger-ui-dist') as { getAbsoluteFSPath(): string }
  ).getAbsoluteFSPath();
}
function redocBundle(): string {
  return path.join(
    path.dirname(requireFromHere.resolve('redoc/package.json')),
    'bundles',
    'redoc.standalone.js',
  );
}

const SWAGGER_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Communities API · Swagger UI</title>
<link rel="stylesheet" href="/docs/assets/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script src="/docs/init.js"></script></body></html>`;

const SWAGGER_INIT = `window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#swagger-ui', deepLinking: true });`;

const REDOC_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Communities API · ReDoc</title></head>
<body><redoc spec-url="/openapi.json"></redoc>
<script src="/redoc/redoc.standalone.js"></script></body></html>`;

/** `/openapi.json`, Swagger UI at `/docs`, ReDoc at `/redoc`. */
export function docsRouter(openApi: object): Router {
  const router = Router();
  const document = JSON.stringify(openApi);
  router.get('/openapi.json', (_req, res) => {
    res.type('application/json').send(document);
  });
  router.get('/docs', (_req, res) => {
    res.type('html').send(SWAGGER_HTML);
  });
  router.get('/docs/init.js', (_req, res) => {
    res.type('application/javascript').send(SWAGGER_INIT);
  });
  router.use('/docs/assets', express.static(swaggerUiDir(), { index: false, maxAge: '1d' }));
  router.get('/redoc', (_req, res) => {
    res.type('html').send(REDOC_HTML);
  });
  router.get('/redoc/redoc.standalone.js', (_req, res) => {
    res.sendFile(redocBundle(), { maxAge: '1d' });
  });
  return router;
}
