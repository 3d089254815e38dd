import express from 'express';
import { pino } from 'pino';
import request from 'supertest';
import { z } from 'zod';
import type { Authenticator } from '../auth/authenticator';
import { errorHandler } from './error-handler';
import { createRateLimiter } from './rate-limit';
import { mountRoutes, reply, route } from './route';

const logger = pino({ level: 'silent' });
const Body = z.strictObject({ answer: z.enum(['default', 'alternative', 'undeclared', 'extra']) });
const Item = z.strictObject({ ok: z.boolean() });

const spec = route({
  method: 'post',
  path: '/items',
  auth: 'none',
  tag: 'Test',
  summary: 'answers as told',
  headers: z.object({ 'x-key': z.string().max(3).optional() }),
  body: Body,
  response: {
    status: 201,
    schema: Item,
    description: 'created',
    alternatives: [
      {
        status: 200,
        description: 'replayed',
        headers: z.object({ 'X-Replayed': z.literal('true') }),
      },
    ],
  },
  errors: [],
  handle: ({ body, headers }) => {
    const item = { ok: headers['x-key'] === undefined || headers['x-key'].length > 0 };
    switch (body.answer) {
      case 'default':
        return Promise.resolve(item);
      case 'alternative':
        return Promise.resolve(reply(item, { status: 200, headers: { 'X-Replayed': 'true' } }));
      case 'undeclared':
        return Promise.resolve(reply(item, { status: 201, headers: {} }));
      case 'extra':
        return Promise.resolve(
          reply(item, { status: 200, headers: { 'X-Replayed': 'true', 'X-Other': '1' } }),
        );
    }
  },
});

const app = express();
app.use(express.json());
app.use(
  mountRoutes([spec], {
    // Never asked: the route's auth is `none`.
    authenticator: {} as Authenticator,
    limiter: createRateLimiter(
      {
        loginPerIp: null,
        loginPerAccount: null,
        signupPerIp: null,
        writesPerMember: null,
        writesPerIp: null,
      },
      { logger },
    ),
  }),
);
app.use(errorHandler(logger));

const send = (answer: string, headers: Record<string, string> = {}) =>
  request(app).post('/items').set(headers).send({ answer });

describe('mountRoutes', () => {
  it("answers with the route's status, or with a declared alternative and its headers", async () => {
    const created = await send('default');
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ ok: true });
    expect(created.headers['x-replayed']).toBeUndefined();

    const replayed = await send('alternative');
    expect(replayed.status).toBe(200);
    expect(replayed.body).toEqual({ ok: true });
    expect(replayed.headers['x-replayed']).toBe('true');
  });

  it('answers 500 rather than a status or header the route does not declare', async () => {
    for (const answer of ['undeclared', 'extra']) {
      const res = await send(answer);
      expect({ answer, status: res.status, code: res.body.error?.code }).toEqual({
        answer,
        status: 500,
        code: 'INTERNAL',
      });
      expect(res.headers['x-other']).toBeUndefined();
    }
  });

  it('validates the declared request headers, under `headers`', async () => {
    const res = await send('default', { 'X-Key': 'toolong' });
    expect(res.status).toBe(400);
    expect(res.body.error.details).toEqual([
      { path: 'headers.x-key', message: expect.any(String) },
    ]);
    expect((await send('default', { 'X-Key': 'abc' })).status).toBe(201);
  });
});
