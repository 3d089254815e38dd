import type { RateLimiter, RateLimitSettings } from '../../src/http/rate-limit';
import { accountKey } from '../../src/http/rate-limit-keys';
import { limits, loginRefusal, sleep, type OpenLimiter } from './rate-limiter.contract';

/**
 * What every RateLimiter promises about failed logins (the contract on `LoginFailures`), whatever
 * holds its counters: a failing source is stopped, an account's owner elsewhere never is.
 */
export function loginFailuresContract(open: OpenLimiter): void {
  const opened: RateLimiter[] = [];
  const limiter = async (settings: RateLimitSettings) => {
    const made = await open(settings);
    opened.push(made);
    return made;
  };
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((l) => l.close()));
  });

  const budget = (points: number, durationSeconds = 60) =>
    limiter(limits({ loginPerAccount: { points, durationSeconds } }));
  const ada = accountKey('a'.repeat(24), 'ada');
  const grace = accountKey('b'.repeat(24), 'grace');
  const from = (ip: string, account = ada) => ({ ip, account });
  const fail = async (rl: RateLimiter, ip: string, times: number, account = ada) => {
    for (let i = 0; i < times; i += 1) {
      expect(await loginRefusal(rl, from(ip, account))).toBeUndefined();
    }
  };

  it('refuses a source that used the budget up on an account, for that account only', async () => {
    const rl = await budget(2);

    await fail(rl, '198.51.100.1', 2);
    const refused = await loginRefusal(rl, from('198.51.100.1'), 'succeeds');

    expect(refused?.code).toBe('RATE_LIMITED');
    expect(refused?.retryAfterSeconds).toBeGreaterThan(0);
    expect(refused?.retryAfterSeconds).toBeLessThanOrEqual(60);
    expect(refused?.message).toBe(
      `too many login attempts; retry in ${refused?.retryAfterSeconds} s`,
    );
    expect(await loginRefusal(rl, from('198.51.100.1', grace))).toBeUndefined();
    expect(await loginRefusal(rl, from('198.51.100.2'), 'succeeds')).toBeUndefined();
  });

  it('counts an IPv6 source per /64, like every other limit', async () => {
    const rl = await budget(2);

    await fail(rl, '2001:db8:1:2::1', 1);
    await fail(rl, '2001:db8:1:2::ffff', 1);

    expect(await loginRefusal(rl, from('2001:db8:1:2::9'))).toBeDefined();
  });

  it('once the account has had its failures, refuses every source that failed for it', async () => {
    const rl = await budget(3);

    await fail(rl, '198.51.100.1', 1);
    await fail(rl, '198.51.100.2', 2); // the account's third failure

    // Neither source used its own budget up, but both failed for a used-up account.
    expect(await loginRefusal(rl, from('198.51.100.1'), 'succeeds')).toBeDefined();
    expect(await loginRefusal(rl, from('198.51.100.2'), 'succeeds')).toBeDefined();
    // A source that has not failed may try; once it has, it is refused as well.
    await fail(rl, '198.51.100.3', 1);
    expect(await loginRefusal(rl, from('198.51.100.3'))).toBeDefined();
    expect(await loginRefusal(rl, from('198.51.100.4'), 'succeeds')).toBeUndefined();
    expect(await loginRefusal(rl, from('198.51.100.1', grace))).toBeUndefined();
  });

  it('counts no success, and a success clears its source on the account', async () => {
    const rl = await budget(3);

    for (let i = 0; i < 5; i += 1) {
      expect(await loginRefusal(rl, from('198.51.100.1'), 'succeeds')).toBeUndefined();
    }
    await fail(rl, '198.51.100.1', 1);
    expect(await loginRefusal(rl, from('198.51.100.1'), 'succeeds')).toBeUndefined();
    // The account's failures are used up now, counting the one before the success.
    await fail(rl, '198.51.100.2', 2);

    expect(await loginRefusal(rl, from('198.51.100.2'))).toBeDefined();
    // Had the source's failure stayed counted after its success, it would be refused too.
    expect(await loginRefusal(rl, from('198.51.100.1'), 'succeeds')).toBeUndefined();
  });

  it('lets no more attempts in from one source than the budget, however many arrive at once', async () => {
    const rl = await budget(3);

    const admitted = await Promise.allSettled(
      Array.from({ length: 10 }, () => rl.admitLogin(from('198.51.100.1'))),
    );

    const settles = admitted.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    expect(settles.length).toBeGreaterThanOrEqual(1);
    expect(settles.length).toBeLessThanOrEqual(3);
    await Promise.all(settles.map((settle) => settle(false)));
    expect(await loginRefusal(rl, from('198.51.100.1'))).toBeDefined();
    expect(await loginRefusal(rl, from('198.51.100.2'), 'succeeds')).toBeUndefined();
  });

  it('counts no refused attempt against the source that made it', async () => {
    // Windows of 2 s: the account's starts a second before the late source's.
    const rl = await budget(2, 2);
    await fail(rl, '198.51.100.1', 2);
    await sleep(1000);
    await fail(rl, '198.51.100.2', 1);
    for (let i = 0; i < 3; i += 1) {
      expect(await loginRefusal(rl, from('198.51.100.2'))).toBeDefined();
    }

    await sleep(1200);

    // The account's window is over, the late source's is not: it has failed once, not four times.
    expect(await loginRefusal(rl, from('198.51.100.2'), 'succeeds')).toBeUndefined();
  });
}
