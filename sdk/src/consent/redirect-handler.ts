import { ConsentFailedError } from '../errors.js';
import { parseConsentRedirect } from './redirect.js';
import type { ConsentHandler, ConsentRedirect, ConsentRequest } from './types.js';

export interface RedirectConsentHandlerOptions {
  /**
   * Send the person to `request.url`: e.g. answer their browser with a redirect, or show a link.
   * Resolves once that is done; the handler then waits for `complete()`.
   */
  open: (request: ConsentRequest) => void | Promise<void>;
  /** Give up waiting for the redirect after this long (ms). Default 10 minutes, the code's lifetime. */
  timeoutMs?: number;
}

export interface RedirectConsentHandler {
  /** Pass as the client's `consentHandler`. */
  handler: ConsentHandler;
  /**
   * Call from the route that serves `redirectUri`, with the URL (or query) it was called with.
   * Resolves the pending consent whose `state` matches; returns false when none does.
   */
  complete: (redirect: URL | URLSearchParams | string) => boolean;
  /** How many consents are waiting for their redirect. */
  readonly pending: number;
}

/**
 * For a web app, where digi.me's redirect arrives as a separate HTTP request: the pending
 * `authorizeOngoingAccess` call waits until the app's redirect route hands the URL to
 * `complete()`, matched by `state`.
 *
 *   const consent = createRedirectConsentHandler({ open: ({ url }) => { pendingUrls.push(url); } });
 *   const client = createDigimeClient({ ..., consentHandler: consent.handler });
 *   app.get('/callback', (req, res) => { consent.complete(new URL(req.url, base)); res.send('Thanks'); });
 */
export function createRedirectConsentHandler(options: RedirectConsentHandlerOptions): RedirectConsentHandler {
  const waiting = new Map<string, { resolve: (redirect: ConsentRedirect) => void; reject: (error: unknown) => void }>();
  const timeoutMs = options.timeoutMs ?? 10 * 60 * 1000;

  const handler: ConsentHandler = (request) =>
    new Promise<ConsentRedirect>((resolve, reject) => {
      const finish = () => {
        clearTimeout(timer);
        waiting.delete(request.state);
        request.signal?.removeEventListener('abort', onAbort);
      };
      const onAbort = () => {
        finish();
        reject(request.signal?.reason);
      };
      const timer = setTimeout(() => {
        finish();
        reject(new ConsentFailedError('Timeout', `No consent redirect within ${timeoutMs} ms`));
      }, timeoutMs);
      waiting.set(request.state, {
        resolve: (redirect) => {
          finish();
          resolve(redirect);
        },
        reject: (error) => {
          finish();
          reject(error);
        },
      });
      request.signal?.addEventListener('abort', onAbort, { once: true });
      Promise.resolve()
        .then(() => options.open(request))
        .catch((error: unknown) => {
          finish();
          reject(error);
        });
    });

  return {
    handler,
    complete(redirect) {
      const params = searchParamsOf(redirect);
      const state = params.get('state');
      const waiter = state === null ? undefined : waiting.get(state);
      if (!waiter) return false;
      try {
        waiter.resolve(parseConsentRedirect(params));
      } catch (error) {
        waiter.reject(error);
      }
      return true;
    },
    get pending() {
      return waiting.size;
    },
  };
}

function searchParamsOf(redirect: URL | URLSearchParams | string): URLSearchParams {
  if (redirect instanceof URLSearchParams) return redirect;
  if (redirect instanceof URL) return redirect.searchParams;
  if (URL.canParse(redirect)) return new URL(redirect).searchParams;
  return new URLSearchParams(redirect.includes('?') ? redirect.slice(redirect.indexOf('?') + 1) : redirect);
}
