/**
 * Consent: `oauth/authorize` and `oauth/token/reference` hand out a single-use code, a consent page
 * spends it (approve or deny), and approval yields an authorization code that `oauth/token`
 * exchanges, with PKCE S256, for tokens.
 */
import { createHash } from 'node:crypto';
import { libraryAccounts } from './accounts.js';
import type { CoreContext } from './context.js';
import { errors } from './errors.js';
import type { Account, User } from './model.js';
import { accountInScope, resolveScope } from './data/session-scope.js';
import { randomId } from './ids.js';
import type { VerifiedRequest } from './request-jwt.js';
import { resolveReference } from './references.js';
import { parseSessionOptions, type SessionOptions } from './session-options.js';
import { findSampleDataSet, sampleAccount } from './sample-data.js';
import { createSession, sessionView } from './sessions.js';
import { claimStorage } from './storage.js';
import type { AppContract, Consent, PreauthorizationCode } from './store.js';
import { consentNamedBy, issueTokens, requireAccessToken, revokeFamily } from './tokens.js';
import { libraryUser } from './user-library.js';

const PKCE_CHALLENGE = /^[A-Za-z0-9_-]{43}$/;
const PKCE_VERIFIER = /^[A-Za-z0-9._~-]{43,128}$/;

export const pkceChallenge = (verifier: string) => createHash('sha256').update(verifier).digest('base64url');

function optionalString(claims: Record<string, unknown>, name: string): string | undefined {
  const v = claims[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw errors.validation(`${name} must be a string`);
  return v;
}

function requiredString(claims: Record<string, unknown>, name: string): string {
  const v = optionalString(claims, name);
  if (!v) throw errors.validation(`${name} is required`);
  return v;
}

export function checkRedirectUri(app: AppContract, uri: string): string {
  // Any absolute URL will do (mobile apps redirect to custom schemes), unless the contract lists some.
  if (!URL.canParse(uri)) throw errors.invalidRedirectUri(uri);
  if (app.redirectUris && !app.redirectUris.includes(uri)) throw errors.invalidRedirectUri(uri);
  return uri;
}

/** `POST oauth/authorize` → `{preauthorization_code, session}` (the session becomes readable on consent). */
export async function authorize(ctx: CoreContext, { app, claims }: VerifiedRequest, body: unknown) {
  const challenge = requiredString(claims, 'code_challenge');
  if (!PKCE_CHALLENGE.test(challenge)) throw errors.validation('code_challenge must be 43 base64url characters');
  const method = optionalString(claims, 'code_challenge_method') ?? 'S256';
  if (method !== 'S256') throw errors.validation('code_challenge_method must be S256');
  const responseType = optionalString(claims, 'response_type');
  if (responseType !== undefined && responseType !== 'code') throw errors.validation('response_type must be code');
  const redirectUri = checkRedirectUri(app, requiredString(claims, 'redirect_uri'));
  const state = optionalString(claims, 'state');

  // Re-authorisation: the token only names the consent, and clients send it as stored, so an
  // expired one will do (once the refresh token has expired, the access token has too).
  let reauthConsent: Consent | undefined;
  if (claims.access_token !== undefined) reauthConsent = consentNamedBy(ctx, app, claims.access_token);

  const sessionOptions = parseSessionOptions(pullOf(body), 'actions.pull');

  const session = createSession(ctx, app.clientId, undefined, sessionOptions);
  const code: PreauthorizationCode = {
    code: randomId(24),
    kind: 'authorize',
    clientId: app.clientId,
    redirectUri,
    state,
    codeChallenge: challenge,
    sessionOptions,
    consentId: reauthConsent?.consentId,
    sessionKey: session.key,
    expiresAt: ctx.clock.now() + ctx.config.ttl.preauthorizationCode * 1000,
  };
  ctx.store.preauthorizationCodes.set(code.code, code);
  return { preauthorization_code: code.code, session: sessionView(session) };
}

/** The `actions.pull` of a request body, whatever shape the body has. */
const pullOf = (body: unknown): unknown => (body as { actions?: { pull?: unknown } } | null | undefined)?.actions?.pull;

/**
 * `POST oauth/token/reference` → `{reference_code, session}` for the user-reauth and onboard pages.
 * `actions.pull` scopes the session, as at authorize (the consent's own scope still applies).
 */
export async function tokenReference(ctx: CoreContext, { app, claims }: VerifiedRequest, body?: unknown) {
  const challenge = optionalString(claims, 'code_challenge');
  // Re-authorisation (a PKCE challenge) only names the consent, as at authorize: clients send the
  // stored token, whose access token has expired by then. Onboarding needs a live one.
  const consent =
    challenge !== undefined ? consentNamedBy(ctx, app, claims.access_token) : requireAccessToken(ctx, app, claims.access_token).consent;
  const redirectUri = checkRedirectUri(app, requiredString(claims, 'redirect_uri'));
  if (challenge !== undefined && !PKCE_CHALLENGE.test(challenge)) {
    throw errors.validation('code_challenge must be 43 base64url characters');
  }
  const pull = pullOf(body);
  // Stryker disable next-line ConditionalExpression,LogicalOperator: without a pull the session takes the consent's options, whose scope applies to every session of the consent anyway
  const sessionOptions = pull === undefined || pull === null ? undefined : parseSessionOptions(pull, 'actions.pull');
  const session = createSession(ctx, app.clientId, consent.consentId, sessionOptions ?? consent.sessionOptions);
  const code: PreauthorizationCode = {
    code: randomId(24),
    kind: 'user-reauth',
    clientId: app.clientId,
    redirectUri,
    state: optionalString(claims, 'state'),
    codeChallenge: challenge,
    sessionOptions,
    consentId: consent.consentId,
    sessionKey: session.key,
    expiresAt: ctx.clock.now() + ctx.config.ttl.referenceCode * 1000,
  };
  ctx.store.preauthorizationCodes.set(code.code, code);
  return { reference_code: code.code, session: sessionView(session) };
}

/** Why a consent page cannot go on; shown as an HTML page (400), since no redirect can be trusted. */
export class ConsentPageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConsentPageError';
  }
}

