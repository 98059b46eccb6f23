import type { BrowserContext, LaunchOptions, Page } from 'playwright-core';
import { z } from 'zod';
import { checkOptions, functionField, nonEmptyString, timerMs } from '../arguments.js';
import { AbortedError, ConsentFailedError, InvalidArgumentError } from '../errors.js';
import { sameEndpoint } from './auto.js';
import { parseConsentRedirect } from './redirect.js';
import { checkConsentRequest } from './request.js';
import type { ConsentRedirect, ConsentRequest, ParsedConsentHandler } from './types.js';

/** Debian's chromium. */
export const DEFAULT_CHROMIUM_PATH = '/usr/bin/chromium';

/** Flags for a quiet headless chromium in a container or CI. */
export const DEFAULT_CHROMIUM_ARGS: readonly string[] = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** What the person would do on the consent page. The default clicks the Approve button. */
export type ConsentPageAction = (page: Page, request: ConsentRequest) => Promise<void>;

export interface BrowserConsentOptions {
  /** Default `/usr/bin/chromium`. */
  executablePath?: string;
  /** Default `DEFAULT_CHROMIUM_ARGS`. */
  args?: readonly string[];
  /** Default true. */
  headless?: boolean;
  /** Acts on the consent page; default: click the button (or link) named Approve. */
  act?: ConsentPageAction;
  /** How long to wait for the redirect to `redirectUri`, in ms. Default 60000. */
  timeoutMs?: number;
  /** Passed on to playwright's `chromium.launch()`. */
  launchOptions?: LaunchOptions;
}

/** Clicks the consent page's Approve button (also accepts "Allow" or "Accept"). */
export const clickApprove: ConsentPageAction = async (page) => {
  if (!isPage(page)) throw new InvalidArgumentError([{ path: 'page', message: 'must be a playwright Page' }]);
  const name = /approve|allow|accept/i;
  await page.getByRole('button', { name }).or(page.getByRole('link', { name })).first().click();
};

function isPage(value: unknown): value is Page {
  try {
    return typeof (value as Partial<Page> | null)?.getByRole === 'function';
  } catch {
    return false;
  }
}

/**
 * Drives a real browser through the consent page: opens the consent URL in chromium, lets `act`
 * (default: click Approve) do what a person would, and captures the navigation to `redirectUri`,
 * which is answered in the browser and never reaches the network. playwright-core is imported
 * only when this handler runs, so the SDK does not depend on it otherwise.
 */
export function createBrowserConsentHandler(options?: BrowserConsentOptions): ParsedConsentHandler {
  const settings = checkOptions<BrowserConsentOptions>('createBrowserConsentHandler', options, {
    executablePath: nonEmptyString.optional(),
    args: z.array(z.string()).optional(),
    headless: z.boolean().optional(),
    act: functionField('a function (page, request) => Promise<void>').optional(),
    timeoutMs: timerMs.optional(),
    launchOptions: z.record(z.string(), z.unknown()).optional(),
  }, { optional: true });
  return async (raw): Promise<ConsentRedirect> => {
    const request = checkConsentRequest(raw);
    let chromium: typeof import('playwright-core').chromium;
    try {
      ({ chromium } = await import('playwright-core'));
    } catch (error) {
      throw new ConsentFailedError('BrowserUnavailable', 'The browser consent handler needs playwright-core', {
        cause: error,
      });
    }
    const timeoutMs = settings.timeoutMs ?? 60_000;
    let browser: Awaited<ReturnType<typeof chromium.launch>>;
    try {
      browser = await chromium.launch({
        executablePath: settings.executablePath ?? DEFAULT_CHROMIUM_PATH,
        args: [...(settings.args ?? DEFAULT_CHROMIUM_ARGS)],
        headless: settings.headless ?? true,
        timeout: timeoutMs,
        ...settings.launchOptions,
      });
    } catch (error) {
      throw new ConsentFailedError('BrowserUnavailable', `Could not start chromium: ${(error as Error).message}`, {
        cause: error,
      });
    }
    try {
      const context = await browser.newContext({ serviceWorkers: 'block' });
      const redirect = captureRedirect(context, request.redirectUri);
      const page = await context.newPage();
      page.setDefaultTimeout(timeoutMs);
      const act = settings.act ?? clickApprove;
      const driving = (async () => {
        await page.goto(request.url);
        if (!redirect.captured()) await act(page, request);
      })();
      // The page may redirect before or while `act` runs; a navigation that fails because
      // redirectUri is not served is expected, so the captured URL wins over such errors.
      const limit = deadline(timeoutMs, request.signal);
      let url: string;
      try {
        url = await Promise.race([redirect.url, driving.then(() => redirect.url), limit.promise]).catch(
          (error: unknown) => {
            const captured = redirect.captured();
            if (captured) return captured;
            throw error;
          },
        );
      } finally {
        limit.cancel();
        driving.catch(() => undefined);
      }
      return parseConsentRedirect(url);
    } catch (error) {
      if (request.signal?.aborted) throw new AbortedError({ cause: error });
      if (error instanceof ConsentFailedError) throw error;
      throw new ConsentFailedError('BrowserFailed', `The consent page did not complete: ${(error as Error).message}`, {
        cause: error,
      });
    } finally {
      await browser.close().catch(() => undefined);
    }
  };
}

function captureRedirect(context: BrowserContext, redirectUri: string) {
  let found: string | undefined;
  let resolve!: (url: string) => void;
  const url = new Promise<string>((r) => (resolve = r));
  const matches = (href: string) => URL.canParse(href) && sameEndpoint(new URL(href), redirectUri);
  const seen = (href: string) => {
    if (found === undefined && matches(href)) {
      found = href;
      resolve(href);
    }
  };
  // Requests that follow a redirect are not routed (playwright routes only the first URL of a
  // redirect chain), but every request is reported, so the capture listens to requests.
  context.on('request', (req) => seen(req.url()));
  void context.route(
    (u) => matches(u.href),
    async (route) => {
      seen(route.request().url());
      await route.fulfill({ status: 200, contentType: 'text/html', body: '<p>Consent complete.</p>' });
    },
  );
  return { url, captured: () => found };
}

function deadline(ms: number, signal: AbortSignal | undefined): { promise: Promise<never>; cancel: () => void } {
  let cancel = () => {};
  const promise = new Promise<never>((_, reject) => {
    const onAbort = () => reject(signal?.reason);
    const timer = setTimeout(
      () => reject(new ConsentFailedError('Timeout', `No redirect to redirectUri within ${ms} ms`)),
      ms,
    );
    signal?.addEventListener('abort', onAbort, { once: true });
    cancel = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    };
  });
  return { promise, cancel };
}
