import { existsSync } from 'node:fs';
import path from 'node:path';
import { webAppHeaders } from '@communities/api-service';
import express, { Router } from 'express';
import type { Logger } from 'pino';

/**
 * Where `npm run build` leaves the web app (services/web/dist), found through the workspace's
 * package by name. Not a dependency of this package: the standalone runs without it (the image
 * ships no web app yet), and then serves the API alone.
 */
export function builtWebApp(): string | undefined {
  try {
    const dir = path.join(path.dirname(require.resolve('@communities/web/package.json')), 'dist');
    return existsSync(path.join(dir, 'index.html')) ? dir : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The web app at `/`: its page, never cached (it names the current bundle), and its
 * content-hashed assets, cached for good. Only these paths: the API's requests never reach the
 * file system. Undefined when the app is not built (`dir` undefined).
 */
export function webAppRoutes(logger: Logger, dir: string | undefined): Router | undefined {
  if (!dir) {
    logger.info('web app not built (npm run build builds it): / is not served');
    return undefined;
  }
  const router = Router();
  const headers = webAppHeaders();
  const page = path.join(dir, 'index.html');
  router.get(['/', '/index.html'], headers, (_req, res) => {
    res.setHeader('Cache-Control', 'no-cache');
    res.sendFile(page);
  });
  router.get('/favicon.svg', headers, (_req, res) => {
    res.sendFile(path.join(dir, 'favicon.svg'), { maxAge: '1d' });
  });
  router.use(
    '/assets',
    headers,
    express.static(path.join(dir, 'assets'), {
      index: false,
      immutable: true,
      maxAge: '365d',
    }),
  );
  logger.info({ dir }, 'serving the web app at /');
  return router;
}
