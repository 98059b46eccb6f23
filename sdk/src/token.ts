import { z } from 'zod';
import { InvalidArgumentError, TokenVerificationError } from './errors.js';
import { issuesOf } from './validation.js';

/**
 * The user's credentials for one contract. Store the whole object (it is plain JSON) and pass it
 * back on the next call; when a call returns a different one, replace the stored one.
 */
export interface OAuthToken {
  accessToken: { value: string; /** Unix time in seconds. */ expiresOn: number };
  refreshToken: { value: string; /** Unix time in seconds. */ expiresOn: number };
  tokenType: string;
  /** digi.me's `sub`: the user. */
  sub?: string;
  /** digi.me's `consentid`. */
  consentId?: string;
  /** digi.me's `identifier.id`. */
  identifier?: { id: string };
}

/** The latest Unix time, in seconds, a JavaScript `Date` can hold: expiries beyond it cannot be compared. */
const MAX_UNIX_SECONDS = 8.64e12;

const unixSeconds = z.number().finite().min(0).max(MAX_UNIX_SECONDS);

const tokenPart = z.object({ value: z.string().min(1), expiresOn: unixSeconds });

/** Checks a token an app hands back (e.g. read from its database). */
export const oAuthTokenSchema = z.object({
  accessToken: tokenPart,
  refreshToken: tokenPart,
  tokenType: z.string(),
  sub: z.string().optional(),
  consentId: z.string().optional(),
  identifier: z.object({ id: z.string() }).optional(),
});

export function parseStoredToken(value: unknown, path = 'oAuthToken'): OAuthToken {
  let result: ReturnType<typeof oAuthTokenSchema.safeParse>;
  try {
    result = oAuthTokenSchema.safeParse(value);
  } catch (error) {
    throw new InvalidArgumentError([{ path, message: 'cannot be read' }], { cause: error });
  }
  if (!result.success) {
    const issues = issuesOf(result.error, path);
    if (looksLikeOfficialToken(value)) {
      issues.unshift({
        path,
        message:
          "is the official SDK's UserAccessToken, not an OAuthToken: expiry is expiresOn here, consentid consentId, " +
          "user.id identifier.id, and tokenType ('Bearer') is required",
      });
    }
    throw new InvalidArgumentError(issues);
  }
  // The caller's own object, not a copy: a call that changes nothing returns the very token it got.
  return value as OAuthToken;
}

/** The official SDK's stored token: `{accessToken: {value, expiry}, refreshToken: {value, expiry}, user?, consentid?}`. */
function looksLikeOfficialToken(value: unknown): boolean {
  try {
    if (typeof value !== 'object' || value === null) return false;
    const accessToken = (value as { accessToken?: unknown }).accessToken;
    return typeof accessToken === 'object' && accessToken !== null && 'expiry' in accessToken && !('expiresOn' in accessToken);
  } catch {
    return false;
  }
}

const wirePart = z.object({ value: z.string().min(1), expires_on: unixSeconds });

/** The payload of the JWS that `POST oauth/token` answers with (docs/protocol.md §3). */
const tokenPayloadSchema = z.object({
  access_token: wirePart,
  refresh_token: wirePart,
  sub: z.string().optional(),
  consentid: z.string().optional(),
  identifier: z.object({ id: z.string() }).optional(),
  token_type: z.string().optional(),
});

export function tokenFromPayload(payload: unknown): OAuthToken {
  const result = tokenPayloadSchema.safeParse(payload);
  if (!result.success) {
    throw new TokenVerificationError(
      'claims',
      `The token payload is not a digi.me token: ${issuesOf(result.error).map((i) => `${i.path}: ${i.message}`).join('; ')}`,
    );
  }
  const p = result.data;
  return {
    accessToken: { value: p.access_token.value, expiresOn: p.access_token.expires_on },
    refreshToken: { value: p.refresh_token.value, expiresOn: p.refresh_token.expires_on },
    tokenType: p.token_type ?? 'Bearer',
    ...(p.sub !== undefined ? { sub: p.sub } : {}),
    ...(p.consentid !== undefined ? { consentId: p.consentid } : {}),
    ...(p.identifier !== undefined ? { identifier: { id: p.identifier.id } } : {}),
  };
}

/** True when the access token has expired, or will within `skewMs`, by the client's clock. */
export function accessTokenNeedsRefresh(token: OAuthToken, nowMs: number, skewMs: number): boolean {
  return nowMs + skewMs >= token.accessToken.expiresOn * 1000;
}

/**
 * True when the refresh token has certainly expired: past its expiry by more than the skew. In
 * between, the server decides (a refresh is attempted), so a fast local clock never forces a
 * needless consent.
 */
export function refreshTokenCertainlyExpired(token: OAuthToken, nowMs: number, skewMs: number): boolean {
  return nowMs - skewMs >= token.refreshToken.expiresOn * 1000;
}
