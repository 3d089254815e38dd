/**
 * The images' HEALTHCHECK (the slim base image has neither curl nor wget):
 *
 *   node scripts/docker/healthcheck.js [PATH]
 *
 * GETs http://127.0.0.1:$PORT/PATH (default `/readyz`) and exits 0 on a 2xx answer within 2 s,
 * 1 otherwise. PORT and HOST are the container's own settings, so a changed port needs no change
 * here. CI runs it against the services it builds (test/deploy/docker-build.test.ts).
 */
const http = require('node:http');

const path = process.argv[2] || '/readyz';
const port = Number(process.env.PORT || 5001);
const host = ['', '0.0.0.0', '::'].includes(process.env.HOST || '')
  ? '127.0.0.1'
  : process.env.HOST;

const request = http.get({ host, port, path, timeout: 2000 }, (response) => {
  response.resume();
  const ok = response.statusCode >= 200 && response.statusCode < 300;
  if (!ok) process.stderr.write(`GET ${path}: ${response.statusCode}\n`);
  process.exit(ok ? 0 : 1);
});
request.on('timeout', () => request.destroy(new Error('timed out')));
request.on('error', (error) => {
  process.stderr.write(`GET ${path}: ${error.message}\n`);
  process.exit(1);
});
