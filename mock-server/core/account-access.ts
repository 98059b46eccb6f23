/**
 * An app's access to one account of its user, withdrawn and given again (docs/protocol.md §9.2,
 * §9.3). `permission-access/revoke/h:accountId` hands out a single-use code for the revoke page,
 * where the user withdraws the app's access to the account; the reauthorize page, opened with a
 * reference code (`oauth/token/reference`) and an account reference (`POST reference`), gives it
 * again. Each decision is recorded on the consent, where the data plane reads it: a withdrawn
 * account syncs `partial` asking for re-authorisation, and a re-authorised one syncs whole,
 * whatever its sync scenario says.
 */
import { libraryAccounts, requireListedAccount } from './accounts.js';
import { checkRedirectUri, ConsentPageError, consentRequest, redirect, type ConsentRequest } from './consent.js';
import type { CoreContext } from './context.js';
import { errors } from './errors.js';
import { randomId } from './ids.js';
import type { Account, User } from './model.js';
import { resolveReference } from './references.js';
import type { VerifiedRequest } from './request-jwt.js';
import type { AppContract, Consent, RevokeCode } from './store.js';
import { noteAddition } from './sweep.js';
import { requireAccessToken } from './tokens.js';
import { libraryUser } from './user-library.js';

/** What the revoke redirect reports when the user cancels (digi.me names no code for it). */
const REVOKE_CANCELLED = 'RevokeCancelled';

function recordDecision(ctx: CoreContext, consent: Consent, account: Account, authorized: boolean): void {
  consent.accountAuthorizations = { ...consent.accountAuthorizations, [account.id]: { authorized, decidedAt: ctx.clock.now() } };
}

/** `GET permission-access/revoke/h:accountId` → `{location}`: the revoke page, on `onboardUrl`. */
export function revokeAccountPermission(
  ctx: CoreContext,
  { app, claims }: VerifiedRequest,
  headers: { accountId: unknown; redirectUri: unknown },
  onboardUrl: string,
): { location: string } {
  const { consent } = requireAccessToken(ctx, app, claims.access_token);
  const { redirectUri } = headers;
  if (typeof redirectUri !== 'string' || redirectUri === '') throw errors.validation('the redirectUri header is required');
  checkRedirectUri(app, redirectUri);
  const account = requireListedAccount(ctx, consent, headers.accountId);
  const code: RevokeCode = {
    code: randomId(24),
    clientId: app.clientId,
    consentId: consent.consentId,
    accountId: account.id,
    redirectUri,
    expiresAt: ctx.clock.now() + ctx.config.ttl.referenceCode * 1000,
  };
  ctx.store.revokeCodes.set(code.code, code);
  noteAddition(ctx);
  const location = new URL('revoke', onboardUrl);
  location.searchParams.set('code', code.code);
  return { location: location.toString() };
}

export interface RevokeRequest {
  code: RevokeCode;
  app: AppContract;
  consent: Consent;
  user: User;
  account: Account;
}

/** What the revoke page is about; throws ConsentPageError when the link cannot be used. */
export function revokeRequest(ctx: CoreContext, rawCode: unknown): RevokeRequest {
  const code = typeof rawCode === 'string' ? ctx.store.revokeCodes.get(rawCode) : undefined;
  if (!code) throw new ConsentPageError('This consent link is not valid.');
  if (code.usedAt !== undefined) throw new ConsentPageError('This consent link has already been used.');
  if (ctx.clock.now() >= code.expiresAt) throw new ConsentPageError('This consent link has expired.');
  const app = ctx.store.apps.get(code.clientId);
  if (!app) throw new ConsentPageError('The app that asked for consent is no longer registered.');
  const consent = ctx.store.consents.get(code.consentId);
  const user = consent && consent.revokedAt === undefined ? libraryUser(ctx, consent.userId) : undefined;
  if (!consent || !user) throw new ConsentPageError('The consent behind this link is gone.');
  const account = libraryAccounts(ctx, user).find((a) => a.id === code.accountId && consent.accountReferences.includes(a.reference));
  if (!account) throw new ConsentPageError('This account is no longer shared with the app.');
  return { code, app, consent, user, account };
}

/** Spends the code; Withdraw (`accept`) records the withdrawal. Returns where the browser goes next. */
export function decideRevoke(ctx: CoreContext, request: RevokeRequest, decision: 'accept' | 'deny'): string {
  const { code, consent, account } = request;
  code.usedAt = ctx.clock.now();
  if (decision === 'deny') return redirect(code.redirectUri, { result: 'failed', error_message: REVOKE_CANCELLED });
  recordDecision(ctx, consent, account, false);
  return redirect(code.redirectUri, { result: 'success' });
}

export interface ReauthorizeRequest {
  consentRequest: ConsentRequest;
  consent: Consent;
  user: User;
  account: Account;
}

/**
 * What the reauthorize page is about: a reference code (as for `user-reauth`), and an account
 * reference naming an account in the library of the consent's user. Throws ConsentPageError.
 */
export function reauthorizeRequest(ctx: CoreContext, rawCode: unknown, accountRef: unknown): ReauthorizeRequest {
  const request = consentRequest(ctx, rawCode, 'user-reauth');
  const consent = request.code.consentId ? ctx.store.consents.get(request.code.consentId) : undefined;
  const user = consent && request.boundUser ? libraryUser(ctx, consent.userId) : undefined;
  if (!consent || !user) throw new ConsentPageError('This consent link is not valid for this page.');
  const accountId = resolveReference(ctx, request.app.clientId, accountRef, 'accountId');
  const account = accountId === undefined ? undefined : libraryAccounts(ctx, user).find((a) => a.id === accountId);
  if (!account) throw new ConsentPageError('The account to re-authorise is not valid.');
  return { consentRequest: request, consent, user, account };
}

/** Spends the code; Approve (`accept`) re-authorises the account for the consent. */
export function decideReauthorize(ctx: CoreContext, request: ReauthorizeRequest, decision: 'accept' | 'deny'): string {
  const { code } = request.consentRequest;
  code.usedAt = ctx.clock.now();
  if (decision === 'deny') {
    return redirect(code.redirectUri, {
      success: 'false',
      errorCode: 'ConsentDenied',
      errorMessage: 'The user did not give consent',
      state: code.state,
    });
  }
  recordDecision(ctx, request.consent, request.account, true);
  // Nothing to exchange: the consent and its tokens stay as they were.
  return redirect(code.redirectUri, { success: 'true', state: code.state });
}
