/** The consent page in a real browser (Debian's chromium via playwright-core). */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt } from 'jose';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningMockServer } from '../../mock-server/server.js';
import { pkce, signRequest } from '../support/request-jwt.js';
import { backInApp, launchChromium, openCatchingRedirect, startPageMock, withoutChromium } from '../support/browser.js';

const REDIRECT = 'http://app.test/callback';

let mock: RunningMockServer;
let browser: Browser;

describe.skipIf(withoutChromium)('consent page in chromium', () => {
  beforeAll(async () => {
    mock = await startPageMock();
    browser = await launchChromium();
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
    // The app's redirect URI is not served here: the navigation is caught the way an app's route would take it.
    const { page, redirected } = await openCatchingRedirect(browser, `${mock.onboardUrl}authorize?code=${preauthorization_code}&sourceType=pull`, REDIRECT);
    return { page, verifier, redirected };
  }

  const waitForRedirect = (page: Page, redirected: () => URL | undefined) => backInApp(page, REDIRECT, redirected);

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
