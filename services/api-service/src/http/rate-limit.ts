import type { RateSpec } from '@communities/auth';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import {
  type RateLimiterAbstract,
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
} from 'rate-limiter-flexible';
import type { ApiConfig } from '../config';
import { LoginFailures, NOTHING_HELD, type LoginAttempt, type SettleLogin } from './login-failures';
import { ipKey } from './rate-limit-keys';
import { tooMany } from './rate-limited-error';

export { RateLimitedError } from './rate-limited-error';
export type { LoginAttempt, SettleLogin } from './login-failures';

export type RateLimitKind = 'login' | 'signup' | 'write';

/** Who is acting. `ip` is the client address as Express resolved it (`req.ip`, trust proxy). */
export interface RateSubject {
  ip: string;
  memberId?: string;
}

/** What the login endpoint needs of the limiter, once it knows which account is named. */
export interface LoginLimiter {
  /**
   * Before the password is checked: throws RateLimitedError for a source the failure budgets
   * refuse (the contract is on `LoginFailures`); otherwise the attempt is admitted, and settled
   * with its outcome.
   */
  admitLogin(attempt: LoginAttempt): Promise<SettleLogin>;
}

export interface RateLimiter extends LoginLimiter {
  /** Consumes one point from every limit that applies to this kind; throws RateLimitedError when any is exhausted. */
  check(kind: RateLimitKind, subject: RateSubject): Promise<void>;
  /** Releases what the limiter holds; the Redis client stays open (its owner closes it). */
  close(): Promise<void>;
}

/** Each limit, null when switched off. */
export interface RateLimitSettings {
  /** Login and refresh attempts per client IP, whatever their outcome. */
  loginPerIp: RateSpec | null;
  /** Failed logins, per account and per (account, source): see `LoginFailures`. */
  loginPerAccount: RateSpec | null;
  signupPerIp: RateSpec | null;
  writesPerMember: RateSpec | null;
  writesPerIp: RateSpec | null;
}

export function rateLimitSettings(config: ApiConfig): RateLimitSettings {
  return {
    loginPerIp: config.RATE_LIMIT_LOGIN_PER_IP,
    loginPerAccount: config.RATE_LIMIT_LOGIN_PER_ACCOUNT,
    signupPerIp: config.RATE_LIMIT_SIGNUP_PER_IP,
    writesPerMember: config.RATE_LIMIT_WRITES_PER_MEMBER,
    writesPerIp: config.RATE_LIMIT_WRITES_PER_IP,
  };
}

interface Rule {
  /** Part of the storage key (`<prefix>:<name>:<key>`); never shown to clients. */
  name: string;
  setting: keyof RateLimitSettings;
  /** The key this subject is counted under; undefined when the rule does not apply to it. */
  key(subject: RateSubject): string | undefined;
}

/** Counted per request before it is handled. Logins per account count failures instead. */
const RULES: Record<RateLimitKind, Rule[]> = {
  login: [{ name: 'login_ip', setting: 'loginPerIp', key: (s) => ipKey(s.ip) }],
  signup: [{ name: 'signup_ip', setting: 'signupPerIp', key: (s) => ipKey(s.ip) }],
  write: [
    { name: 'write_member', setting: 'writesPerMember', key: (s) => s.memberId },
    { name: 'write_ip', setting: 'writesPerIp', key: (s) => ipKey(s.ip) },
  ],
};

const WHAT: Record<RateLimitKind, string> = {
  login: 'login attempts',
  signup: 'sign-ups',
  write: 'write requests',
};

export interface RateLimiterOptions {
  /** Shared counters across replicas; without it each process counts on its own. */
  redis?: Redis;
  /** Namespace of every key; default `rl:api`. */
  keyPrefix?: string;
  logger: Logger;
}

/** The in-process fallback of a Redis limit; reports its use so an outage is logged once. */
class InsuranceLimiter extends RateLimiterMemory {
  constructor(
    options: ConstructorParameters<typeof RateLimiterMemory>[0],
    private readonly onUse: () => void,
  ) {
    super(options);
  }

