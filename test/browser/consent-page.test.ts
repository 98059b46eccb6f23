/** The consent page in a real browser (Debian's chromium via playwright-core). */
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt } from 'jose';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SigningKey } from '../../mock-server/core/index.js';
import { startMockServer, type RunningMockServer } from '../../mock-server/server.js';
import { testServerKeyPem } from '../support/keys.js';
import { pkce, signRequest } from '../support/request-jwt.js';

const CHROMIUM = '/usr/bin/chromium';
const REDIRECT = 'http://app.test/callback';

let mock: RunningMockServer;
let browser: Browser;

// CI installs chromium (.ci/run); a developer machine without it skips.
describe.skipIf(!existsSync(CHROMIUM) && !process.env.CI)('consent page in chromium', () => {
  beforeAll(async () => {
    mock = await startMockServer(
      { port: 0, logLevel: 'silent', keyFile: join(mkdtempSync(join(tmpdir(), 'b-')), 'k.pem') },
      { signingKey: await SigningKey.fromPem(testServerKeyPem()) },
    );
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await mock?.close();
  });

  async function openConsent(body: object = {}) {
    const { verifier, challenge } = pkce();
    const res = await fetch(`${mock.baseUrl}oauth/authorize`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await signRequest({ code_challenge: challenge, code_challenge_method: 'S256', redirect_uri: REDIRECT, state: 'b1' })}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const { preauthorization_code } = decodeJwt(((await res.json()) as { token: string }).token) as { preauthorization_code: string };
    const page = await browser.newPage();
    let redirectedTo: URL | undefined;
    // The app's redirect URI is not served here: catch the navigation the way an app's route would.
    await page.route(`${REDIRECT}**`, (route) => {
      redirectedTo = new URL(route.request().url());
      return route.fulfill({ status: 200, contentType: 'text/html', body: '<p>back in the app</p>' });
    });
    await page.goto(`${mock.onboardUrl}authorize?code=${preauthorization_code}&sourceType=pull`);
    return { page, verifier, redirected: () => redirectedTo };
  }

  async function waitForRedirect(page: Page, redirected: () => URL | undefined) {
    await page.waitForURL(`${REDIRECT}**`);
    return redirected()!;
  }

  it('shows the app, its request and the user chooser, and approving returns a code for the chosen user', async () => {
    const { page, verifier, redirected } = await openConsent({
      actions: { pull: { scope: { serviceGroups: [{ id: 5, serviceTypes: [{ id: 19 }] }] } } },
    });
    await expect(page.locator('#app-name').textContent()).resolves.toBe('Demo App (Genrefy)');
    await expect(page.locator('#scope').textContent()).resolves.toContain('Music: Spotify');
    expect(await page.locator('#user').inputValue()).toBe('demo');
    expect(await page.locator('#approve').isVisible()).toBe(true);
    await page.screenshot({ path: join(tmpdir(), 'digime-consent-page.png') });

    await page.selectOption('#user', 'alex');
    await page.click('#approve');
    const url = await waitForRedirect(page, redirected);
    expect(url.searchParams.get('success')).toBe('true');
    expect(url.searchParams.get('state')).toBe('b1');
    expect(url.searchParams.get('accountReference')).toMatch(/alex/);

    const token = await fetch(`${mock.baseUrl}oauth/token`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await signRequest({ code: url.searchParams.get('code'), code_verifier: verifier, grant_type: 'authorization_code' })}` },
    });
    expect(token.status).toBe(201);
    expect((decodeJwt(((await token.json()) as { token: string }).token) as { sub: string }).sub).toBe('alex');
    await page.close();
  });

  it('denying returns ConsentDenied, and the spent link then shows an error page', async () => {
    const { page, redirected } = await openConsent();
    const consentUrl = page.url();
    await page.click('#deny');
    const url = await waitForRedirect(page, redirected);
    expect(Object.fromEntries(url.searchParams)).toMatchObject({ success: 'false', errorCode: 'ConsentDenied', state: 'b1' });
    const again = await page.goto(consentUrl);
    expect(again?.status()).toBe(400);
    await expect(page.locator('#error').textContent()).resolves.toContain('already been used');
    await page.close();
  });
});
