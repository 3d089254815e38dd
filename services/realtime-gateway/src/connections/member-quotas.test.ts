import { ActionRateLimit } from './action-rate-limit';
import { MemberQuotas } from './member-quotas';

describe('MemberQuotas', () => {
  it("admits up to the maximum of a member's sockets, refuses the next, and not other members", () => {
    const quotas = new MemberQuotas(2);
    expect(quotas.admit('ann')).toBeDefined();
    expect(quotas.admit('ann')).toBeDefined();
    expect(quotas.admit('ann')).toBeUndefined();
    expect(quotas.admit('bob')).toBeDefined();
  });

  it('frees a place when one of the sockets closes; a refused socket took none', () => {
    const quotas = new MemberQuotas(2);
    quotas.admit('ann');
    quotas.admit('ann');
    expect(quotas.admit('ann')).toBeUndefined();
    quotas.release('ann');
    expect(quotas.admit('ann')).toBeDefined();
    expect(quotas.admit('ann')).toBeUndefined();
  });

  it("gives all of a member's sockets one action budget", () => {
    const limit = new ActionRateLimit({ points: 2, durationSeconds: 10 });
    const quotas = new MemberQuotas(16);
    const first = quotas.admit('ann')!;
    const second = quotas.admit('ann')!;
    limit.consume(first);
    limit.consume(first);
    expect(() => limit.consume(second)).toThrow(expect.objectContaining({ code: 'RATE_LIMITED' }));
    expect(() => limit.consume(quotas.admit('bob')!)).not.toThrow();
  });

  it('keeps the spent budget while any socket is open, and forgets the member after the last', () => {
    const limit = new ActionRateLimit({ points: 1, durationSeconds: 10 });
    const quotas = new MemberQuotas(16);
    limit.consume(quotas.admit('ann')!);
    quotas.admit('ann');
    quotas.release('ann');
    expect(() => limit.consume(quotas.admit('ann')!)).toThrow(
      expect.objectContaining({ code: 'RATE_LIMITED' }),
    );
    quotas.admit('bob');
    expect(quotas.memberCount).toBe(2);

    quotas.release('ann');
    quotas.release('ann');
    quotas.release('bob');
    expect(quotas.memberCount).toBe(0);
    // A member back after their last socket closed starts over (nothing was kept for them).
    expect(quotas.admit('ann')).toEqual({ sockets: 1, endsAt: 0, used: 0 });
  });
});
