/**
 * Baseline, written for the benchmark only: a bare Express 5 route (the same `express` copy the
 * api-service uses) answering the same small JSON as the api-service's `GET /healthz`. No
 * middleware: the floor for what our REST stack adds per request.
 *
 * Env: PORT.
 */
import express from 'express';

const port = Number(process.env.PORT ?? 5005);
const app = express();
app.disable('x-powered-by');
app.get('/healthz', (_req, res) => {
  res.json({ status: 'ok' });
});
const server = app.listen(port, '127.0.0.1');
process.once('SIGTERM', () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
});