/** The sample data set a page names for its service, if any; an unknown one stops the page. */
export function sampleDataChoice(ctx: CoreContext, service: string | undefined, sampleDataSet: string | undefined) {
  if (sampleDataSet === undefined) return undefined;
  if (service === undefined) throw new ConsentPageError('Sample data needs the service (source) to onboard.');
  const choice = findSampleDataSet(ctx, service, sampleDataSet);
  if (!choice) throw new ConsentPageError(`There is no sample data set "${sampleDataSet}" for source ${service}.`);
  return choice;
}

export type ConsentPage = 'authorize' | 'user-reauth' | 'onboard';

export interface ConsentRequest {
  code: PreauthorizationCode;
  app: AppContract;
  page: ConsentPage;
  /** Users who could consent (the mock lets the tester pick one). */
  users: User[];
  /** The user already bound to the consent (re-authorisation), if any. */
  boundUser?: User;
}

/** What a consent page is about; throws ConsentPageError for an unknown, used or expired code. */
export function consentRequest(ctx: CoreContext, rawCode: unknown, page: ConsentPage): ConsentRequest {
  const code = typeof rawCode === 'string' ? ctx.store.preauthorizationCodes.get(rawCode) : undefined;
  if (!code) throw new ConsentPageError('This consent link is not valid.');
  if (code.usedAt !== undefined) throw new ConsentPageError('This consent link has already been used.');
  if (ctx.clock.now() >= code.expiresAt) throw new ConsentPageError('This consent link has expired.');
  const pageFits = page === 'authorize' ? code.kind === 'authorize' : code.kind === 'user-reauth';
  if (!pageFits) throw new ConsentPageError('This consent link is not valid for this page.');
  const app = ctx.store.apps.get(code.clientId);
  if (!app) throw new ConsentPageError('The app that asked for consent is no longer registered.');
  const consent = code.consentId ? ctx.store.consents.get(code.consentId) : undefined;
  const boundUser = consent ? ctx.users.get(consent.userId) : undefined;
  return { code, app, page, users: [...ctx.users.values()], boundUser };
}

/** The user's accounts a consent covers: those the requested scope reaches (all, without a scope). */
function accountsInScope(ctx: CoreContext, user: User, options: SessionOptions | undefined): Account[] {
  const scope = resolveScope(options?.scope, ctx.clock.now());
  return libraryAccounts(ctx, user).filter((a) => accountInScope(scope, a));
}

export function redirect(base: string, params: Record<string, string | undefined>): string {
  const url = new URL(base);
  for (const [k, v] of Object.entries(params)) if (v !== undefined) url.searchParams.set(k, v);
  return url.toString();
}

/**
 * Whether a consent page decides at once, without showing itself: the request's `autoConsent`
 * (a mock extension) wins, then the server's consent mode.
 */
export function automaticDecision(
  ctx: CoreContext,
  autoConsent: string | null | undefined,
  sampleDataAutoOnboard = false,
): 'accept' | 'deny' | undefined {
  if (autoConsent === 'accept' || autoConsent === 'deny') return autoConsent;
  // The consent client's own shortcut for sample data (docs/protocol.md §9.4).
  if (sampleDataAutoOnboard) return 'accept';
  return ctx.config.consent === 'page' ? undefined : ctx.config.consent;
}

export interface ConsentDecision {
  decision: 'accept' | 'deny';
  /** Fixture user who consents; the default user when absent. */
  userId?: string;
  /** Onboard: the service (type id) being added; with sample data, the source (id) the sample account is of. */
  service?: string;
  /** Authorize and onboard: onboard a sample account with this data set instead of a live account (docs/protocol.md §9.4). */
  sampleDataSet?: string;
  /** `false`: the session handed out with the code leaves the accounts this consent adds out. */
  triggerQuery?: boolean;
  /** Authorize: a `cloudId` reference; on approval its storage becomes the user's (docs/protocol.md §9.6). */
  storageRef?: string;
}

