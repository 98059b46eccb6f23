/**
 * What the browser tests share: Debian's chromium driven by playwright-core, a mock server on an
 * ephemeral port with the test signing key, and pages whose navigation to the app's redirect URI
 * is caught the way the app's route would take it.
 */
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { SigningKey } from '../../mock-server/core/index.js';
import { startMockServer, type RunningMockServer } from '../../mock-server/server.js';
import { testServerKeyPem } from './keys.js';

export const CHROMIUM = '/usr/bin/chromium';

/** CI installs chromium (.ci/run); a developer machine without it skips the browser tests. */
export const withoutChromium = !existsSync(CHROMIUM) && !process.env.CI;

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

/** A mock server for page tests: ephemeral port, silent, the test signing key. */
export async function startPageMock(): Promise<RunningMockServer> {
  return startMockServer(
    { port: 0, logLevel: 'silent', keyFile: join(mkdtempSync(join(tmpdir(), 'b-')), 'k.pem') },
    { signingKey: await SigningKey.fromPem(testServerKeyPem()) },
  );
}

/** Opens `url` in a new page that stops at the app's redirect URI and remembers where it went. */
export async function openCatchingRedirect(browser: Browser, url: string, redirectUri: string) {
  const page = await browser.newPage();
  let redirectedTo: URL | undefined;
  await page.route(`${redirectUri}**`, (route) => {
    redirectedTo = new URL(route.request().url());
    return route.fulfill({ status: 200, contentType: 'text/html', body: '<p>back in the app</p>' });
  });
  const response = await page.goto(url);
  return { page, response, redirected: () => redirectedTo };
}

/** Waits until the page is back at the app, and says where it was sent. */
export async function backInApp(page: Page, redirectUri: string, redirected: () => URL | undefined): Promise<URL> {
  await page.waitForURL(`${redirectUri}**`);
  return redirected()!;
}
