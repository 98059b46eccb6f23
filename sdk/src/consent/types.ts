/**
 * The consent handler is how an app shows digi.me's consent page to a person and hands the SDK
 * the result. The SDK prepares everything (PKCE, state, preauthorization code) and builds the
 * consent URL; the handler only has to get the person there and report where digi.me redirected.
 *
 * Three handlers ship with the SDK:
 * - `createAutoConsentHandler()` completes consent without a person, using the mock's
 *   `autoConsent` query parameter (tests, CI);
 * - `createBrowserConsentHandler()` drives a real (headless) Chromium page;
 * - `createRedirectConsentHandler()` fits a web app kept in one process: it hands the URL to your
 *   code (which redirects the user's browser) and resolves when your redirect route calls
 *   `complete(url)`. Across instances or restarts, use the client's `getAuthorizeUrl` and
 *   `exchangeCodeForToken` instead, with no handler.
 *
 * Writing your own: return the redirect's query parameters (or the whole redirect URL) once the
 * person's browser has been sent to `redirectUri`. Throw to abort; the SDK passes the error on.
 */

export interface ConsentRequest {
  /** `onboardUrl + 'authorize?code=<preauthorization code>&sourceType=pull'`; send the person here. */
  url: string;
  /** The `redirect_uri` registered for the contract; digi.me redirects there when consent ends. */
  redirectUri: string;
  /** The `state` the SDK put in the authorize request; the redirect must echo it. */
  state: string;
  /** The client's `fetch`, for handlers that talk HTTP themselves. */
  fetch: typeof fetch;
  /** Fires if the caller aborts `authorizeOngoingAccess`. */
  signal?: AbortSignal;
}

/** The query of digi.me's redirect to `redirectUri` after the person approved. */
export interface ConsentApproved {
  success: true;
  state: string | undefined;
  /** The authorization code, exchanged for an `OAuthToken` with the PKCE verifier. */
  code: string;
  /** The account the person onboarded, when there was one; matches an account's `reference`. */
  accountReference?: string;
}

/** The query of digi.me's redirect when consent did not succeed. */
export interface ConsentRefused {
  success: false;
  state: string | undefined;
  /** digi.me's code, e.g. `ConsentDenied`. */
  errorCode: string;
  errorMessage?: string;
}

export type ConsentRedirect = ConsentApproved | ConsentRefused;

/**
 * Gets a person through consent. Resolve with the redirect's parsed query (`ConsentRedirect`) or
 * with the redirect URL itself (a string or `URL`), which the SDK parses.
 */
export type ConsentHandler = (request: ConsentRequest) => Promise<ConsentRedirect | URL | string>;

/** A handler that always resolves with the parsed redirect (what the SDK's own handlers return). */
export type ParsedConsentHandler = (request: ConsentRequest) => Promise<ConsentRedirect>;
