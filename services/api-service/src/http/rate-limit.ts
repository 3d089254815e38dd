import type { RateSpec } from '@communities/auth';
import { AppError } from '@communities/contracts';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import {
  type RateLimiterAbstract,
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
} from 'rate-limiter-flexible';
import type { ApiConfig } from '../config';
import { ipKey, loginKey } from './rate-limit-keys';

export type RateLimitKind = 'login' | 'signup' | 'write';

/** Who is acting. `ip` is the client address as Express resolved it (`req.ip`, trust proxy). */
export interface RateSubject {
  ip: string;
  memberId?: string;
  /** The username or e-mail a login names, as sent. */
  login?: string;
}

export interface RateLimiter {
  /** Consumes one point from every limit that applies to this kind; throws RateLimitedError when any is exhausted. */
  check(kind: RateLimitKind, subject: RateSubject): Promise<void>;
  /** Releases what the limiter holds; the Redis client stays open (its owner closes it). */
  close(): Promise<void>;
}

/** 429: the message says how long to wait; `Retry-After` carries the same number. */
export class RateLimitedError extends AppError {
  constructor(
    readonly retryAfterSeconds: number,
    message: string,
  ) {
    super('RATE_LIMITED', message);
  }
}

/** Each limit, null when switched off. */
export interface RateLimitSettings {
  loginPerIp: RateSpec | null;
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

const RULES: Record<RateLimitKind, Rule[]> = {
  login: [
    { name: 'login_ip', setting: 'loginPerIp', key: (s) => ipKey(s.ip) },
    // Per account, whatever the IP: bounds a brute force spread over many addresses.
    {
      name: 'login_account',
      setting: 'loginPerAccount',
      key: (s) => (s.login === undefined ? undefined : loginKey(s.login)),
    },
  ],
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

  const limiters = new Map<string, RateLimiterAbstract>();
  for (const rules of Object.values(RULES)) {
    for (const rule of rules) {
      const spec = settings[rule.setting];
      if (!spec) continue;
      const base = { keyPrefix: `${prefix}:${rule.name}`, points: spec.points };
      const duration = spec.durationSeconds;
      limiters.set(
        rule.name,
        redis
          ? new RateLimiterRedis({
              ...base,
              duration,
              storeClient: redis,
              // Not ready → straight to the insurance, rather than waiting on a dead connection.
              rejectIfRedisNotReady: true,
              // Once a key is over its points, refuse it in memory until its window ends: a
              // flood of refused requests costs Redis nothing.
              inMemoryBlockOnConsumed: spec.points + 1,
              insuranceLimiter: new InsuranceLimiter({ ...base, duration }, onInsurance),
            })
          : new RateLimiterMemory({ ...base, duration }),
      );
    }
  }

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
      if (!refused) return;
      const seconds = Math.max(1, Math.ceil(waitMs / 1000));
      throw new RateLimitedError(seconds, `too many ${WHAT[kind]}; retry in ${seconds} s`);
    },
    close() {
      redis?.off('ready', onRedisReady);
      return Promise.resolve();
    },
  };
}
