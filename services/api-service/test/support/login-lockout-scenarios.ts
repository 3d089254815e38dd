import request from 'supertest';
import { expectRateLimited, fromIp, limitsOnly, type OpenLimitedApi } from './auth-fixtures';
import { TEST_PASSWORD, createMember, expectError, expectStatus } from './fixtures';

/**
 * The login failure budgets as a hostile client meets them, through the real app: whoever fails
 * for an account is stopped, and nobody can lock the account's owner out by failing for it. The
 * window is long (no scenario waits it out), so it cannot end in the middle of one.
 */
export function loginLockoutScenarios(open: OpenLimitedApi): void {
  const budget = { points: 3, durationSeconds: 60 };
  const ATTACKER = '198.51.100.66';
  const VICTIM = '203.0.113.7';

  async function scene() {
    const { app, arm } = await open(limitsOnly({ loginPerAccount: budget }));
    const victim = await createMember(app);
    arm();
    const loginFrom = (ip: string, login: string, password: string) =>
      request(app).post('/api/auth/login').set(fromIp(ip)).send({ login, password });
    /** `n` wrong guesses from `ip`, one after the other, each answered 401. */
    const fail = async (ip: string, logins: string[]) => {
      for (const login of logins) {
        expectError(await loginFrom(ip, login, 'wrong guess'), 401, 'INVALID_CREDENTIALS');
      }
    };
    return { app, victim, loginFrom, fail };
  }

  const times = (n: number, login: string) => Array<string>(n).fill(login);

  it('refuses the failing address, even with the right password, but not the owner elsewhere', async () => {
    const { victim, loginFrom, fail } = await scene();

    await fail(ATTACKER, times(budget.points, victim.username));

    expectRateLimited(await loginFrom(ATTACKER, victim.username, 'wrong again'), 60);
    expectRateLimited(await loginFrom(ATTACKER, victim.username, TEST_PASSWORD), 60);
    expectStatus(await loginFrom(VICTIM, victim.username, TEST_PASSWORD), 200);
    expectStatus(await loginFrom(VICTIM, victim.email!, TEST_PASSWORD), 200);
  });

  it('counts the username and the e-mail of one account as one budget', async () => {
    const { victim, loginFrom, fail } = await scene();
    const email = victim.email!;

    await fail(ATTACKER, [victim.username, email.toUpperCase(), ` ${victim.username}`]);

    expectRateLimited(await loginFrom(ATTACKER, email, 'wrong again'), 60);
    expectRateLimited(await loginFrom(ATTACKER, victim.username, 'wrong again'), 60);
  });

  it("once the account's failures are used up, refuses every address that failed for it", async () => {
    const { victim, loginFrom, fail } = await scene();
    const [first, second, third] = ['198.51.100.1', '198.51.100.2', '198.51.100.3'];

    await fail(first, times(2, victim.username));
    await fail(second, [victim.username]); // the account's third failure

    // Each address is under its own budget, but it has failed for a used-up account.
    expectRateLimited(await loginFrom(first, victim.username, TEST_PASSWORD), 60);
    expectRateLimited(await loginFrom(second, victim.username, TEST_PASSWORD), 60);
    // An address that has not failed may still try, once: a failure makes it a failing one.
    await fail(third, [victim.username]);
    expectRateLimited(await loginFrom(third, victim.username, TEST_PASSWORD), 60);
    expectStatus(await loginFrom(VICTIM, victim.username, TEST_PASSWORD), 200);
  });

  it('does not count successful logins, and a success clears that address for the account', async () => {
    const { victim, loginFrom, fail } = await scene();

    for (let i = 0; i < budget.points + 2; i += 1) {
      expectStatus(await loginFrom(VICTIM, victim.username, TEST_PASSWORD), 200);
    }
    await fail(VICTIM, [victim.username]); // a typo
    expectStatus(await loginFrom(VICTIM, victim.username, TEST_PASSWORD), 200);
    // With the typo, the account's failures are used up by these (none by the successes).
    await fail(ATTACKER, times(budget.points - 1, victim.username));

    expectRateLimited(await loginFrom(ATTACKER, victim.username, 'wrong again'), 60);
    // Had the typo stayed counted against the victim's address, it would be refused too.
    expectStatus(await loginFrom(VICTIM, victim.username, TEST_PASSWORD), 200);
  });

  it('limits guesses at a name nobody has the same way, from the guessing address only', async () => {
    const { fail, loginFrom } = await scene();
    const nobody = `nobody_${Math.random().toString(36).slice(2, 8)}`;

    await fail(ATTACKER, times(budget.points, nobody));

    expectRateLimited(await loginFrom(ATTACKER, nobody.toUpperCase(), 'wrong again'), 60);
    expectError(await loginFrom(VICTIM, nobody, 'wrong guess'), 401, 'INVALID_CREDENTIALS');
  });

  it('lets no more guesses through than the budget when they arrive all at once', async () => {
    const { victim, loginFrom } = await scene();

    const answers = await Promise.all(
      Array.from({ length: 3 * budget.points }, () =>
        loginFrom(ATTACKER, victim.username, 'wrong guess'),
      ),
    );

    const statuses = answers.map((res) => res.status);
    const guessed = statuses.filter((s) => s === 401).length;
    expect(guessed).toBeGreaterThanOrEqual(1);
    expect(guessed).toBeLessThanOrEqual(budget.points);
    expect(statuses.filter((s) => s === 429)).toHaveLength(statuses.length - guessed);
    expectRateLimited(await loginFrom(ATTACKER, victim.username, TEST_PASSWORD), 60);
    expectStatus(await loginFrom(VICTIM, victim.username, TEST_PASSWORD), 200);
  });
}
