/**
 * The consent pages with the URL parameters the official SDKs send (docs/protocol.md §9.4), in a
 * real browser (Debian's chromium via playwright-core): sample-data onboarding, the source picker,
 * `triggerQuery=false`, and `sourcesScope` and `lng`, which must not get in the way.
 */
import { decodeJwt } from 'jose';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningMockServer } from '../../mock-server/server.js';
import { pkce, signRequest } from '../support/request-jwt.js';
import { backInApp as backInAppAt, launchChromium, openCatchingRedirect, startPageMock, withoutChromium } from '../support/browser.js';

const REDIRECT = 'http://app.test/callback';
const SOURCES_SCOPE = encodeURIComponent(JSON.stringify({ dataType: ['vaccinations'], organizationType: 'hospital' }));

let mock: RunningMockServer;
let browser: Browser;

const api = async (path: string, init: { method?: string; claims?: Record<string, unknown>; body?: object } = {}) => {
  const res = await fetch(`${mock.baseUrl}${path}`, {
    method: init.method ?? 'GET',
    headers: { authorization: `Bearer ${await signRequest(init.claims ?? {})}`, 'content-type': 'application/json' },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  return { status: res.status, body: (await res.json().catch(() => undefined)) as any };
};

async function preauthorization() {
  const { verifier, challenge } = pkce();
  const res = await api('oauth/authorize', { method: 'POST', claims: { code_challenge: challenge, code_challenge_method: 'S256', redirect_uri: REDIRECT, state: 'bp' }, body: {} });
  return { code: (decodeJwt(res.body.token) as { preauthorization_code: string }).preauthorization_code, verifier, session: res.body.session.key as string };
}

async function exchange(code: string | null, verifier: string): Promise<string> {
  const res = await api('oauth/token', { method: 'POST', claims: { code, code_verifier: verifier, grant_type: 'authorization_code' } });
  expect(res.status).toBe(201);
  return (decodeJwt(res.body.token) as { access_token: { value: string } }).access_token.value;
}

async function referenceCode(access: string) {
  const res = await api('oauth/token/reference', { method: 'POST', claims: { access_token: access, redirect_uri: REDIRECT, state: 'bo' }, body: {} });
  return (decodeJwt(res.body.token) as { reference_code: string }).reference_code;
}

const accounts = async (access: string) => (await api('permission-access/accounts', { claims: { access_token: access } })).body as { id: string; reference: string; sample?: boolean; sourceId: number }[];

/** A session's file names once its sync is over (the mock clock moves; nothing waits). */
async function settledFiles(access: string, session: string) {
  mock.authority.clock.advance(600);
  const res = await api(`permission-access/query/${session}`, { claims: { access_token: access } });
  mock.authority.clock.reset();
  return { state: res.body.status.state as string, names: ((res.body.fileList ?? []) as { name: string }[]).map((f) => f.name) };
}

/** A page whose navigation to the app's redirect URI is caught, as the app's route would take it. */
const open = (url: string) => openCatchingRedirect(browser, url, REDIRECT);
const backInApp = (page: Page, redirected: () => URL | undefined) => backInAppAt(page, REDIRECT, redirected);

describe.skipIf(withoutChromium)('consent-page parameters in chromium', () => {
  beforeAll(async () => {
    mock = await startPageMock();
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await mock?.close();
  });

  it("onboards sample data: the page names the data set, and approving gives that data set's files", async () => {
    const pre = await preauthorization();
    const { page, response, redirected } = await open(
      `${mock.onboardUrl}authorize?code=${pre.code}&sourceType=pull&service=19&sampleDataSet=alex&lng=nl&includeSampleDataOnlySources=true&sourcesScope=${encodeURIComponent(SOURCES_SCOPE)}`,
    );
    expect(response?.status()).toBe(200);
    await expect(page.locator('#sample-data').textContent()).resolves.toBe("Sample data: Alex Example's Spotify data, as a sample account.");
    expect(await page.locator('#service').count()).toBe(0);
    await page.click('#approve');
    const url = await backInApp(page, redirected);
    expect(url.searchParams.get('success')).toBe('true');
    expect(url.searchParams.get('state')).toBe('bp');

    const access = await exchange(url.searchParams.get('code'), pre.verifier);
    const listed = await accounts(access);
    expect(listed.map((a) => [a.sourceId, a.sample, a.reference])).toEqual([[19, true, url.searchParams.get('accountReference')]]);
    const files = await settledFiles(access, pre.session);
    expect(files).toEqual({
      state: 'completed',
      names: ['18_5_19_2_406_D202509_1.json', '18_5_19_2_406_D202510_1.json', '18_5_19_2_406_D202511_1.json'],
    });
    await page.close();
  });

  it('sampleDataAutoOnboard=true goes straight back to the app, without showing the page', async () => {
    const pre = await preauthorization();
    const page = await browser.newPage();
    // The browser follows the mock's redirect to the app's address, which nothing serves here.
    const toApp = page.waitForRequest((r) => r.url().startsWith(REDIRECT));
    const seen: string[] = [];
    page.on('response', (r) => seen.push(`${r.status()} ${new URL(r.url()).pathname}`));
    await page.goto(`${mock.onboardUrl}authorize?code=${pre.code}&sourceType=pull&service=4&sampleDataSet=demo&sampleDataAutoOnboard=true`).catch(() => undefined);
    const url = new URL((await toApp).url());
    expect(seen).toEqual(['302 /apps/saas/authorize']);
    expect(url.searchParams.get('success')).toBe('true');
    const access = await exchange(url.searchParams.get('code'), pre.verifier);
    expect((await accounts(access)).map((a) => [a.sourceId, a.sample])).toEqual([[4, true]]);
    await page.close();
  });

  it('an unknown sample data set shows the error page', async () => {
    const pre = await preauthorization();
    const { page, response } = await open(`${mock.onboardUrl}authorize?code=${pre.code}&service=19&sampleDataSet=nobody`);
    expect(response?.status()).toBe(400);
    await expect(page.locator('#error').textContent()).resolves.toContain('no sample data set "nobody"');
    await page.close();
  });

  it('the onboard page offers the catalogue sources of the source type, and adds the one chosen', async () => {
    const pre = await preauthorization();
    const consent = await fetch(`${mock.onboardUrl}authorize?code=${pre.code}&autoConsent=accept`, { redirect: 'manual' });
    const access = await exchange(new URL(consent.headers.get('location')!).searchParams.get('code'), pre.verifier);

    const push = await open(`${mock.onboardUrl}onboard?code=${await referenceCode(access)}&sourceType=push&lng=de`);
    expect(await push.page.locator('#service option').allTextContents()).toEqual(['(choose a source)', 'Demo Health Clinic']);
    await push.page.close();

    const { page, redirected } = await open(`${mock.onboardUrl}onboard?code=${await referenceCode(access)}&sourceType=pull&service=4&includeSampleDataOnlySources=true&sourcesScope=${encodeURIComponent(SOURCES_SCOPE)}`);
    expect(await page.locator('#service option').allTextContents()).toEqual(['(choose a source)', 'Facebook', 'Instagram', 'Spotify', 'Fitbit', 'Demo Bank']);
    expect(await page.locator('#service').inputValue()).toBe('4');
    await page.selectOption('#service', '138');
    await page.click('#approve');
    const url = await backInApp(page, redirected);
    expect(url.searchParams.get('success')).toBe('true');
    expect(url.searchParams.get('accountReference')).toBe('acc-demo-bank-0001');
    await page.close();
  });

  it('triggerQuery=false travels through the form: the session ends completed without the new account\'s files', async () => {
    const pre = await preauthorization();
    const { page, redirected } = await open(`${mock.onboardUrl}authorize?code=${pre.code}&sourceType=pull&triggerQuery=false`);
    await page.click('#approve');
    const url = await backInApp(page, redirected);
    const access = await exchange(url.searchParams.get('code'), pre.verifier);
    expect(await settledFiles(access, pre.session)).toEqual({ state: 'completed', names: [] });
    await page.close();
  });
});
