import { type ActionWindow, ActionRateLimit } from './action-rate-limit';

describe('ActionRateLimit', () => {
  let clock = 1_000_000;
  const now = () => clock;

  it('allows the configured number of actions per window, then refuses with RATE_LIMITED', () => {
    const limit = new ActionRateLimit({ points: 2, durationSeconds: 10 }, now);
    let window: ActionWindow | undefined;
    window = limit.consume(window);
    clock += 500;
    window = limit.consume(window);
    expect(() => limit.consume(window)).toThrow(
      expect.objectContaining({
        code: 'RATE_LIMITED',
        message: 'more than 2 actions in 10 s; retry in 10 s',
      }),
    );
    clock += 1500;
    expect(() => limit.consume(window)).toThrow(/retry in 8 s/);
  });

  it('counts each connection in its own window', () => {
    const limit = new ActionRateLimit({ points: 1, durationSeconds: 10 }, now);
    const a = limit.consume(undefined);
    expect(() => limit.consume(a)).toThrow(expect.objectContaining({ code: 'RATE_LIMITED' }));
    expect(limit.consume(undefined)).toEqual({ endsAt: clock + 10_000, used: 1 });
  });

  it('opens a new window once the current one has ended, refused actions included', () => {
    const limit = new ActionRateLimit({ points: 1, durationSeconds: 60 }, now);
    const first = limit.consume(undefined);
    expect(() => limit.consume(first)).toThrow(expect.objectContaining({ code: 'RATE_LIMITED' }));
    clock += 59_999;
    expect(() => limit.consume(first)).toThrow(/retry in 1 s/);
    clock += 1;
    const second = limit.consume(first);
    expect(second).toEqual({ endsAt: clock + 60_000, used: 1 });
    expect(() => limit.consume(second)).toThrow(expect.objectContaining({ code: 'RATE_LIMITED' }));
  });
});
