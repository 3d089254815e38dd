import type { AccessTokenRequest } from '@communities/client';
import type { Member, TokenPair } from '@communities/contracts';
import { ApiError, apiFetch } from './http';

/**
 * Per tab, for as long as the tab lives: a reload keeps the member logged in, closing the tab logs
 * them out of it. The refresh token is readable by this origin's scripts, which the page's CSP
 * (`script-src 'self'`) limits to the app's own bundle.
 */
const STORAGE_KEY = 'communities.session';
/** An access token this close to its expiry is refreshed before it is used. */
const EXPIRY_MARGIN_MS = 30_000;
/**
 * A token refused within this long after a refresh was most likely the old one, sent before the
 * refresh finished (a socket and a REST call refused at once): the new one is the answer.
 */
const RECENT_REFRESH_MS = 5_000;

interface StoredSession {
  memberId: string;
  username: string;
  accessToken: string;
  accessExpiresAt: number;
  refreshToken: string;
}

export type SessionEnd = 'logged_out' | 'expired';

/**
 * A member's login: the token pair, refreshed when the access token is about to expire or was
 * refused (a standalone restarted without AUTH_JWT_KEYS signs with a new key, so every access
 * token it issued before is refused, while the refresh token, kept in the store, still works).
 * Refresh tokens are single-use, so one refresh at a time serves every caller.
 */
export class Session {
  private refreshing: Promise<string> | undefined;
  private refreshedAt = 0;
  private readonly endListeners = new Set<(end: SessionEnd) => void>();
  private ended = false;

  private constructor(private stored: StoredSession) {}

  get memberId(): string {
    return this.stored.memberId;
  }

  get username(): string {
    return this.stored.username;
  }

  static restore(): Session | null {
    try {
      const raw = sessionStorage.getItem(STORAGE_KEY);
      return raw ? new Session(JSON.parse(raw) as StoredSession) : null;
    } catch {
      return null;
    }
  }

  static async logIn(login: string, password: string): Promise<Session> {
    const pair = await apiFetch<TokenPair>('POST', '/api/auth/login', {
      body: { login, password },
    });
    const me = await apiFetch<Member>('GET', `/api/members/${pair.member_id}`, {
      token: pair.access_token,
    });
    const session = new Session(stored(pair, me.username));
    session.save();
    return session;
  }

  static async signUp(fields: { username: string; email: string; password: string }) {
    await apiFetch<Member>('POST', '/api/members', { body: fields });
    return Session.logIn(fields.username, fields.password);
  }

  onEnd(listener: (end: SessionEnd) => void): () => void {
    this.endListeners.add(listener);
    return () => this.endListeners.delete(listener);
  }

  /** `getAccessToken` of the RealtimeClient, and of every REST call the app makes. */
  accessToken({ rejected }: AccessTokenRequest): Promise<string> {
    if (this.ended) return Promise.reject(new ApiError(401, 'UNAUTHENTICATED', 'Logged out.'));
    if (this.refreshing) return this.refreshing;
    const now = Date.now();
    const expiring = now > this.stored.accessExpiresAt - EXPIRY_MARGIN_MS;
    if (expiring || (rejected && now - this.refreshedAt > RECENT_REFRESH_MS)) return this.refresh();
    return Promise.resolve(this.stored.accessToken);
  }

  /** An authenticated request; a 401 refreshes the token once and repeats it. */
  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    for (let attempt = 0; ; attempt += 1) {
      const token = await this.accessToken({ rejected: attempt > 0 });
      try {
        return await apiFetch<T>(method, path, { body, token });
      } catch (error) {
        if (!(error instanceof ApiError) || error.status !== 401) throw error;
        // Refused right after a successful refresh: this login is over (revoked, deactivated).
        if (attempt > 0) this.end('expired');
        if (attempt > 0 || this.ended) throw error;
      }
    }
  }

  /** Revokes the refresh token (best effort: the tab forgets it either way). */
  async logOut(): Promise<void> {
    const { refreshToken } = this.stored;
    this.end('logged_out');
    await apiFetch('POST', '/api/auth/logout', { body: { refresh_token: refreshToken } }).catch(
      () => undefined,
    );
  }

  /** The login can no longer be refreshed (or was ended here): forget it and tell the app. */
  end(end: SessionEnd): void {
    if (this.ended) return;
    this.ended = true;
    sessionStorage.removeItem(STORAGE_KEY);
    for (const listener of this.endListeners) listener(end);
  }

  private refresh(): Promise<string> {
    this.refreshing ??= (async () => {
      try {
        const pair = await apiFetch<TokenPair>('POST', '/api/auth/refresh', {
          body: { refresh_token: this.stored.refreshToken },
        });
        this.stored = stored(pair, this.stored.username);
        this.refreshedAt = Date.now();
        this.save();
        return pair.access_token;
      } catch (error) {
        // 401: the refresh token expired or was revoked. Anything else (the server is down or
        // restarting) is transient: the caller retries, and so will the next refresh.
        if (error instanceof ApiError && error.status === 401) this.end('expired');
        throw error;
      } finally {
        this.refreshing = undefined;
      }
    })();
    return this.refreshing;
  }

  private save(): void {
    if (!this.ended) sessionStorage.setItem(STORAGE_KEY, JSON.stringify(this.stored));
  }
}

function stored(pair: TokenPair, username: string): StoredSession {
  return {
    memberId: pair.member_id,
    username,
    accessToken: pair.access_token,
    accessExpiresAt: Date.now() + pair.expires_in * 1000,
    refreshToken: pair.refresh_token,
  };
}
