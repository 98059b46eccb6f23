/**
 * The revoke and reauthorize pages in a real browser (Debian's chromium via playwright-core):
 * opened from the links the API hands out, decided with their buttons, and back in the app.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt } from 'jose';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningMockServer } from '../../mock-server/server.js';
import { pkce, signRequest } from '../support/request-jwt.js';
import { backInApp as backInAppAt, launchChromium, openCatchingRedirect, startPageMock, withoutChromium } from '../support/browser.js';

const REDIRECT = 'http://app.test/callback';

let mock: RunningMockServer;
let browser: Browser;

const api = async (path: string, init: { method?: string; claims?: Record<string, unknown>; headers?: Record<string, string>; body?: object } = {}) => {
  const res = await fetch(`${mock.baseUrl}${path}`, {
    method: init.method ?? 'GET',
    headers: { authorization: `Bearer ${await signRequest(init.claims ?? {})}`, 'content-type': 'application/json', ...init.headers },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  return { status: res.status, body: (await res.json().catch(() => undefined)) as Record<string, any> };
};

/** An access token of a consent the demo user gave (decided at once: the consent page has its own test). */
async function accessToken(): Promise<string> {
  const { verifier, challenge } = pkce();
  const authorize = await api('oauth/authorize', { method: 'POST', claims: { code_challenge: challenge, redirect_uri: REDIRECT, state: 'b' }, body: {} });
  const { preauthorization_code } = decodeJwt(authorize.body.token) as { preauthorization_code: string };
  const consent = await fetch(`${mock.onboardUrl}authorize?code=${preauthorization_code}&autoConsent=accept`, { redirect: 'manual' });
  const code = new URL(consent.headers.get('location')!).searchParams.get('code');
  const token = await api('oauth/token', { method: 'POST', claims: { code, code_verifier: verifier, grant_type: 'authorization_code' } });
  return (decodeJwt(token.body.token) as { access_token: { value: string } }).access_token.value;
}

const authorized = async (access: string, id: string) =>
  ((await api('permission-access/accounts', { claims: { access_token: access } })).body as unknown as { id: string; accessTokenStatus: { authorized: boolean } }[]).find(
    (a) => a.id === id,
  )!.accessTokenStatus.authorized;

/** A page whose navigation to the app's redirect URI is caught, as the app's route would take it. */
const open = (url: string) => openCatchingRedirect(browser, url, REDIRECT);
const backInApp = (page: Page, redirected: () => URL | undefined) => backInAppAt(page, REDIRECT, redirected);

describe.skipIf(withoutChromium)('account pages in chromium', () => {
  beforeAll(async () => {
    mock = await startPageMock();
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await mock?.close();
  });

  async function revokeLocation(access: string, accountId: string) {
    const res = await api('permission-access/revoke/h:accountId', {
      claims: { access_token: access },
      headers: { accept: 'application/json', accountId, redirectUri: REDIRECT },
    });
    expect(res.status).toBe(200);
    return res.body.location as string;
  }

  async function reauthorizeUrl(access: string, accountId: string) {
    const reference = await api('oauth/token/reference', { method: 'POST', claims: { access_token: access, redirect_uri: REDIRECT }, body: {} });
    const { reference_code } = decodeJwt(reference.body.token) as { reference_code: string };
    const ref = await api('reference', { method: 'POST', body: { type: 'accountId', value: accountId } });
    return `${mock.onboardUrl}reauthorize?code=${reference_code}&accountRef=${ref.body.id}`;
  }

  it('revoke: shows the account and the app; Withdraw returns result=success and the account is no longer authorised', async () => {
    const access = await accessToken();
    const { page, redirected } = await open(await revokeLocation(access, '3_138_demo-bank'));
    await expect(page.locator('#app-name').textContent()).resolves.toBe('Demo App (Genrefy)');
    await expect(page.locator('#account').textContent()).resolves.toBe('Demo Bank (demo.saver)');
    await expect(page.locator('#user').textContent()).resolves.toBe('Demo User');
    expect(await page.locator('#cancel').isVisible()).toBe(true);
    await page.screenshot({ path: join(tmpdir(), 'digime-revoke-page.png') });

    await page.click('#withdraw');
    const url = await backInApp(page, redirected);
    expect(url.origin + url.pathname).toBe(REDIRECT);
    expect(Object.fromEntries(url.searchParams)).toEqual({ result: 'success' });
    expect(await authorized(access, '3_138_demo-bank')).toBe(false);
    await page.close();
  });

  it('revoke: Cancel returns result=failed with an error code, and the spent link then shows an error page', async () => {
    const access = await accessToken();
    const location = await revokeLocation(access, '5_19_demo-spotify');
    const { page, redirected } = await open(location);
    await page.click('#cancel');
    const url = await backInApp(page, redirected);
    expect(Object.fromEntries(url.searchParams)).toEqual({ result: 'failed', error_message: 'RevokeCancelled' });
    expect(await authorized(access, '5_19_demo-spotify')).toBe(true);
    const again = await page.goto(location);
    expect(again?.status()).toBe(400);
    await expect(page.locator('#error').textContent()).resolves.toContain('already been used');
    await page.close();
  });

  it('reauthorize: shows the account; Approve returns success=true and authorises it again', async () => {
    const access = await accessToken();
    await fetch(`${await revokeLocation(access, '1_4_demo-instagram')}&autoConsent=accept`, { redirect: 'manual' });
    expect(await authorized(access, '1_4_demo-instagram')).toBe(false);

    const { page, response, redirected } = await open(`${await reauthorizeUrl(access, '1_4_demo-instagram')}&lng=en`);
    expect(response?.status()).toBe(200);
    await expect(page.locator('#app-name').textContent()).resolves.toBe('Demo App (Genrefy)');
    await expect(page.locator('#account').textContent()).resolves.toBe('Instagram (demo.pictures)');
    await page.screenshot({ path: join(tmpdir(), 'digime-reauthorize-page.png') });
    await page.click('#approve');
    const url = await backInApp(page, redirected);
    expect(Object.fromEntries(url.searchParams)).toEqual({ success: 'true' });
    expect(await authorized(access, '1_4_demo-instagram')).toBe(true);
    await page.close();
  });

  it('reauthorize: Deny returns success=false with an error code; a bad accountRef shows the error page', async () => {
    const access = await accessToken();
    const { page, redirected } = await open(await reauthorizeUrl(access, '5_19_demo-spotify'));
    await page.click('#deny');
    const url = await backInApp(page, redirected);
    expect(Object.fromEntries(url.searchParams)).toMatchObject({ success: 'false', errorCode: 'ConsentDenied' });

    const bad = (await reauthorizeUrl(access, '5_19_demo-spotify')).replace(/accountRef=[^&]+/, 'accountRef=nope');
    const shown = await page.goto(bad);
    expect(shown?.status()).toBe(400);
    await expect(page.locator('#error').textContent()).resolves.toContain('not valid');
    await page.close();
  });
});
