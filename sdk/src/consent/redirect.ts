import { describeValue, isOptionsObject } from '../arguments.js';
import { ConsentFailedError, InvalidArgumentError } from '../errors.js';
import type { ConsentRedirect } from './types.js';

/**
 * The callback as an app's route has it: the URL digi.me redirected to (a string or `URL`), its
 * query string (with or without `?`), `URLSearchParams`, or the parsed query (e.g. Express's
 * `req.query`).
 */
export type ConsentCallback = URL | URLSearchParams | string | Readonly<Record<string, string | readonly string[] | undefined>>;

/**
 * Reads digi.me's redirect to `redirectUri`: `success=true&state&code&accountReference`, or
 * `success=false&errorCode&errorMessage` (and `state`). Accepts the whole URL, its query string,
 * `URLSearchParams`, or the parsed query.
 */
export function parseConsentRedirect(redirect: ConsentCallback): ConsentRedirect {
  const params = callbackParams(redirect, 'redirect');
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

/** The callback's query parameters; `InvalidArgument` (naming `path`) for anything that is not a callback. */
export function callbackParams(callback: unknown, path = 'callback'): URLSearchParams {
  if (callback instanceof URLSearchParams) return callback;
  if (callback instanceof URL) return callback.searchParams;
  if (typeof callback === 'string') {
    if (URL.canParse(callback)) return new URL(callback).searchParams;
    // Not an absolute URL: a path with its query, or the query alone, with or without its '?'.
    return new URLSearchParams(callback.includes('?') ? callback.slice(callback.indexOf('?') + 1) : callback);
  }
  const params = isOptionsObject(callback) ? queryParams(callback) : undefined;
  if (params) return params;
  throw new InvalidArgumentError([
    {
      path,
      message: `must be the callback URL, its query string, URLSearchParams or the parsed query, got ${describeValue(callback)}`,
    },
  ]);
}

/** A parsed query (`{name: value or values}`) as `URLSearchParams`; undefined when it is not one. */
function queryParams(query: Record<string, unknown>): URLSearchParams | undefined {
  try {
    const entries = Object.entries(query);
    if (!entries.every(([, value]) => isQueryValue(value))) return undefined;
    const params = new URLSearchParams();
    for (const [name, value] of entries) {
      for (const one of typeof value === 'string' ? [value] : ((value as string[] | undefined) ?? [])) params.append(name, one);
    }
    return params;
  } catch {
    // An object that cannot be read (a proxy, a getter that throws) is not a query.
    return undefined;
  }
}

function isQueryValue(value: unknown): boolean {
  return value === undefined || typeof value === 'string' || (Array.isArray(value) && value.every((v) => typeof v === 'string'));
}
