import { ConsentFailedError } from '../errors.js';
import type { ConsentRedirect } from './types.js';

/**
 * Reads digi.me's redirect to `redirectUri`: `success=true&state&code&accountReference`, or
 * `success=false&errorCode&errorMessage` (and `state`). Accepts the whole URL, its query string,
 * or parsed `URLSearchParams`.
 */
export function parseConsentRedirect(redirect: URL | URLSearchParams | string): ConsentRedirect {
  const params = toSearchParams(redirect);
  const state = params.get('state') ?? undefined;
  const success = params.get('success');
  const errorCode = params.get('errorCode') ?? params.get('error') ?? undefined;

  if (success === 'false' || (success === null && errorCode !== undefined)) {
    const errorMessage = params.get('errorMessage') ?? params.get('error_description') ?? undefined;
    return {
      success: false,
      state,
      errorCode: errorCode ?? 'UnknownError',
      ...(errorMessage !== undefined ? { errorMessage } : {}),
    };
  }

  const code = params.get('code');
  if (success !== null && success !== 'true') {
    throw new ConsentFailedError('InvalidRedirect', `The consent redirect has success=${success}`);
  }
  if (!code) {
    throw new ConsentFailedError('InvalidRedirect', 'The consent redirect carries no authorization code');
  }
  const accountReference = params.get('accountReference') ?? undefined;
  return {
    success: true,
    state,
    code,
    ...(accountReference !== undefined ? { accountReference } : {}),
  };
}

function toSearchParams(redirect: URL | URLSearchParams | string): URLSearchParams {
  if (redirect instanceof URLSearchParams) return redirect;
  if (redirect instanceof URL) return redirect.searchParams;
  try {
    return new URL(redirect).searchParams;
  } catch {
    // Not an absolute URL: a query string, with or without its '?'.
    const query = redirect.includes('?') ? redirect.slice(redirect.indexOf('?') + 1) : redirect;
    return new URLSearchParams(query);
  }
}
