/**
 * Reading digi.me's redirect to the app's `redirectUri` (the callback), shared by every way consent
 * ends: a consent handler inside `authorizeOngoingAccess`, `exchangeCodeForToken` in a web app's
 * callback route, `completeOnboardService` after onboarding.
 */
import { ConsentDeniedError, ConsentFailedError } from '../errors.js';
import { isRecord } from '../http.js';
import { callbackParams, parseConsentRedirect } from './redirect.js';
import type { ConsentApproved, ConsentRedirect } from './types.js';

/** Redirect error codes that mean the person said no (the rest are failures). */
const REFUSAL_CODES = new Set(['ConsentDenied', 'USER_CANCEL', 'UserCancelled', 'access_denied']);

/** What a consent handler resolved with, as a `ConsentRedirect`. */
export function handlerRedirect(raw: unknown): ConsentRedirect {
  if (typeof raw === 'string' || raw instanceof URL) return parseConsentRedirect(raw);
  if (isRecord(raw) && raw.success === true && typeof raw.code === 'string') return raw as unknown as ConsentRedirect;
  if (isRecord(raw) && raw.success === false && typeof raw.errorCode === 'string') return raw as unknown as ConsentRedirect;
  throw new ConsentFailedError('InvalidHandlerResult', 'The consent handler returned neither a redirect URL nor its parameters');
}

/**
 * The approval in `redirect`, for the consent that sent `state`. A refusal is `ConsentDenied`, any
 * other unsuccessful redirect `ConsentFailed` with digi.me's code, a redirect carrying another
 * state `ConsentFailed` (`StateMismatch`).
 */
export function approvedRedirect(redirect: ConsentRedirect, state: string): ConsentApproved {
  if (!redirect.success) throw refusalError(redirect.errorCode, redirect.errorMessage);
  if (redirect.state !== state) {
    throw new ConsentFailedError('StateMismatch', 'The consent redirect does not carry the state this client sent');
  }
  return redirect;
}

/**
 * The end of onboarding another service (`O+onboard`): digi.me redirects with
 * `success=true&state&accountReference` and no code, since the consent's tokens stay as they are.
 */
export function onboardedAccount(callback: unknown, state: string): { accountReference: string | undefined } {
  const params = callbackParams(callback);
  const success = params.get('success');
  const errorCode = params.get('errorCode') ?? params.get('error') ?? undefined;
  if (success === 'false' || (success === null && errorCode !== undefined)) {
    throw refusalError(errorCode ?? 'UnknownError', params.get('errorMessage') ?? params.get('error_description') ?? undefined);
  }
  if (success !== 'true') {
    throw new ConsentFailedError('InvalidRedirect', `The onboarding redirect has success=${String(success)}`);
  }
  if (params.get('state') !== state) {
    throw new ConsentFailedError('StateMismatch', 'The onboarding redirect does not carry the state this client sent');
  }
  return { accountReference: params.get('accountReference') ?? undefined };
}

function refusalError(errorCode: string, errorMessage: string | undefined): ConsentDeniedError | ConsentFailedError {
  if (REFUSAL_CODES.has(errorCode)) return new ConsentDeniedError(errorCode, errorMessage);
  return new ConsentFailedError(errorCode, `Consent failed: ${errorCode}${errorMessage ? ` (${errorMessage})` : ''}`);
}