/** The storage a page's `storageRef` names: a live `cloudId` reference of the app; any other stops the page. */
export function storageChoice(ctx: CoreContext, { app, page }: Pick<ConsentRequest, 'app' | 'page'>, storageRef: string | undefined) {
  if (storageRef === undefined || page !== 'authorize') return undefined;
  const storageId = resolveReference(ctx, app.clientId, storageRef, 'cloudId');
  if (storageId === undefined) throw new ConsentPageError('This storage link is not valid.');
  return storageId;
}

/** Spends the code and returns where the browser goes next (the app's redirect URI). */
export function decideConsent(
  ctx: CoreContext,
  request: ConsentRequest,
  { decision, userId, service, sampleDataSet, triggerQuery, storageRef }: ConsentDecision,
) {
  const { code, app, page } = request;
  const now = ctx.clock.now();
  const user = request.boundUser ?? ctx.users.get(userId ?? ctx.config.defaultUser);
  if (decision === 'accept' && !user) throw new ConsentPageError(`There is no user "${userId ?? ctx.config.defaultUser}".`);
  const sample = page === 'authorize' || page === 'onboard' ? sampleDataChoice(ctx, service, sampleDataSet) : undefined;
  const storageId = storageChoice(ctx, request, storageRef);
  code.usedAt = now;

  if (decision === 'deny') {
    return redirect(code.redirectUri, {
      success: 'false',
      errorCode: 'ConsentDenied',
      errorMessage: 'The user did not give consent',
      state: code.state,
    });
  }

  const consent: Consent = code.consentId
    ? (ctx.store.consents.get(code.consentId) as Consent)
    : {
        consentId: randomId(16),
        clientId: app.clientId,
        userId: user!.id,
        // Sample data stands in for the live accounts: the consent covers the sample account alone.
        accountReferences: sample ? [] : accountsInScope(ctx, user!, code.sessionOptions).map((a) => a.reference),
        sessionOptions: code.sessionOptions,
        createdAt: now,
      };
  const before = code.consentId ? [...consent.accountReferences] : [];
  ctx.store.consents.set(consent.consentId, consent);
  const session = code.sessionKey ? ctx.store.sessions.get(code.sessionKey) : undefined;
  if (session) session.consentId = consent.consentId;
  if (storageId !== undefined) claimStorage(ctx, storageId, consent.userId);

  const sampled = sample && sampleAccount(ctx, user!.id, sample);
  if (sampled && !consent.accountReferences.includes(sampled.reference)) consent.accountReferences.push(sampled.reference);
  let accountReference = sampled ? sampled.reference : consent.accountReferences[0];
  if (page === 'onboard' && !sample) {
    const match = libraryAccounts(ctx, libraryUser(ctx, user!.id) ?? user!).find((a) => String(a.serviceTypeId) === service);
    if (match) {
      if (!consent.accountReferences.includes(match.reference)) consent.accountReferences.push(match.reference);
      accountReference = match.reference;
    }
  }

  if (triggerQuery === false && session) {
    session.excludedAccounts = consent.accountReferences.filter((r) => !before.includes(r));
  }

  let authorizationCode: string | undefined;
  if (code.codeChallenge && page !== 'onboard') {
    authorizationCode = randomId(24);
    ctx.store.authorizationCodes.set(authorizationCode, {
      code: authorizationCode,
      clientId: app.clientId,
      consentId: consent.consentId,
      redirectUri: code.redirectUri,
      codeChallenge: code.codeChallenge,
      expiresAt: now + ctx.config.ttl.authorizationCode * 1000,
    });
  }
  return redirect(code.redirectUri, { success: 'true', state: code.state, code: authorizationCode, accountReference });
}

/** The `authorization_code` grant. */
export async function exchangeCode(ctx: CoreContext, { app, claims }: VerifiedRequest, jku: string) {
  const codeValue = requiredString(claims, 'code');
  const verifier = requiredString(claims, 'code_verifier');
  const code = ctx.store.authorizationCodes.get(codeValue);
  const now = ctx.clock.now();
  if (!code || code.clientId !== app.clientId) throw errors.invalidGrant('The authorization code is invalid');
  if (code.usedAt !== undefined) {
    // A replayed code may be stolen: what it produced stops working (RFC 6749 §4.1.2).
    // Stryker disable next-line ConditionalExpression: every token has a family, so revoking an undefined one revokes none
    if (code.family) revokeFamily(ctx, code.family);
    throw errors.invalidGrant('The authorization code has already been used');
  }
  if (now >= code.expiresAt) throw errors.invalidGrant('The authorization code has expired');
  const redirectUri = optionalString(claims, 'redirect_uri');
  if (redirectUri !== undefined && redirectUri !== code.redirectUri) throw errors.invalidRedirectUri(redirectUri);
  if (!PKCE_VERIFIER.test(verifier) || pkceChallenge(verifier) !== code.codeChallenge) {
    throw errors.invalidGrant('The code_verifier does not match the code_challenge');
  }
  const consent = ctx.store.consents.get(code.consentId);
  if (!consent || consent.revokedAt !== undefined) throw errors.invalidGrant('The consent behind this code was withdrawn');
  code.usedAt = now;
  // The family is known before any await, so a replay racing this exchange still revokes it.
  code.family = randomId(18);
  return issueTokens(ctx, app, consent, jku, code.family);
}
