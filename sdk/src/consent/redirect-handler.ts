import { checkOptions, functionField, timerMs } from '../arguments.js';
import { AbortedError, ConsentFailedError, DigimeError } from '../errors.js';
import { callbackParams, parseConsentRedirect } from './redirect.js';
import type { ConsentCallback } from './redirect.js';
import { checkConsentRequest } from './request.js';
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
  complete: (redirect: ConsentCallback) => boolean;
  /** How many consents are waiting for their redirect. */
  readonly pending: number;
}

/**
 * For a web app that keeps one process between the consent URL and the callback: the pending
 * `authorizeOngoingAccess` call waits until the app's redirect route hands the callback to
 * `complete()`, matched by `state`. It only carries the callback across: the client reads it and
 * exchanges the code exactly as `exchangeCodeForToken` does. When the callback may reach another
 * instance, or the app may restart in between, use `getAuthorizeUrl` and `exchangeCodeForToken`.
 *
 *   const consent = createRedirectConsentHandler({ open: ({ url }) => { pendingUrls.push(url); } });
 *   const client = createDigimeClient({ ..., consentHandler: consent.handler });
 *   app.get('/callback', (req, res) => { consent.complete(new URL(req.url, base)); res.send('Thanks'); });
 */
export function createRedirectConsentHandler(options: RedirectConsentHandlerOptions): RedirectConsentHandler {
  const { open, timeoutMs = 10 * 60 * 1000 } = checkOptions<RedirectConsentHandlerOptions>('createRedirectConsentHandler', options, {
    open: functionField('a function (request) => void'),
    timeoutMs: timerMs.optional(),
  });
  const waiting = new Map<string, (callback: URLSearchParams) => void>();

  const handler: ConsentHandler = async (raw) => {
    const request = checkConsentRequest(raw);
    if (request.signal?.aborted) throw new AbortedError({ cause: request.signal.reason });
    return new Promise<ConsentRedirect>((resolve, reject) => {
      const finish = () => {
        clearTimeout(timer);
        waiting.delete(request.state);
        request.signal?.removeEventListener('abort', onAbort);
      };
      const onAbort = () => {
        finish();
        reject(new AbortedError({ cause: request.signal?.reason }));
      };
      const timer = setTimeout(() => {
        finish();
        reject(new ConsentFailedError('Timeout', `No consent redirect within ${timeoutMs} ms`));
      }, timeoutMs);
      waiting.set(request.state, (callback) => {
        finish();
        try {
          resolve(parseConsentRedirect(callback));
        } catch (error) {
          reject(error);
        }
      });
      request.signal?.addEventListener('abort', onAbort, { once: true });
      Promise.resolve()
        .then(() => open(request))
        .catch((error: unknown) => {
          finish();
          reject(
            error instanceof DigimeError
              ? error
              : new ConsentFailedError('HandlerFailed', 'The redirect handler\'s open() failed', { cause: error }),
          );
        });
    });
  };

  return {
    handler,
    complete(redirect) {
      const params = callbackParams(redirect, 'redirect');
      const state = params.get('state');
      const waiter = state === null ? undefined : waiting.get(state);
      if (!waiter) return false;
      waiter(params);
      return true;
    },
    get pending() {
      return waiting.size;
    },
  };
}
