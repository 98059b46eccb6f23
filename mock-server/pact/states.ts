/**
 * The provider states of the digi.me API contract: the names consumer tests pass to `given()`
 * and the provider kit's state handlers set up, in-process or on a running mock through its
 * state-change URL (`POST /__admin/pact/states`). contracts/README.md ("Provider states") lists
 * them with their params and values. This module imports nothing, so a consumer test can use the
 * names without pulling in the mock server.
 */

/** State names. `appRegistered` takes the contract id, so each app's pacts name their own contract. */
export const DIGIME_STATES = {
  /** What pact-core sends for an interaction without a provider state (e.g. the JWKS). */
  none: '',
  /** The app contract exists (its public key is registered). Params: `AppStateParams`. */
  appRegistered: (contractId: string) => `an app contract ${contractId} is registered`,
  /** Consent was given and a PKCE-bound authorization code waits to be exchanged. Params: `UserStateParams`. */
  authorizationCodeIssued: 'the user has given consent and an authorization code has been issued',
  /** Tokens were issued and neither has expired. Params: `UserStateParams`. */
  validAccessToken: 'the user has a valid access token',
  /** Same set-up as `validAccessToken`; the name says which token the interaction is about. */
  validRefreshToken: 'the user has a valid refresh token',
  /** The access token has expired (mock clock moved past it); the refresh token has not. Params: `ExpiryStateParams`. */
  accessTokenExpired: 'the access token has expired',
  /** Both tokens have expired (mock clock moved past the refresh token). Params: `ExpiryStateParams`. */
  refreshTokenExpired: 'the refresh token has expired',
  /** A data session was triggered and is part-way through its sync. Params: `SessionStateParams`. */
  sessionRunning: 'a data session is running',
  /** A data session was triggered and its sync has completed. Params: `SessionStateParams`. */
  sessionCompleted: 'a data session has completed',
  /**
   * A user made for the interaction (a copy of the default user, or of `userId`) has tokens and
   * accounts: `accountId` is the first the consent covers. What the interaction does to it (delete
   * it, say) stays with that user, who is removed at tear-down. Params: `UserStateParams`.
   */
  userAccount: 'the user has an account',
  /**
   * As `userAccount`, and the user onboarded a provider (an approved push source of the catalogue):
   * `accountId` is the user's account there. Params: `ProviderStateParams`.
   */
  providerAccount: 'the user has an account at a provider',
  /**
   * A user made for the interaction has tokens of the app, whose contract writes (`accessType: w`):
   * what the app pushes stays in that user's library. Params: `UserStateParams`.
   */
  writableLibrary: "the app may write to the user's library",
  /** Tokens, and the user's storage: `storageId`. Params: `UserStateParams`. */
  userStorage: 'the user has a storage',
  /** As `userStorage`, with a file the app uploaded at `path`. Params: `StorageFileParams`. */
  storageFile: "a file is in the user's storage",
  /** A storage the app created before it had a user: `storageId`. */
  provisionalStorage: 'the app has a provisional storage',
} as const;

/** Params of `appRegistered`: when given, they must name the kit's app contract. */
export type AppStateParams = { appId?: string; contractId?: string };

/** Params of the token states: which fixture user consents (default: the server's default user). */
export type UserStateParams = { userId?: string };

/** Params of the expiry states: how far past the expiry the mock clock is moved (default 60 s). */
export type ExpiryStateParams = UserStateParams & { secondsPastExpiry?: number };

/**
 * Params of the session states. `progress` (0..1, default 0.5) is how far through its sync a
 * running session is; `fileNameContains` picks the file whose name the state provides (e.g.
 * `"_406_"` for play history); `scope` narrows the session as a trigger body's `scope` does.
 */
export type SessionStateParams = UserStateParams & {
  progress?: number;
  fileNameContains?: string;
  scope?: { [field: string]: Json };
};

/** Params of `providerAccount`: the provider (a source id; default the catalogue's first approved push source). */
export type ProviderStateParams = UserStateParams & { sourceId?: number };

/**
 * Params of `storageFile`: where the file is in the app's folder (default `/notes/today.json`) and
 * what it holds (default a note of some kilobytes), uploaded encrypted for the app's key as apps do.
 */
export type StorageFileParams = UserStateParams & { path?: string; content?: string };

/** A JSON value (state params travel in the pact file as JSON). */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/**
 * What a state's set-up returns: the values a pact can inject with `fromProviderState`
 * (`${sessionKey}`, `${fileName}`, …). Only those the state produced are present.
 */
export type DigimeStateValues = {
  userId?: string;
  accessToken?: string;
  refreshToken?: string;
  code?: string;
  codeVerifier?: string;
  sessionKey?: string;
  fileName?: string;
  /** One of the user's accounts (`userAccount`, `providerAccount`). */
  accountId?: string;
  /** A storage (`userStorage`, `storageFile`, `provisionalStorage`). */
  storageId?: string;
};
