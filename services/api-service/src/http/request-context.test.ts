import { Writable } from 'node:stream';
import express from 'express';
import pino from 'pino';
import request from 'supertest';
import { requestLogging } from './request-context';

/** An app with the request logger and a few routes, and the log lines it wrote. */
function loggedApp() {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  const app = express();
  app.use(requestLogging(pino({ level: 'info' }, sink)));
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/ok', (req, res) => {
    res.json({ id: req.id });
  });
  app.get('/missing', (_req, res) => {
    res.status(404).json({});
  });
  app.get('/broken', (_req, res) => {
    res.status(503).json({});
  });
  return { app, lines };
}

/** Log lines are written asynchronously to the stream: wait for them. */
async function linesAfter<T>(lines: T[], count: number): Promise<T[]> {
  for (let i = 0; i < 50 && lines.length < count; i++) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return lines;
}

describe('requestLogging', () => {
  it('logs one line per request with its id, method, url, status and time', async () => {
    const { app, lines } = loggedApp();
    const res = await request(app).get('/ok?x=1');
    const id = res.headers['x-request-id'];
    expect(res.body).toEqual({ id });
    expect(await linesAfter(lines, 1)).toEqual([
      expect.objectContaining({
        level: 30,
        msg: 'request completed',
        req: { id, method: 'GET', url: '/ok?x=1' },
        res: { status: 200 },
        responseTime: expect.any(Number),
      }),
    ]);
  });

  it('logs 4xx as warn and 5xx as error', async () => {
    const { app, lines } = loggedApp();
    await request(app).get('/missing');
    await request(app).get('/broken');
    const logged = await linesAfter(lines, 2);
    expect(logged.map((line) => [line.level, line.msg])).toEqual([
      [40, 'request completed'],
      [50, 'request failed'],
    ]);
  });

  it('keeps a well-formed incoming id, replaces a malformed one, and makes one otherwise', async () => {
    const { app } = loggedApp();
    const kept = await request(app).get('/ok').set('X-Request-Id', 'edge-1.a:b');
    expect(kept.headers['x-request-id']).toBe('edge-1.a:b');
    const replaced = await request(app).get('/ok').set('X-Request-Id', 'no spaces allowed');
    expect(replaced.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const fresh = await request(app).get('/ok');
    expect(fresh.headers['x-request-id']).not.toBe(replaced.headers['x-request-id']);
  });

  it('gives probes an id but no log line', async () => {
    const { app, lines } = loggedApp();
    const probe = await request(app).get('/healthz');
    expect(probe.headers['x-request-id']).toEqual(expect.any(String));
    await request(app).get('/ok');
    const logged = await linesAfter(lines, 1);
    expect(logged.map((line) => (line.req as { url: string }).url)).toEqual(['/ok']);
  });
});