  override consume(...args: Parameters<RateLimiterMemory['consume']>): Promise<RateLimiterRes> {
    this.onUse();
    return super.consume(...args);
  }

  override penalty(...args: Parameters<RateLimiterMemory['penalty']>): Promise<RateLimiterRes> {
    this.onUse();
    return super.penalty(...args);
  }

  override reward(...args: Parameters<RateLimiterMemory['reward']>): Promise<RateLimiterRes> {
    this.onUse();
    return super.reward(...args);
  }

  override delete(...args: Parameters<RateLimiterMemory['delete']>): Promise<boolean> {
    this.onUse();
    return super.delete(...args);
  }
}

/**
 * Without `redis`: in-process counters (the embedded default, one replica). With `redis`: the
 * counters live in Redis so every replica shares them. When Redis is not ready, or a command
 * fails, each limit falls back to an in-process insurance limiter with the same points, so an
 * outage loosens the limits to per-process ones instead of failing requests.
 */
export function createRateLimiter(
  settings: RateLimitSettings,
  options: RateLimiterOptions,
): RateLimiter {
  const { redis } = options;
  const prefix = options.keyPrefix ?? 'rl:api';
  const logger = options.logger.child({ module: 'rate-limit' });
  const outage = { active: false };
  const onInsurance = (): void => {
    if (outage.active) return;
    outage.active = true;
    logger.warn('rate-limit store unavailable; limiting per process until it is back');
  };
  const onRedisReady = (): void => {
    if (!outage.active) return;
    outage.active = false;
    logger.info('rate-limit store back; limits are shared again');
  };
  redis?.on('ready', onRedisReady);

  /**
   * `blockInMemory`: once a key is over its points, refuse it in memory until its window ends, so
   * a flood of refused requests costs Redis nothing. Not for counters that are given points back.
   */
  const counter = (name: string, spec: RateSpec, blockInMemory: boolean): RateLimiterAbstract => {
    const options = {
      keyPrefix: `${prefix}:${name}`,
      points: spec.points,
      duration: spec.durationSeconds,
    };
    if (!redis) return new RateLimiterMemory(options);
    return new RateLimiterRedis({
      ...options,
      storeClient: redis,
      // Not ready → straight to the insurance, rather than waiting on a dead connection.
      rejectIfRedisNotReady: true,
      ...(blockInMemory ? { inMemoryBlockOnConsumed: spec.points + 1 } : {}),
      insuranceLimiter: new InsuranceLimiter(options, onInsurance),
    });
  };

  const limiters = new Map<string, RateLimiterAbstract>();
  for (const rules of Object.values(RULES)) {
    for (const rule of rules) {
      const spec = settings[rule.setting];
      if (spec) limiters.set(rule.name, counter(rule.name, spec, true));
    }
  }
  const failures = settings.loginPerAccount;
  const loginFailures =
    failures &&
    new LoginFailures(
      {
        account: counter('login_account', failures, false),
        source: counter('login_source', failures, false),
      },
      failures.points,
      logger,
    );

  return {
    async check(kind, subject) {
      const consumed = RULES[kind].flatMap((rule) => {
        const limiter = limiters.get(rule.name);
        const key = rule.key(subject);
        return limiter && key !== undefined ? [limiter.consume(key)] : [];
      });
      let refused = false;
      let waitMs = 0;
      for (const result of await Promise.allSettled(consumed)) {
        if (result.status === 'fulfilled') continue;
        if (result.reason instanceof RateLimiterRes) {
          refused = true;
          waitMs = Math.max(waitMs, result.reason.msBeforeNext);
        } else {
          // Both the store and the insurance failed: let the request through rather than
          // turning a limiter fault into an outage.
          logger.error({ err: result.reason, kind }, 'rate limit check failed');
        }
      }
      if (refused) throw tooMany(WHAT[kind], waitMs);
    },
    admitLogin(attempt) {
      return loginFailures ? loginFailures.admit(attempt) : Promise.resolve(NOTHING_HELD);
    },
    close() {
      redis?.off('ready', onRedisReady);
      return Promise.resolve();
    },
  };
}
