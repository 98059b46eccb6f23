import type { ResolvedConfig } from './config.js';
import { OAuthTokenExpiredError, ServerError, UnexpectedResponseError } from './errors.js';
import { isRecord, readJson, sendSigned } from './http.js';
import type { HttpContext } from './http.js';
import type { Pkce } from './pkce.js';
import type { ServerTokenVerifier } from './server-token.js';
import { safeParseSession } from './session.js';
import type { Scope, Session } from './session.js';
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
  options: { pkce: Pkce; state: string; scope?: Scope | undefined; accessToken?: string | undefined; signal?: AbortSignal | undefined },
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
    json: {
      agent: { sdk: ctx.config.agent },
      ...(options.scope !== undefined ? { actions: { pull: { scope: options.scope } } } : {}),
    },
    signal: options.signal,
  });
  const body = await readJson(response, `POST ${url}`, options.signal);
  if (!isRecord(body)) throw new UnexpectedResponseError(`POST ${url} answered with a body that is not an object`);
  const payload = await ctx.verifier.verify(body.token);
  const code = payload.preauthorization_code;
  if (typeof code !== 'string' || code === '') {
    throw new UnexpectedResponseError(`POST ${url}: the token carries no preauthorization_code`);
  }
  // The SDK does not use this session, so a malformed one is dropped rather than failing consent.
  return { preauthorizationCode: code, session: safeParseSession(body.session) };
}

/** The consent page for a preauthorization code: `O+authorize?code=…&sourceType=pull`. */
export function consentPageUrl(
  onboardUrl: string,
  preauthorizationCode: string,
  extra: { serviceId?: number | undefined; lng?: string | undefined } = {},
): string {
  const url = new URL(`${onboardUrl}authorize`);
  url.searchParams.set('code', preauthorizationCode);
  url.searchParams.set('sourceType', 'pull');
  if (extra.serviceId !== undefined) url.searchParams.set('service', String(extra.serviceId));
  if (extra.lng !== undefined) url.searchParams.set('lng', extra.lng);
  return url.href;
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
