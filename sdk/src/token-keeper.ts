import type { TokenChangeEvent, TokenChangeReason } from './config.js';
import { AbortedError, NetworkError, OAuthTokenExpiredError } from './errors.js';
import { TokenPersistFailedError } from './token-persistence.js';
import { accessTokenNeedsRefresh, refreshTokenCertainlyExpired } from './token.js';
import type { OAuthToken } from './token.js';

export interface TokenKeeperOptions {
  /** Asks digi.me for a new token (`grant_type=refresh_token`); `signal` fires on the refresh timeout. */
  refresh: (token: OAuthToken, signal: AbortSignal) => Promise<OAuthToken>;
  /** The app's `onTokenChange`. */
  notify: ((event: TokenChangeEvent) => void | Promise<void>) | undefined;
  /** The app's `onTokenChangeError`; without it a failing `notify` becomes `TokenPersistFailedError`. */
  notifyError?: ((error: unknown, event: TokenChangeEvent) => void | Promise<void>) | undefined;
  now: () => number;
  skewMs: number;
  /** A shared refresh is abandoned after this many ms. Default 30000. */
  refreshTimeoutMs?: number;
  /** How many replaced tokens to remember. */
  memory?: number;
}

/**
 * Decides when a token is refreshed and makes concurrent callers share one refresh.
 *
 * Refreshes are keyed by the access token being replaced: every call holding that token while a
 * refresh is in flight waits for the same one. Replaced tokens are remembered (a bounded map from
 * the old access token to its successor), so a call that starts, or is refused, with a token that
 * was already replaced moves to the successor instead of refreshing again. Tokens whose refresh
 * token was refused are remembered too, so late callers do not ask again.
 *
 * A shared refresh has its own timeout and ignores the callers' signals (others may still be
 * waiting for it); each caller's wait races its own signal.
 */
export class TokenKeeper {
  readonly #options: TokenKeeperOptions;
  readonly #successors = new Map<string, OAuthToken>();
  readonly #inflight = new Map<string, Promise<OAuthToken>>();
  readonly #expired = new Map<string, OAuthTokenExpiredError>();
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

  /** True when a refresh of `token` already failed with `OAuthTokenExpired` (and nothing replaced it since). */
  refreshRefused(token: OAuthToken): boolean {
    return this.#expired.has(token.accessToken.value);
  }

  /** The token to use for a call now: the latest one, refreshed first if its access token has expired. */
  async usable(token: OAuthToken, signal?: AbortSignal): Promise<OAuthToken> {
    const latest = this.latest(token);
    if (!accessTokenNeedsRefresh(latest, this.#options.now(), this.#options.skewMs)) return latest;
    return this.refresh(latest, signal);
  }

  /**
   * A new token for `token`: its successor when it was already replaced, the in-flight refresh when
   * there is one, else a new refresh. Fails with `OAuthTokenExpired` when the refresh token is gone,
   * with `Aborted` when `signal` fires first (the shared refresh carries on for the other callers).
   */
  refresh(token: OAuthToken, signal?: AbortSignal): Promise<OAuthToken> {
    if (signal?.aborted) return Promise.reject(new AbortedError({ cause: signal.reason }));
    const latest = this.latest(token);
    if (latest !== token && latest.accessToken.value !== token.accessToken.value) return Promise.resolve(latest);
    const key = token.accessToken.value;
    const refused = this.#expired.get(key);
    if (refused) return Promise.reject(refused);
    let pending = this.#inflight.get(key);
    if (!pending) {
      pending = this.#runRefresh(token).finally(() => this.#inflight.delete(key));
      // A refresh every caller abandoned must not become an unhandled rejection.
      pending.catch(() => undefined);
      this.#inflight.set(key, pending);
    }
    return raceSignal(pending, signal);
  }

  /**
   * Records a token that replaces `previous` (and any `also`; or a first token) and tells the app.
   * The successor is recorded before the app is told, so a failing `onTokenChange` cannot lose it.
   */
  async replace(
    previous: OAuthToken | undefined,
    token: OAuthToken,
    reason: TokenChangeReason,
    also: readonly OAuthToken[] = [],
  ): Promise<void> {
    for (const old of previous ? [previous, ...also] : also) this.#link(old, token);
    const event: TokenChangeEvent = { token, previous, reason };
    try {
      await this.#options.notify?.(event);
    } catch (error) {
      const onError = this.#options.notifyError;
      if (!onError) throw new TokenPersistFailedError(event, { cause: error });
      try {
        await onError(error, event);
      } catch (reportError) {
        throw new TokenPersistFailedError(event, { cause: reportError });
      }
    }
  }

  #link(old: OAuthToken, token: OAuthToken): void {
    if (old.accessToken.value === token.accessToken.value) return;
    this.#successors.set(old.accessToken.value, token);
    this.#expired.delete(old.accessToken.value);
    trim(this.#successors, this.#memory);
  }

  async #runRefresh(token: OAuthToken): Promise<OAuthToken> {
    const key = token.accessToken.value;
    if (refreshTokenCertainlyExpired(token, this.#options.now(), this.#options.skewMs)) {
      const error = new OAuthTokenExpiredError(
        `The refresh token expired at ${new Date(token.refreshToken.expiresOn * 1000).toISOString()}; the user must consent again`,
      );
      this.#remember(key, error);
      throw error;
    }
    const timeoutMs = this.#options.refreshTimeoutMs ?? 30_000;
    const timeout = AbortSignal.timeout(timeoutMs);
    let next: OAuthToken;
    try {
      next = await this.#options.refresh(token, timeout);
    } catch (error) {
      if (error instanceof OAuthTokenExpiredError) this.#remember(key, error);
      if (timeout.aborted) {
        throw new NetworkError(`The token refresh did not complete within ${timeoutMs} ms`, { cause: error });
      }
      throw error;
    }
    await this.replace(token, next, 'refresh');
    return next;
  }

  #remember(key: string, error: OAuthTokenExpiredError): void {
    this.#expired.set(key, error);
    trim(this.#expired, this.#memory);
  }
}

function trim(map: Map<string, unknown>, size: number): void {
  while (map.size > size) {
    const oldest = map.keys().next();
    if (oldest.done) break;
    map.delete(oldest.value);
  }
}

/** `promise`, or `Aborted` as soon as `signal` fires (the promise itself carries on). */
export function raceSignal<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(new AbortedError({ cause: signal.reason }));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new AbortedError({ cause: signal.reason }));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
