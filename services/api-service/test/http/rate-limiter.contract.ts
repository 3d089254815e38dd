import {
  RateLimitedError,
  type LoginAttempt,
  type SettleLogin,
  type RateLimitKind,
  type RateLimitSettings,
  type RateLimiter,
  type RateSubject,
} from '../../src/http/rate-limit';

/** Makes a limiter with these settings whose counters no other test shares. */
export type OpenLimiter = (settings: RateLimitSettings) => Promise<RateLimiter>;

export const ALL_OFF: RateLimitSettings = {
  loginPerIp: null,
  loginPerAccount: null,
  signupPerIp: null,
  writesPerMember: null,
  writesPerIp: null,
};

export const limits = (overrides: Partial<RateLimitSettings>): RateLimitSettings => ({
  ...ALL_OFF,
  ...overrides,
});

/** The RateLimitedError a check threw, or undefined when it let the request through. */
export async function refusal(
  limiter: RateLimiter,
  kind: RateLimitKind,
  subject: RateSubject,
): Promise<RateLimitedError | undefined> {
  try {
    await limiter.check(kind, subject);
    return undefined;
  } catch (error) {
    if (error instanceof RateLimitedError) return error;
    throw error;
  }
}

/**
 * One login attempt through the failure budgets: the RateLimitedError that refused it, or
 * undefined when it was admitted (and then settled as a success or, by default, a failure).
 */
export async function loginRefusal(
  limiter: RateLimiter,
  attempt: LoginAttempt,
  outcome: 'fails' | 'succeeds' = 'fails',
): Promise<RateLimitedError | undefined> {
  let settle: SettleLogin;
  try {
    settle = await limiter.admitLogin(attempt);
  } catch (error) {
    if (error instanceof RateLimitedError) return error;
    throw error;
  }
  await settle(outcome === 'succeeds');
  return undefined;
}

