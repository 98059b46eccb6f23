/**
 * Seeding: state that a test or a Pact provider state needs, reached in-process through the same
 * rules a client goes through (authorize with a PKCE challenge, the consent decision, the code
 * exchange, the trigger), without HTTP and without request-JWT signatures.
 */
import { randomBytes } from 'node:crypto';
import { storeFile } from './cloud.js';
import { authorize, consentRequest, decideConsent, exchangeCode, pkceChallenge, tokenReference } from './consent.js';
import type { ConsentDecision, ConsentRequest } from './consent.js';
import type { CoreContext } from './context.js';
import { encryptForApp } from './data/encryption.js';
import { errors } from './errors.js';
import type { RequestClaims, VerifiedRequest } from './request-jwt.js';
import { trigger } from './sessions.js';
import { requireStorage } from './storage.js';
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

/**
 * A service onboarded into the consent behind a live access token, as the onboard page's approval
 * does it (`decide` is that decision, with all it brings: a provider account, docs/protocol.md §9.5).
 * Returns the redirect's `accountReference`.
 */
export async function onboardService(
  ctx: CoreContext,
  seed: { clientId: string; accessToken: string; service: string; redirectUri?: string },
  decide: (request: ConsentRequest, decision: ConsentDecision) => string,
): Promise<{ accountReference: string | undefined }> {
  const app = trustedRequest(ctx, seed.clientId).app;
  const redirectUri = seed.redirectUri ?? app.redirectUris?.[0] ?? 'https://app.example/callback';
  const { reference_code } = await tokenReference(
    ctx,
    trustedRequest(ctx, seed.clientId, { access_token: seed.accessToken, redirect_uri: redirectUri, state: 'seeded' }),
  );
  const redirect = new URL(decide(consentRequest(ctx, reference_code, 'onboard'), { decision: 'accept', service: seed.service }));
  return { accountReference: redirect.searchParams.get('accountReference') ?? undefined };
}

/**
 * A file in an app's folder of a storage it may use, as an app uploads it: `content` encrypted for
 * the contract's own key (docs/protocol.md §9.6).
 */
export function storeStorageFile(ctx: CoreContext, seed: { clientId: string; storageId: string; path: string; content: Uint8Array }) {
  const app = trustedRequest(ctx, seed.clientId).app;
  const storage = requireStorage(ctx, app, seed.storageId);
  return storeFile(ctx, storage, app.appId, seed.path, encryptForApp(Buffer.from(seed.content), app.publicKey));
}
