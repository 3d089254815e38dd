import { createHash, randomBytes, randomUUID } from 'node:crypto';
import {
  AppError,
  createEvent,
  type ChangePasswordBody,
  type LoginBody,
  type TokenPair,
} from '@communities/contracts';
import type { TokenService } from '@communities/auth';
import { forbidden } from '../../access/community-access';
import { policy } from '../../access/policy';
import type { Actor } from '../../auth/authenticator';
import type { PasswordHasher } from '../../auth/password-hasher';
import type { EventPublisher } from '../../events/event-publisher';
import type { LoginLimiter } from '../../http/rate-limit';
import { accountKey } from '../../http/rate-limit-keys';
import type { Repositories } from '../../store/repositories';
import type { MemberCredentials } from '../members/member.repository';

export interface AuthSettings {
  refreshTtlSeconds: number;
}

const hashToken = (token: string): string => createHash('sha256').update(token).digest('hex');

/** One answer for every failed login, so it never tells whether an account exists. */
const invalidCredentials = () =>
  new AppError('INVALID_CREDENTIALS', 'the login or password is incorrect');
const invalidRefresh = () =>
  new AppError('UNAUTHENTICATED', 'the refresh token is invalid, expired or revoked');

export class AuthService {
  constructor(
    private readonly repos: Repositories,
    private readonly tokens: TokenService,
    private readonly hasher: PasswordHasher,
    private readonly events: EventPublisher,
    private readonly settings: AuthSettings,
    private readonly limiter: LoginLimiter,
  ) {}

  /**
   * Unknown login, wrong password and deactivated member all answer INVALID_CREDENTIALS, and the
   * password hash is computed in every case, so neither the answer nor its timing names accounts.
   * Failures are counted against the member the login names (username or email alike), or the
   * login itself when it names nobody, with the same calls either way; `ip` is the client's.
   * A successful login whose stored hash is weaker than the configured cost (or in the old format)
   * stores a fresh hash of the password, which only a login ever knows.
   */
  async login(body: LoginBody, ip: string): Promise<TokenPair> {
    const member = await this.repos.members.credentialsByLogin(body.login);
    const settle = await this.limiter.admitLogin({
      ip,
      account: accountKey(member?.id, body.login),
    });
    const valid = await this.hasher.verify(body.password, member?.password_hash);
    const succeeded = member !== null && valid && member.is_active;
    await settle(succeeded);
    if (!succeeded) throw invalidCredentials();
    const stored = member.password_hash;
    if (stored !== undefined && this.hasher.needsRehash(stored)) {
      const rehashed = await this.hasher.hash(body.password);
      await this.repos.members.replacePasswordHash(member.id, stored, rehashed);
    }
    return this.issue(member, randomUUID());
  }

  /** Rotates: the presented token is spent and a new pair issued in the same family. */
  async refresh(refreshToken: string, now = new Date()): Promise<TokenPair> {
    const stored = await this.repos.refreshTokens.findByHash(hashToken(refreshToken));
    if (!stored || stored.expires_at <= now) throw invalidRefresh();
    if (stored.used_at !== null || !(await this.repos.refreshTokens.markUsed(stored.id, now))) {
      // A spent token came back: someone else holds this family. End all of it.
      await this.repos.refreshTokens.revokeFamily(stored.family_id);
      throw invalidRefresh();
    }
    const member = await this.repos.members.credentialsById(stored.member_id);
    if (!member?.is_active) throw invalidRefresh();
    return this.issue(member, stored.family_id, now);
  }

  /** Ends the session the refresh token belongs to; unknown tokens are accepted silently. */
  async logout(refreshToken: string): Promise<void> {
    const stored = await this.repos.refreshTokens.findByHash(hashToken(refreshToken));
    if (stored) await this.repos.refreshTokens.revokeFamily(stored.family_id);
  }

  /**
   * Checks the current password, stores the new hash, and ends every session of the member:
   * refresh tokens are deleted, access tokens stop at the next request (token version), and open
   * WebSockets are closed by the gateways. The caller gets a fresh pair to stay signed in.
   */
  async changePassword(
    actor: Actor,
    memberId: string,
    body: ChangePasswordBody,
  ): Promise<TokenPair> {
    if (!policy.manageProfile(actor.id, memberId)) {
      throw forbidden('only the member themself may change their password');
    }
    const member = await this.repos.members.credentialsById(memberId);
    if (!member || !(await this.hasher.verify(body.current_password, member.password_hash))) {
      throw new AppError('INVALID_CREDENTIALS', 'the current password is incorrect');
    }
    await this.repos.members.setPassword(memberId, await this.hasher.hash(body.new_password));
    await this.repos.refreshTokens.revokeAllOf(memberId);
    const current = (await this.repos.members.credentialsById(memberId)) ?? member;
    this.events.publish(
      createEvent('access_revoked', {
        scope: 'member',
        member_id: memberId,
        reason: 'password_changed',
        token_version: current.token_version,
      }),
    );
    return this.issue(current, randomUUID());
  }

  /** Ends every session of a member (deactivation). */
  async revokeAll(memberId: string): Promise<void> {
    await this.repos.refreshTokens.revokeAllOf(memberId);
  }

  private async issue(
    member: MemberCredentials,
    familyId: string,
    now = new Date(),
  ): Promise<TokenPair> {
    const access = await this.tokens.signAccess(member.id, member.token_version);
    const refreshToken = randomBytes(32).toString('base64url');
    const ttl = this.settings.refreshTtlSeconds;
    await this.repos.refreshTokens.insert({
      token_hash: hashToken(refreshToken),
      member_id: member.id,
      family_id: familyId,
      created_at: now,
      expires_at: new Date(now.getTime() + ttl * 1000),
    });
    return {
      token_type: 'Bearer',
      access_token: access.token,
      expires_in: this.tokens.accessTtlSeconds,
      refresh_token: refreshToken,
      refresh_expires_in: ttl,
      member_id: member.id,
    };
  }
}
