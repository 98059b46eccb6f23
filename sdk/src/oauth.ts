import type { ResolvedConfig } from './config.js';
import { OAuthTokenExpiredError, ServerError, UnexpectedResponseError } from './errors.js';
import { isRecord, readJson, sendSigned } from './http.js';
import type { HttpContext } from './http.js';
import type { Pkce } from './pkce.js';
import type { ServerTokenVerifier } from './server-token.js';
import { safeParseSession } from './session.js';
import type { Scope, Session, SessionOptions } from './session.js';
import { tokenFromPayload } from './token.js';
import type { OAuthToken } from './token.js';

export interface OAuthContext {
  config: ResolvedConfig;
  http: HttpContext;
  verifier: ServerTokenVerifier;
}

export interface AuthorizeResult {
  preauthorizationCode: string;
  /** The session digi.me opened with the authorize call, usable once consent is given. */
  session: Session | undefined;
}

/** `POST B+oauth/authorize`: starts consent and returns a preauthorization code. */
export async function authorize(
  ctx: OAuthContext,
  options: {
    pkce: Pkce;
    state: string;
    scope?: Scope | undefined;
    /** Sent in `actions.pull` with the scope: they shape the session this call opens. */
    sessionOptions?: SessionOptions | undefined;
    /** Re-authorisation: the stored access token, which only names the consent (expired is fine, §4.1). */
    accessToken?: string | undefined;
    signal?: AbortSignal | undefined;
  },
): Promise<AuthorizeResult> {
  const url = `${ctx.config.baseUrl}oauth/authorize`;
  const response = await sendSigned(ctx.http, {
    method: 'POST',
    url,
    claims: {
      access_token: options.accessToken,
      code_challenge: options.pkce.codeChallenge,
      code_challenge_method: options.pkce.codeChallengeMethod,
      redirect_uri: ctx.config.redirectUri,
      response_mode: 'query',
      response_type: 'code',
      state: options.state,
    },
    json: { agent: { sdk: ctx.config.agent }, ...pullActions(options.scope, options.sessionOptions) },
    signal: options.signal,
  });
  const body = await readJson(response, `POST ${url}`, options.signal);
  if (!isRecord(body)) throw new UnexpectedResponseError(`POST ${url} answered with a body that is not an object`);
  const payload = await ctx.verifier.verify(body.token);
  const code = payload.preauthorization_code;
  if (typeof code !== 'string' || code === '') {
    throw new UnexpectedResponseError(`POST ${url}: the token carries no preauthorization_code`);
  }
  // Consent inside authorizeOngoingAccess does not use this session, so a malformed one is dropped
  // rather than failing it; getAuthorizeUrl, which hands the session to the app, refuses its absence.
  return { preauthorizationCode: code, session: safeParseSession(body.session) };
}

/** `actions.pull` of authorize and token reference: the scope and the other session options. */
function pullActions(scope: Scope | undefined, sessionOptions: SessionOptions | undefined): { actions?: { pull: Record<string, unknown> } } {
  if (scope === undefined && sessionOptions === undefined) return {};
  return { actions: { pull: { ...sessionOptions, ...(scope !== undefined ? { scope } : {}) } } };
}

/** The consent client's pages (docs/protocol.md §4.2): consent, renewing a consent, onboarding another service. */
export type ConsentPage = 'authorize' | 'user-reauth' | 'onboard';

/** What the consent pages take besides the code (docs/protocol.md §9.4); the official SDK's names. */
export interface ConsentPageOptions {
  /** Offer (preselect) this service. */
  serviceId?: number | undefined;
  /** The page's language. */
  lng?: string | undefined;
  /** Which sources the picker lists: `pull` (the default) or `push`. */
  sourceType?: 'pull' | 'push' | undefined;
  /** `false`: do not sync the new account's data in the session. */
  triggerQuery?: boolean | undefined;
  /** Onboard a sample account with this data set (see digi.me's sample data sets). */
  sampleData?: { dataSet: string; autoOnboard?: boolean | undefined } | undefined;
  /** Also list sources that offer only sample data. */
  includeSampleDataOnlySources?: boolean | undefined;
  /** Restrict the listed sources by data type or organisation type. */
  sourcesScope?: { dataType?: string[] | undefined; organizationType?: string | undefined } | undefined;
}

/**
 * A consent page for a code: `O+authorize?code=…&sourceType=pull` for a preauthorization code,
 * `O+user-reauth?code=…` or `O+onboard?code=…&sourceType=pull` for a reference code, with the page
 * options in the official SDK's order and encoding (`sourcesScope` is JSON, percent-encoded once more).
 */
