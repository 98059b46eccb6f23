import type { TokenChangeEvent, TokenChangeReason } from './config.js';
import { OAuthTokenExpiredError } from './errors.js';
import { accessTokenNeedsRefresh, refreshTokenCertainlyExpired } from './token.js';
import type { OAuthToken } from './token.js';

export interface TokenKeeperOptions {
  /** Asks digi.me for a new token (`grant_type=refresh_token`). */
  refresh: (token: OAuthToken) => Promise<OAuthToken>;
  /** The app's `onTokenChange`. */
  notify: ((event: TokenChangeEvent) => void | Promise<void>) | undefined;
  now: () => number;
  skewMs: number;
  /** How many replaced tokens to remember. */
  memory?: number;
}

/**
 * Decides when a token is refreshed and makes concurrent callers share one refresh.
 *
 * Refreshes are keyed by the access token being replaced: every call holding that token while a
 * refresh is in flight waits for the same one. Replaced tokens are remembered (a bounded map from
 * the old access token to its successor), so a call that starts, or is refused, with a token that
 * was already replaced moves to the successor instead of refreshing again.
 */
export class TokenKeeper {
  readonly #options: TokenKeeperOptions;
  readonly #successors = new Map<string, OAuthToken>();
  readonly #inflight = new Map<string, Promise<OAuthToken>>();
  readonly #memory: number;

  constructor(options: TokenKeeperOptions) {
    this.#options = options;
    this.#memory = options.memory ?? 1000;
  }

  /** The newest token known to replace `token` (itself when none). */
  latest(token: OAuthToken): OAuthToken {
    let current = token;
    // The chain is finite (each step is a token issued later); the bound guards against a loop.
    for (let i = 0; i <= this.#memory; i++) {
      const next = this.#successors.get(current.accessToken.value);
      if (!next || next === current) return current;
      current = next;
    }
    return current;
  }

  /** The token to use for a call now: the latest one, refreshed first if its access token has expired. */
  async usable(token: OAuthToken): Promise<OAuthToken> {
    const latest = this.latest(token);
    if (!accessTokenNeedsRefresh(latest, this.#options.now(), this.#options.skewMs)) return latest;
    return this.refresh(latest);
  }

  /**
   * A new token for `token`: its successor when it was already replaced, the in-flight refresh when
   * there is one, else a new refresh. Fails with `OAuthTokenExpired` when the refresh token is gone.
   */
  refresh(token: OAuthToken): Promise<OAuthToken> {
    const latest = this.latest(token);
    if (latest !== token && latest.accessToken.value !== token.accessToken.value) return Promise.resolve(latest);
    const key = token.accessToken.value;
    let pending = this.#inflight.get(key);
    if (!pending) {
      pending = this.#runRefresh(token).finally(() => this.#inflight.delete(key));
      this.#inflight.set(key, pending);
    }
    return pending;
  }

  /** Records a token that replaces `previous` (or a first token) and tells the app. */
  async replace(previous: OAuthToken | undefined, token: OAuthToken, reason: TokenChangeReason): Promise<void> {
    if (previous && previous.accessToken.value !== token.accessToken.value) {
      this.#successors.set(previous.accessToken.value, token);
      while (this.#successors.size > this.#memory) {
        const oldest = this.#successors.keys().next();
        if (oldest.done) break;
        this.#successors.delete(oldest.value);
      }
    }
    await this.#options.notify?.({ token, previous, reason });
  }

  async #runRefresh(token: OAuthToken): Promise<OAuthToken> {
    if (refreshTokenCertainlyExpired(token, this.#options.now(), this.#options.skewMs)) {
      throw new OAuthTokenExpiredError(
        `The refresh token expired at ${new Date(token.refreshToken.expiresOn * 1000).toISOString()}; the user must consent again`,
      );
    }
    const next = await this.#options.refresh(token);
    await this.replace(token, next, 'refresh');
    return next;
  }
}
