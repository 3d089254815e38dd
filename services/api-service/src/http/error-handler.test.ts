import { AppError } from '@communities/contracts';
import express from 'express';
import { pino } from 'pino';
import request from 'supertest';
import { errorHandler, sendError } from './error-handler';
import { RateLimitedError } from './rate-limit';

const app = express();
app.get('/limited', () => {
  throw new RateLimitedError(42, 'too many login attempts; retry in 42 s');
});
app.get('/unauthenticated', () => {
  throw new AppError('UNAUTHENTICATED', 'authentication required');
});
app.post('/login', () => {
  throw new AppError('INVALID_CREDENTIALS', 'wrong login or password');
});
app.get('/sent-directly', (_req, res) => {
  sendError(res, 'UNAUTHENTICATED', 'authentication required');
});
app.get('/forbidden', () => {
  throw new AppError('FORBIDDEN', 'not yours');
});
app.use(errorHandler(pino({ level: 'silent' })));

describe('errorHandler', () => {
  it('tells a rate-limited client when to retry, in Retry-After and the body', async () => {
    const res = await request(app).get('/limited');

    expect(res.status).toBe(429);
    expect(res.headers['retry-after']).toBe('42');
    expect(res.body).toMatchObject({
      error: { code: 'RATE_LIMITED', message: 'too many login attempts; retry in 42 s' },
    });
  });

  it('challenges a request without credentials with the Bearer scheme only', async () => {
    const res = await request(app).get('/unauthenticated');

    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer realm="communities"');
    expect(res.body.error.code).toBe('UNAUTHENTICATED');
  });

  it('tells a request whose token was refused that the token is invalid', async () => {
    const res = await request(app).get('/unauthenticated').set('Authorization', 'Bearer expired');

    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe(
      'Bearer realm="communities", error="invalid_token"',
    );
  });

  it('challenges a failed login without calling any token invalid', async () => {
    const res = await request(app).post('/login').set('Authorization', 'Bearer whatever');

    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer realm="communities"');
  });

  it('challenges a 401 that middleware sends directly, not only thrown ones', async () => {
    const res = await request(app).get('/sent-directly');

    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer realm="communities"');
  });

  it('adds neither header to other errors', async () => {
    const res = await request(app).get('/forbidden').set('Authorization', 'Bearer ok');

    expect(res.status).toBe(403);
    expect(res.headers['www-authenticate']).toBeUndefined();
    expect(res.headers['retry-after']).toBeUndefined();
  });
});
