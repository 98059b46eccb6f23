/**
 * The consent page with a `storageRef` (docs/protocol.md §9.4, §9.6) in a real browser (Debian's
 * chromium via playwright-core): the page says the app's storage will be the user's, carries the
 * reference through its form, and approving hands the storage to the user who consents.
 */
import { decodeJwt } from 'jose';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningMockServer } from '../../mock-server/server.js';
import { pkce, signRequest } from '../support/request-jwt.js';
import { backInApp, launchChromium, openCatchingRedirect, startPageMock, withoutChromium } from '../support/browser.js';

const REDIRECT = 'http://app.test/callback';

let mock: RunningMockServer;
let browser: Browser;

const appJwt = async (claims: Record<string, unknown> = {}) => ({ authorization: `Bearer ${await signRequest(claims)}`, 'content-type': 'application/json' });

describe.skipIf(withoutChromium)('consent page with a storage, in chromium', () => {
  beforeAll(async () => {
    mock = await startPageMock();
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await mock?.close();
  });

  it("approving makes the app's provisional storage the chosen user's", async () => {
    const storage = (await (await fetch(`${mock.baseUrl}storage`, { method: 'POST', headers: await appJwt() })).json()) as { id: string };
    const reference = (await (await fetch(`${mock.baseUrl}reference`, {
      method: 'POST',
      headers: await appJwt(),
      body: JSON.stringify({ type: 'cloudId', value: storage.id }),
    })).json()) as { id: string };

    const { verifier, challenge } = pkce();
    const res = await fetch(`${mock.baseUrl}oauth/authorize`, {
      method: 'POST',
      headers: await appJwt({ code_challenge: challenge, code_challenge_method: 'S256', redirect_uri: REDIRECT, state: 's' }),
      body: '{}',
    });
    const { preauthorization_code } = decodeJwt(((await res.json()) as { token: string }).token) as { preauthorization_code: string };

    const { page, redirected } = await openCatchingRedirect(
      browser,
      `${mock.onboardUrl}authorize?code=${preauthorization_code}&sourceType=pull&storageRef=${encodeURIComponent(reference.id)}`,
      REDIRECT,
    );
    await expect(page.locator('#storage').textContent()).resolves.toContain('storage');
    await page.selectOption('#user', 'alex');
    await page.click('#approve');
    const redirectedTo = await backInApp(page, REDIRECT, redirected);
    expect(redirectedTo.searchParams.get('success')).toBe('true');

    const token = await fetch(`${mock.baseUrl}oauth/token`, {
      method: 'POST',
      headers: await appJwt({ code: redirectedTo.searchParams.get('code'), code_verifier: verifier, grant_type: 'authorization_code' }),
    });
    const { access_token } = decodeJwt(((await token.json()) as { token: string }).token) as { access_token: { value: string } };
    const mine = (await (await fetch(`${mock.baseUrl}storage`, { headers: await appJwt({ access_token: access_token.value }) })).json()) as { id: string };
    expect(mine.id).toBe(storage.id);
    await page.close();
  });

  it('an unknown storageRef shows the error page', async () => {
    const { challenge } = pkce();
    const res = await fetch(`${mock.baseUrl}oauth/authorize`, {
      method: 'POST',
      headers: await appJwt({ code_challenge: challenge, redirect_uri: REDIRECT }),
      body: '{}',
    });
    const { preauthorization_code } = decodeJwt(((await res.json()) as { token: string }).token) as { preauthorization_code: string };
    const page = await browser.newPage();
    const response = await page.goto(`${mock.onboardUrl}authorize?code=${preauthorization_code}&storageRef=nope`);
    expect(response!.status()).toBe(400);
    await expect(page.locator('#error').textContent()).resolves.toBe('This storage link is not valid.');
    await page.close();
  });
});
