import { z } from 'zod';
import { checkOptions, functionField } from '../arguments.js';
import { ConsentFailedError } from '../errors.js';
import { isResponseLike } from '../http.js';
import { parseConsentRedirect } from './redirect.js';
import { checkConsentRequest } from './request.js';
import type { ConsentRedirect, ParsedConsentHandler } from './types.js';

export interface AutoConsentOptions {
  /** What the mock should decide. Default `accept`. */
  decision?: 'accept' | 'deny';
  /** `fetch` to use; the client's by default. */
  fetch?: typeof fetch;
}

/**
 * Completes consent without a person, for tests and CI against the mock: GETs the consent URL
 * with the mock's `autoConsent=accept|deny` query parameter, does not follow the redirect, and
 * reads the `Location` it points to. Does not work against the real digi.me (which has no such
 * parameter): there the page answers 200 and this fails with `ConsentFailed`.
 */
export function createAutoConsentHandler(options?: AutoConsentOptions): ParsedConsentHandler {
  const checked = checkOptions<AutoConsentOptions>('createAutoConsentHandler', options, {
    decision: z.enum(['accept', 'deny']).optional(),
    fetch: functionField('a fetch function').optional(),
  }, { optional: true });
  const decision = checked.decision ?? 'accept';
  return async (raw): Promise<ConsentRedirect> => {
    const request = checkConsentRequest(raw);
    const url = new URL(request.url);
    url.searchParams.set('autoConsent', decision);
    const fetchImpl = checked.fetch ?? request.fetch;
    let response: Response;
    try {
      response = await fetchImpl(url.href, {
        method: 'GET',
        redirect: 'manual',
        headers: { accept: 'text/html' },
        ...(request.signal ? { signal: request.signal } : {}),
      });
    } catch (error) {
      throw new ConsentFailedError('Unreachable', `Could not reach the consent page ${url.href}`, { cause: error });
    }
    if (!isResponseLike(response)) {
      throw new ConsentFailedError('Unreachable', `fetch returned something that is not a Response for ${url.href}`);
    }
    const location = response.headers.get('location');
    try {
      await response.body?.cancel();
    } catch {
      // Nothing to free.
    }
    if (response.status < 300 || response.status >= 400 || !location) {
      throw new ConsentFailedError(
        'NoRedirect',
        `The consent page answered ${response.status} without a redirect (unknown or expired preauthorization code?)`,
      );
    }
    if (!URL.canParse(location, url)) {
      throw new ConsentFailedError('UnexpectedRedirect', `The consent page redirected to ${location}, which is not a URL`);
    }
    const target = new URL(location, url);
    if (!sameEndpoint(target, request.redirectUri)) {
      throw new ConsentFailedError('UnexpectedRedirect', `The consent page redirected to ${target.href}, not to ${request.redirectUri}`);
    }
    return parseConsentRedirect(target);
  };
}

/** Whether `target` is `redirectUri` (ignoring the query digi.me adds). */
export function sameEndpoint(target: URL, redirectUri: string): boolean {
  const expected = new URL(redirectUri);
  return target.origin === expected.origin && target.pathname === expected.pathname;
}
