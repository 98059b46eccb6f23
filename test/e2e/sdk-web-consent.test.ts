/**
 * The SDK's consent across requests against the real mock over HTTP: a new consent
 * (`getAuthorizeUrl` → the page → `exchangeCodeForToken`), renewing the consent of a token whose
 * refresh token has expired (`getReauthorizeUrl`), and onboarding another service
 * (`getOnboardServiceUrl` → `completeOnboardService`). Each step one runs on one client and step
 * two on another, from JSON, as a web app's instances would. The browser is stood in for by a GET
 * with the mock's `autoConsent` (docs/protocol.md §8.4); test/browser/web-app.test.ts clicks.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockServer } from '../../mock-server/index.js';
import type { RunningMockServer } from '../../mock-server/index.js';
import {
  ConsentDeniedError,
  createDigimeClient,
  InvalidTokenError,
  OAuthTokenExpiredError,
  type DigimeClient,
} from '../../sdk/src/index.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const privateKey = readFileSync(join(root, 'fixtures/apps/demo-app.private.TEST-ONLY.pem'), 'utf8');
const REDIRECT_URI = 'http://127.0.0.1:3000/callback';
const DAY = 86_400;

let mock: RunningMockServer;
let dataDir: string;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'sdk-web-consent-'));
  mock = await startMockServer({ port: 0, logLevel: 'silent', keyFile: join(dataDir, 'signing-key.pem') });
});

afterAll(async () => {
  await mock?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

/** One instance of the web app's client: no consent handler, the two steps instead. */
function instance(): DigimeClient {
  return createDigimeClient({
    appId: 'demo-app',
    contractId: 'demo-ongoing',
    privateKey,
    baseUrl: mock.baseUrl,
    onboardUrl: mock.onboardUrl,
    redirectUri: REDIRECT_URI,
    autoRecoverExpiredCredentials: false,
  });
}

/** The user on the consent page: decides at once, and their browser is sent to the callback. */
async function decide(url: string, decision: 'accept' | 'deny' = 'accept'): Promise<string> {
  const page = new URL(url);
  page.searchParams.set('autoConsent', decision);
  const response = await fetch(page, { redirect: 'manual' });
  const location = response.headers.get('location');
  if (response.status !== 302 || !location) throw new Error(`${page.pathname} answered ${response.status}`);
  expect(location.startsWith(REDIRECT_URI)).toBe(true);
  return location;
}

const keep = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

describe('consent across requests against the mock', () => {
  it('a new consent: the token from the callback reads the data of the session kept from step one', async () => {
    const started = keep(await instance().getAuthorizeUrl({ scope: { serviceGroups: [{ id: 5 }] } }));
    expect(new URL(started.url).pathname).toBe(new URL(`${mock.onboardUrl}authorize`).pathname);
    const callback = await decide(started.url);

    const later = instance();
    const oAuthToken = await later.exchangeCodeForToken({ callback, codeVerifier: started.codeVerifier, state: started.state });
    expect(oAuthToken.sub).toBe('demo');

    mock.authority.clock.advance(120); // the session's sync finishes
    const { status, fileList } = await later.readFileList({ oAuthToken, sessionKey: started.session.key });
    expect(status.state).toBe('completed');
    expect(fileList.length).toBeGreaterThan(0);
    expect(fileList.every((f) => f.name.startsWith('18_5_'))).toBe(true); // music only, as scoped
    await expect(later.authorizeOngoingAccess({ oAuthToken })).resolves.toMatchObject({ consented: false });
  });

  it('renews the consent of a token whose refresh token has expired: same consent, same user, a new token', async () => {
    const first = await instance().getAuthorizeUrl();
    const oAuthToken = await instance().exchangeCodeForToken({ callback: await decide(first.url), ...first });
    mock.authority.clock.advance(31 * DAY);
    const stored = keep(oAuthToken);
    await expect(instance().authorizeOngoingAccess({ oAuthToken: stored })).rejects.toBeInstanceOf(OAuthTokenExpiredError);

    const renewing = keep(await instance().getReauthorizeUrl({ oAuthToken: stored }));
    expect(new URL(renewing.url).pathname).toBe(new URL(`${mock.onboardUrl}user-reauth`).pathname);
    const renewed = await instance().exchangeCodeForToken({ callback: await decide(renewing.url), ...renewing });

    expect(renewed.consentId).toBe(oAuthToken.consentId);
    expect(renewed.sub).toBe(oAuthToken.sub);
    expect(renewed.refreshToken.value).not.toBe(oAuthToken.refreshToken.value);
    await expect(instance().authorizeOngoingAccess({ oAuthToken: renewed })).resolves.toMatchObject({ consented: false });
  });

  it('a deleted user cannot be renewed: InvalidToken', async () => {
    const started = await instance().getAuthorizeUrl();
    const oAuthToken = await instance().exchangeCodeForToken({ callback: await decide(started.url), ...started });
    await instance().deleteUser({ oAuthToken });
    await expect(instance().getReauthorizeUrl({ oAuthToken })).rejects.toBeInstanceOf(InvalidTokenError);
  });

  it('onboards another service into the consent, and its sessions see the new account', async () => {
    const started = await instance().getAuthorizeUrl({ scope: { serviceGroups: [{ id: 5 }] } });
    const oAuthToken = await instance().exchangeCodeForToken({ callback: await decide(started.url), ...started });
    const before = await instance().readAccounts({ oAuthToken });
    const missing = (await readFixtureServiceTypes()).find((id) => !before.accounts.some((a) => a.serviceTypeId === id));
    expect(missing).toBeDefined();

    const onboarding = keep(await instance().getOnboardServiceUrl({ oAuthToken, serviceId: missing! }));
    expect(Object.fromEntries(new URL(onboarding.url).searchParams)).toMatchObject({ sourceType: 'pull', service: String(missing) });
    const callback = await decide(onboarding.url);
    const { accountReference } = await instance().completeOnboardService({ callback, state: onboarding.state });
    expect(accountReference).toBeDefined();

    const after = await instance().readAccounts({ oAuthToken: onboarding.oAuthToken });
    expect(after.accounts.map((a) => a.reference)).toContain(accountReference);
  });

  it('a refusal on any of the pages is ConsentDenied', async () => {
    const started = await instance().getAuthorizeUrl();
    await expect(instance().exchangeCodeForToken({ callback: await decide(started.url, 'deny'), ...started })).rejects.toBeInstanceOf(
      ConsentDeniedError,
    );
    const again = await instance().getAuthorizeUrl();
    const oAuthToken = await instance().exchangeCodeForToken({ callback: await decide(again.url), ...again });
    const onboarding = await instance().getOnboardServiceUrl({ oAuthToken });
    await expect(
      instance().completeOnboardService({ callback: await decide(onboarding.url, 'deny'), state: onboarding.state }),
    ).rejects.toBeInstanceOf(ConsentDeniedError);
  });
});

/** The service types of the demo user's accounts (fixtures/users/demo). */
async function readFixtureServiceTypes(): Promise<number[]> {
  const started = await instance().getAuthorizeUrl();
  const oAuthToken = await instance().exchangeCodeForToken({ callback: await decide(started.url), ...started });
  const { accounts } = await instance().readAccounts({ oAuthToken });
  return [...new Set(accounts.map((a) => a.serviceTypeId).filter((id): id is number => typeof id === 'number'))];
}
