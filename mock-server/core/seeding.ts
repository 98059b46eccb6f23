/**
 * Seeding: state that a test or a Pact provider state needs, reached in-process through the same
 * rules a client goes through (authorize with a PKCE challenge, the consent decision, the code
 * exchange, the trigger), without HTTP and without request-JWT signatures.
 */
import { randomBytes } from 'node:crypto';
import { authorize, consentRequest, decideConsent, exchangeCode, pkceChallenge } from './consent.js';
import type { CoreContext } from './context.js';
import { errors } from './errors.js';
import type { RequestClaims, VerifiedRequest } from './request-jwt.js';
import { trigger } from './sessions.js';
import type { IssuedToken } from './tokens.js';

/** A request as the core sees it once its JWT has been checked, for a caller that is the app itself. */
export function trustedRequest(ctx: CoreContext, clientId: string, claims: Record<string, unknown> = {}): VerifiedRequest {
  const app = ctx.store.apps.get(clientId);
  if (!app) throw errors.invalidClient(clientId);
  const full: RequestClaims = { client_id: clientId, nonce: randomBytes(16).toString('hex'), timestamp: ctx.wallClock.now(), ...claims };
  return { app, claims: full };
}

export interface ConsentSeed {
  /** `<appId>_<contractId>` of a registered contract. */
  clientId: string;
  /** The user who consents; the server's default user when absent. */
  userId?: string;
  /** Default: the contract's first redirect URI, else `https://app.example/callback`. */
  redirectUri?: string;
  /** `actions.pull` of the authorize call: the scope and limits of the consent. */
  sessionOptions?: unknown;
  state?: string;
}

/** A consent given on the consent page: an authorization code waiting for its exchange. */
export async function giveConsent(ctx: CoreContext, seed: ConsentSeed) {
  const app = trustedRequest(ctx, seed.clientId).app;
  const redirectUri = seed.redirectUri ?? app.redirectUris?.[0] ?? 'https://app.example/callback';
  const codeVerifier = randomBytes(32).toString('base64url');
  const { preauthorization_code } = await authorize(
    ctx,
    trustedRequest(ctx, seed.clientId, {
      code_challenge: pkceChallenge(codeVerifier),
      code_challenge_method: 'S256',
      redirect_uri: redirectUri,
      response_mode: 'query',
      response_type: 'code',
      state: seed.state ?? 'seeded',
    }),
    seed.sessionOptions === undefined ? {} : { actions: { pull: seed.sessionOptions } },
  );
  const request = consentRequest(ctx, preauthorization_code, 'authorize');
  const redirect = new URL(decideConsent(ctx, request, { decision: 'accept', userId: seed.userId }));
  const code = redirect.searchParams.get('code');
  if (!code) throw new Error(`the consent redirect carries no code: ${redirect.search}`);
  return { code, codeVerifier, redirectUri };
}

export interface SeededTokens {
  consentId: string;
  userId: string;
  access: IssuedToken;
  refresh: IssuedToken;
  /** The `token` JWS that `oauth/token` would have answered with. */
  token: string;
}

/** A consent and its code exchange: live access and refresh tokens. */
export async function issueTokens(ctx: CoreContext, seed: ConsentSeed & { jku: string }): Promise<SeededTokens> {
  const { code, codeVerifier } = await giveConsent(ctx, seed);
  const { token, access, refresh } = await exchangeCode(
    ctx,
    trustedRequest(ctx, seed.clientId, { grant_type: 'authorization_code', code, code_verifier: codeVerifier }),
    seed.jku,
  );
  return { consentId: access.consentId, userId: access.userId, access, refresh, token };
}

/** A data session of the consent behind a live access token, as `permission-access/trigger` starts it. */
export function startSession(ctx: CoreContext, seed: { clientId: string; accessToken: string; sessionOptions?: unknown }) {
  const { session } = trigger(ctx, trustedRequest(ctx, seed.clientId, { access_token: seed.accessToken }), seed.sessionOptions ?? {});
  return { sessionKey: session.key };
}
