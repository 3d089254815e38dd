import { type ActionWindow, ActionRateLimit } from './action-rate-limit';

describe('ActionRateLimit', () => {
  let clock = 1_000_000;
  const now = () => clock;
  const fresh = (): ActionWindow => ({ endsAt: 0, used: 0 });

  it('allows the configured number of actions per window, then refuses with RATE_LIMITED', () => {
    const limit = new ActionRateLimit({ points: 2, durationSeconds: 10 }, now);
    const window = fresh();
    limit.consume(window);
    clock += 500;
    limit.consume(window);
    expect(() => limit.consume(window)).toThrow(
      expect.objectContaining({
        code: 'RATE_LIMITED',
        message: 'more than 2 actions in 10 s; retry in 10 s',
      }),
    );
    clock += 1500;
    expect(() => limit.consume(window)).toThrow(/retry in 8 s/);
  });

  it('counts each window on its own', () => {
    const limit = new ActionRateLimit({ points: 1, durationSeconds: 10 }, now);
    const a = fresh();
    limit.consume(a);
    expect(() => limit.consume(a)).toThrow(expect.objectContaining({ code: 'RATE_LIMITED' }));
    const b = fresh();
    limit.consume(b);
    expect(b).toEqual({ endsAt: clock + 10_000, used: 1 });
  });

  it('opens a new window once the current one has ended, refused actions included', () => {
    const limit = new ActionRateLimit({ points: 1, durationSeconds: 60 }, now);
    const window = fresh();
    limit.consume(window);
    expect(() => limit.consume(window)).toThrow(expect.objectContaining({ code: 'RATE_LIMITED' }));
    clock += 59_999;
    expect(() => limit.consume(window)).toThrow(/retry in 1 s/);
    clock += 1;
    limit.consume(window);
    expect(window).toEqual({ endsAt: clock + 60_000, used: 1 });
    expect(() => limit.consume(window)).toThrow(expect.objectContaining({ code: 'RATE_LIMITED' }));
  });
});
