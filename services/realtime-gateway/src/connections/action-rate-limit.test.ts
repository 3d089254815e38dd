import { ActionRateLimit } from './action-rate-limit';

describe('ActionRateLimit', () => {
  it('allows the configured number of actions per connection, then refuses with RATE_LIMITED', async () => {
    const limit = new ActionRateLimit({ points: 2, durationSeconds: 10 });
    await limit.consume('a');
    await limit.consume('a');
    await expect(limit.consume('a')).rejects.toMatchObject({
      code: 'RATE_LIMITED',
      message: expect.stringMatching(/more than 2 actions in 10 s; retry in (9|10) s/),
    });
    await expect(limit.consume('b')).resolves.toBeUndefined();
  });

  it('starts a connection over when it is forgotten', async () => {
    const limit = new ActionRateLimit({ points: 1, durationSeconds: 60 });
    await limit.consume('a');
    await expect(limit.consume('a')).rejects.toMatchObject({ code: 'RATE_LIMITED' });
    limit.forget('a');
    await expect(limit.consume('a')).resolves.toBeUndefined();
  });
});
