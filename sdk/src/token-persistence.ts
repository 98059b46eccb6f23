import type { TokenChangeEvent } from './config.js';
import { DigimeError, messageOf } from './errors.js';
import type { OAuthToken } from './token.js';

/**
 * The app's `onTokenChange` threw for a new token and no `onTokenChangeError` was given. The
 * operation itself succeeded and the client already uses the new `token` (a retry of the call will
 * not refresh or consent again), but the app has not stored it: persist `token` (the `cause` is
 * what `onTokenChange` threw).
 */
export class TokenPersistFailedError extends DigimeError {
  readonly code = 'TokenPersistFailed' as const;
  readonly token: OAuthToken;
  readonly event: TokenChangeEvent;

  constructor(event: TokenChangeEvent, options?: { cause?: unknown }) {
    super(
      `onTokenChange failed for a new token (${event.reason}); the token is in force but was not persisted: ` +
        `${messageOf(options?.cause)}`,
      options,
    );
    this.token = event.token;
    this.event = event;
  }
}