/** Runs `times` checks that must all pass. */
export async function allow(
  limiter: RateLimiter,
  kind: RateLimitKind,
  subject: RateSubject,
  times = 1,
): Promise<void> {
  for (let i = 0; i < times; i += 1) {
    expect(await refusal(limiter, kind, subject)).toBeUndefined();
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * What every RateLimiter promises, whatever holds its counters. `open` gives each test counters
 * of its own (a fresh process map, or a unique Redis key prefix).
 */
export function rateLimiterContract(open: OpenLimiter): void {
  const opened: RateLimiter[] = [];
  const limiter = async (settings: RateLimitSettings) => {
    const made = await open(settings);
    opened.push(made);
    return made;
  };
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((l) => l.close()));
  });

  it('allows up to the limit, then refuses with a positive retry-after', async () => {
    const rl = await limiter(limits({ writesPerIp: { points: 3, durationSeconds: 60 } }));

    await allow(rl, 'write', { ip: '198.51.100.7' }, 3);
    const refused = await refusal(rl, 'write', { ip: '198.51.100.7' });

    expect(refused).toBeInstanceOf(RateLimitedError);
    expect(refused?.code).toBe('RATE_LIMITED');
    expect(refused?.retryAfterSeconds).toBeGreaterThan(0);
    expect(refused?.retryAfterSeconds).toBeLessThanOrEqual(60);
    expect(refused?.message).toBe(
      `too many write requests; retry in ${refused?.retryAfterSeconds} s`,
    );
  });

  it('allows requests again once the window has passed', async () => {
    const rl = await limiter(limits({ signupPerIp: { points: 2, durationSeconds: 1 } }));

    await allow(rl, 'signup', { ip: '198.51.100.8' }, 2);
    const refused = await refusal(rl, 'signup', { ip: '198.51.100.8' });
    expect(refused?.retryAfterSeconds).toBe(1);

    await sleep(1100);
    await allow(rl, 'signup', { ip: '198.51.100.8' }, 2);
  });

  it('counts each IP on its own', async () => {
    const rl = await limiter(limits({ writesPerIp: { points: 2, durationSeconds: 60 } }));

    await allow(rl, 'write', { ip: '198.51.100.1' }, 2);
    expect(await refusal(rl, 'write', { ip: '198.51.100.1' })).toBeDefined();

    await allow(rl, 'write', { ip: '198.51.100.2' }, 2);
  });

  it("counts a member's writes together from any IP, and each member on its own", async () => {
    const rl = await limiter(limits({ writesPerMember: { points: 2, durationSeconds: 60 } }));

    await allow(rl, 'write', { ip: '198.51.100.1', memberId: 'm1' });
    await allow(rl, 'write', { ip: '198.51.100.2', memberId: 'm1' });
    expect(await refusal(rl, 'write', { ip: '198.51.100.3', memberId: 'm1' })).toBeDefined();

    await allow(rl, 'write', { ip: '198.51.100.1', memberId: 'm2' }, 2);
  });

  it('counts the writes of all members behind one IP together', async () => {
    const rl = await limiter(
      limits({
        writesPerMember: { points: 10, durationSeconds: 60 },
        writesPerIp: { points: 3, durationSeconds: 60 },
      }),
    );

    await allow(rl, 'write', { ip: '203.0.113.9', memberId: 'm1' }, 2);
    await allow(rl, 'write', { ip: '203.0.113.9', memberId: 'm2' });
    expect(await refusal(rl, 'write', { ip: '203.0.113.9', memberId: 'm3' })).toBeDefined();
  });

  it('counts an anonymous write against its IP only', async () => {
    const rl = await limiter(
      limits({
        writesPerMember: { points: 1, durationSeconds: 60 },
        writesPerIp: { points: 3, durationSeconds: 60 },
      }),
    );

    await allow(rl, 'write', { ip: '203.0.113.10' }, 3);
    expect(await refusal(rl, 'write', { ip: '203.0.113.10' })).toBeDefined();
  });

  it('limits logins (and refreshes) per IP whatever the outcome', async () => {
    const rl = await limiter(
      limits({
        loginPerIp: { points: 3, durationSeconds: 60 },
        loginPerAccount: { points: 100, durationSeconds: 60 },
      }),
    );

    await allow(rl, 'login', { ip: '192.0.2.4' }, 3);
    const refused = await refusal(rl, 'login', { ip: '192.0.2.4' });
    expect(refused?.message).toBe(
      `too many login attempts; retry in ${refused?.retryAfterSeconds} s`,
    );
    await allow(rl, 'login', { ip: '192.0.2.5' });
  });

  it('asks a client refused by several limits to wait for the longest', async () => {
    const rl = await limiter(
      limits({
        writesPerMember: { points: 1, durationSeconds: 600 },
        writesPerIp: { points: 1, durationSeconds: 30 },
      }),
    );

    await allow(rl, 'write', { ip: '192.0.2.6', memberId: 'm1' });
    const refused = await refusal(rl, 'write', { ip: '192.0.2.6', memberId: 'm1' });

    expect(refused?.retryAfterSeconds).toBeGreaterThan(30);
    expect(refused?.retryAfterSeconds).toBeLessThanOrEqual(600);
  });

  it('keeps kinds apart: sign-ups do not use up login attempts', async () => {
    const rl = await limiter(
      limits({
        loginPerIp: { points: 1, durationSeconds: 60 },
        signupPerIp: { points: 1, durationSeconds: 60 },
      }),
    );

    await allow(rl, 'signup', { ip: '192.0.2.7' });
    await allow(rl, 'login', { ip: '192.0.2.7' });
    expect(await refusal(rl, 'signup', { ip: '192.0.2.7' })).toBeDefined();
  });

  it('never refuses under limits that are off', async () => {
    const rl = await limiter(ALL_OFF);
    const failing = { ip: '192.0.2.8', account: 'login:ada' };

    await allow(rl, 'login', { ip: '192.0.2.8' }, 25);
    for (let i = 0; i < 25; i += 1) expect(await loginRefusal(rl, failing)).toBeUndefined();
    await allow(rl, 'signup', { ip: '192.0.2.8' }, 25);
    await allow(rl, 'write', { ip: '192.0.2.8', memberId: 'm1' }, 25);
  });

  it('applies the limits that are on when others are off', async () => {
    const rl = await limiter(limits({ loginPerAccount: { points: 1, durationSeconds: 60 } }));
    const failing = { ip: '192.0.2.9', account: 'login:ada' };

    expect(await loginRefusal(rl, failing)).toBeUndefined();
    expect(await loginRefusal(rl, failing)).toBeDefined();
    await allow(rl, 'login', { ip: '192.0.2.9' }, 10);
    await allow(rl, 'write', { ip: '192.0.2.9' }, 10);
  });
}