export function consentPageUrl(
  onboardUrl: string,
  page: ConsentPage,
  code: string,
  options: ConsentPageOptions & { storageRef?: string | undefined } = {},
): string {
  const url = new URL(`${onboardUrl}${page}`);
  const params = url.searchParams;
  params.set('code', code);
  // The source picker's pages; renewing a consent picks no source.
  if (page !== 'user-reauth') params.set('sourceType', options.sourceType ?? 'pull');
  if (options.serviceId !== undefined) params.set('service', String(options.serviceId));
  if (options.sampleData !== undefined) {
    params.set('sampleDataSet', options.sampleData.dataSet);
    if (options.sampleData.autoOnboard) params.set('sampleDataAutoOnboard', 'true');
  }
  if (options.lng !== undefined) params.set('lng', options.lng);
  if (options.includeSampleDataOnlySources !== undefined) {
    params.set('includeSampleDataOnlySources', String(options.includeSampleDataOnlySources));
  }
  if (options.storageRef !== undefined) params.set('storageRef', options.storageRef);
  if (options.triggerQuery !== undefined) params.set('triggerQuery', String(options.triggerQuery));
  if (options.sourcesScope !== undefined) params.set('sourcesScope', encodeURIComponent(JSON.stringify(options.sourcesScope)));
  return url.href;
}

export interface TokenReferenceResult {
  referenceCode: string;
  /** The session digi.me opened for the consent behind the token. */
  session: Session | undefined;
}

/**
 * `POST B+oauth/token/reference` (docs/protocol.md §4.5): a reference code for the consent behind an
 * access token. With PKCE, to renew the consent (`O+user-reauth`, whose approval carries a code to
 * exchange; the access token may have expired, it only names the consent); without, to onboard
 * another service (`O+onboard`; the access token must be live).
 */
export async function tokenReference(
  ctx: OAuthContext,
  options: {
    accessToken: string;
    state: string;
    pkce?: Pkce | undefined;
    scope?: Scope | undefined;
    sessionOptions?: SessionOptions | undefined;
    signal?: AbortSignal | undefined;
  },
): Promise<TokenReferenceResult> {
  const url = `${ctx.config.baseUrl}oauth/token/reference`;
  const response = await sendSigned(ctx.http, {
    method: 'POST',
    url,
    claims: {
      access_token: options.accessToken,
      code_challenge: options.pkce?.codeChallenge,
      code_challenge_method: options.pkce?.codeChallengeMethod,
      redirect_uri: ctx.config.redirectUri,
      state: options.state,
    },
    json: { agent: { sdk: ctx.config.agent }, ...pullActions(options.scope, options.sessionOptions) },
    signal: options.signal,
  });
  const body = await readJson(response, `POST ${url}`, options.signal);
  if (!isRecord(body)) throw new UnexpectedResponseError(`POST ${url} answered with a body that is not an object`);
  const payload = await ctx.verifier.verify(body.token);
  const code = payload.reference_code;
  if (typeof code !== 'string' || code === '') {
    throw new UnexpectedResponseError(`POST ${url}: the token carries no reference_code`);
  }
  return { referenceCode: code, session: safeParseSession(body.session) };
}

/** `POST B+oauth/token` with `grant_type=authorization_code`: the code and PKCE verifier for a token. */
export async function exchangeCode(
  ctx: OAuthContext,
  options: { code: string; codeVerifier: string; signal?: AbortSignal | undefined },
): Promise<OAuthToken> {
  const url = `${ctx.config.baseUrl}oauth/token`;
  const response = await sendSigned(ctx.http, {
    method: 'POST',
    url,
    claims: { code: options.code, code_verifier: options.codeVerifier, grant_type: 'authorization_code' },
    signal: options.signal,
    // The code is single-use: once digi.me has answered (even 5xx) it may have consumed it, so only
    // failures before any answer (network errors) are retried.
    retry: 'network',
  });
  return tokenFromResponse(ctx, response, url, options.signal);
}

/**
 * `POST B+oauth/token` with `grant_type=refresh_token`. A 401 `InvalidToken` here means the
 * refresh token is expired, revoked or unknown, and becomes `OAuthTokenExpired`.
 */
export async function refreshToken(
  ctx: OAuthContext,
  token: OAuthToken,
  signal?: AbortSignal,
): Promise<OAuthToken> {
  const url = `${ctx.config.baseUrl}oauth/token`;
  let response: Response;
  try {
    response = await sendSigned(ctx.http, {
      method: 'POST',
      url,
      claims: { grant_type: 'refresh_token', refresh_token: token.refreshToken.value },
      signal,
    });
  } catch (error) {
    if (error instanceof ServerError && error.status === 401 && error.serverCode === 'InvalidToken') {
      throw new OAuthTokenExpiredError(`The refresh token was refused: ${error.serverMessage}`, { cause: error });
    }
    throw error;
  }
  return tokenFromResponse(ctx, response, url, signal);
}

async function tokenFromResponse(
  ctx: OAuthContext,
  response: Response,
  url: string,
  signal: AbortSignal | undefined,
): Promise<OAuthToken> {
  const body = await readJson(response, `POST ${url}`, signal);
  if (!isRecord(body)) throw new UnexpectedResponseError(`POST ${url} answered with a body that is not an object`);
  return tokenFromPayload(await ctx.verifier.verify(body.token));
}
