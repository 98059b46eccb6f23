/**
 * The SDK's calls beyond Ongoing Access against the real mock server over HTTP (docs/protocol.md
 * §9): contract details and discovery, one account's pages (revoke, re-authorise) followed as a
 * browser would, deleting an account, a file's metadata, push to the library and, after onboarding
 * a provider, to it, the portability report, and storage from a provisional one handed over at
 * consent to an encrypted round trip. Each test consents as a user of its own (a copy of the demo
 * user), and the mock clock makes access tokens expire under the calls, which refresh on the 401.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockServer } from '../../mock-server/index.js';
import type { RunningMockServer } from '../../mock-server/index.js';
import { createDigimeClient, OAuthTokenExpiredError, ServerError } from '../../sdk/src/index.js';
import type { DigimeClientOptions } from '../../sdk/src/index.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const privateKey = readFileSync(join(root, 'fixtures/apps/demo-app.private.TEST-ONLY.pem'), 'utf8');
const REDIRECT = 'http://localhost:3000/callback';
const ACCESS_TTL = 600;

let mock: RunningMockServer;
let dataDir: string;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'sdk-api-calls-'));
  mock = await startMockServer({ port: 0, logLevel: 'silent', keyFile: join(dataDir, 'signing-key.pem'), ttl: { accessToken: ACCESS_TTL } });
});

afterAll(async () => {
  await mock?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

/** Opens a consent-client page the way a person who approves (or refuses) at once would: where it redirects to. */
async function decide(url: string, decision: 'accept' | 'deny' = 'accept', user?: string): Promise<string> {
  const page = new URL(url);
  page.searchParams.set('autoConsent', decision);
  if (user) page.searchParams.set('user', user);
  const res = await fetch(page, { redirect: 'manual' });
  const location = res.headers.get('location');
  if (res.status !== 302 || !location) throw new Error(`${page.pathname} answered ${res.status}: ${await res.text()}`);
  return location;
}

/** A client that counts refresh grants, consenting as `user`. */
function client(user: string, overrides: Partial<DigimeClientOptions> = {}) {
  const stats = { refreshes: 0 };
  const sdk = createDigimeClient({
    appId: 'demo-app',
    contractId: 'demo-ongoing',
    privateKey,
    baseUrl: mock.baseUrl,
    onboardUrl: mock.onboardUrl,
    cloudBaseUrl: `${mock.url}/cloud/v1/`,
    redirectUri: REDIRECT,
    consentHandler: async ({ url }) => decide(url, 'accept', user),
    fetch: async (input, init) => {
      const auth = new Headers(init?.headers).get('authorization');
      if (auth && decodeJwt(auth.replace(/^Bearer /, '')).grant_type === 'refresh_token') stats.refreshes++;
      return fetch(input, init);
    },
    pollIntervalMs: 0,
    sleep: async () => void mock.authority.clock.advance(5),
    ...overrides,
  });
  return { sdk, stats };
}

/** A user of this test's own, consented to: the client and the token. */
async function consented(overrides: Partial<DigimeClientOptions> = {}) {
  const user = mock.authority.createUser({ template: 'demo' }).id;
  const { sdk, stats } = client(user, overrides);
  const { oAuthToken, session } = await sdk.authorizeOngoingAccess();
  return { user, sdk, stats, oAuthToken, session };
}

/** Moves the mock clock past the access token's expiry: the server refuses it from now on. */
const expireAccessToken = () => mock.authority.clock.advance(ACCESS_TTL + 1);

describe('without a user: contract details, discovery, sample data', () => {
  it('describe the contract and the catalogue', async () => {
    const { sdk } = client('demo');
    await expect(sdk.getContractDetails()).resolves.toMatchObject({
      id: 'demo-ongoing',
      accessType: 'w',
      application: { id: 'demo-app', name: 'Demo App (Genrefy)' },
    });
    // The official SDK's defaults: approved pull sources.
    expect((await sdk.querySources()).data.map((s) => s.id)).toEqual([1, 4, 19, 138]);
    const providers = await sdk.querySources({ sourcesBodyParams: { query: { filter: { type: { id: [2] } } } } });
    expect(providers).toMatchObject({ data: [{ id: 5001, name: 'Demo Health Clinic', type: { id: 2 } }], total: 1 });
    expect((await sdk.queryCountries({ countriesBodyParams: { query: { filter: { id: [528] } } } })).data).toEqual([
      expect.objectContaining({ id: 528, code: 'NL' }),
    ]);
    expect((await sdk.queryPlatforms()).data).toHaveLength(3);
    expect((await sdk.queryCategories()).data).toHaveLength(5);
    const sets = await sdk.getServiceSampleDataSets({ sourceId: 19 });
    expect(Object.keys(sets).sort()).toEqual(['alex', 'demo']);
    await expect(sdk.getServiceSampleDataSets({ sourceId: 4242 })).rejects.toMatchObject({ status: 404, serverCode: 'NotFound' });
  });
});

describe("one of the user's accounts", () => {
  it('revoke, then re-authorise on the pages the SDK links to; the account list follows', async () => {
    const { sdk, oAuthToken } = await consented();
    const { accounts } = await sdk.readAccounts({ oAuthToken });
    const spotify = accounts.find((a) => a.serviceTypeId === 19)!;
    expect(spotify.accessTokenStatus).toEqual({ authorized: true });

    expireAccessToken();
    const { location, oAuthToken: afterRevoke } = await sdk.getRevokeAccountPermissionUrl({ oAuthToken, accountId: spotify.id });
    expect(afterRevoke).not.toBe(oAuthToken);
    const revoked = new URL(await decide(location));
    expect(`${revoked.origin}${revoked.pathname}`).toBe(REDIRECT);
    expect(revoked.searchParams.get('result')).toBe('success');
    const withdrawn = (await sdk.readAccounts({ oAuthToken: afterRevoke })).accounts.find((a) => a.id === spotify.id);
    expect(withdrawn?.accessTokenStatus).toEqual({ authorized: false });

    const reauth = await sdk.getReauthorizeAccountUrl({ oAuthToken: afterRevoke, accountId: spotify.id });
    expect(new URL(reauth.url).pathname).toBe('/apps/saas/reauthorize');
    const callback = await decide(reauth.url);
    await expect(sdk.completeOnboardService({ callback, state: reauth.state })).resolves.toEqual({ accountReference: undefined });
    const back = (await sdk.readAccounts({ oAuthToken: reauth.oAuthToken })).accounts.find((a) => a.id === spotify.id);
    expect(back?.accessTokenStatus).toEqual({ authorized: true });
  });

  it('deleteAccount removes it from the library; a second delete is 404', async () => {
    const { sdk, oAuthToken } = await consented();
    const { accounts } = await sdk.readAccounts({ oAuthToken });
    const bank = accounts.find((a) => a.serviceTypeId === 138)!;
    const { deleted, oAuthToken: token } = await sdk.deleteAccount({ oAuthToken, accountId: bank.id });
    expect(deleted).toBe(true);
    expect((await sdk.readAccounts({ oAuthToken: token })).accounts.map((a) => a.id)).not.toContain(bank.id);
    await expect(sdk.deleteAccount({ oAuthToken: token, accountId: bank.id })).rejects.toMatchObject({ status: 404, serverCode: 'NotFound' });
  });
});

describe('readFileMetadata', () => {
  it("matches what the file's download says, without its bytes", async () => {
    const { sdk, oAuthToken, session } = await consented();
    const { files } = await sdk.readAllFiles({ oAuthToken, sessionKey: session.key });
    const file = files.find((f) => f.compression === 'gzip')!;
    expireAccessToken();
    const head = await sdk.readFileMetadata({ oAuthToken, sessionKey: session.key, fileName: file.fileName });
    expect(head).toMatchObject({ fileName: file.fileName, metadata: file.metadata, compression: 'gzip', lastModified: file.lastModified });
    expect(head.oAuthToken).not.toBe(oAuthToken);
  });
});

describe('push, the provider, the report', () => {
  it('a file pushed to the library comes back in a later session, as pushed', async () => {
    const { sdk, oAuthToken } = await consented();
    const fileData = Buffer.from(JSON.stringify({ invoice: 42 }));
    const fileDescriptor = { mimeType: 'application/json', accounts: [{ accountId: 'customer-42' }], tags: ['invoice'] };
    expireAccessToken();
    const { oAuthToken: token } = await sdk.pushData({ oAuthToken, type: 'library', data: { fileData, fileName: 'invoice.json', fileDescriptor } });
    const { session } = await sdk.authorizeOngoingAccess({ oAuthToken: token });
    const { files } = await sdk.readAllFiles({ oAuthToken: token, sessionKey: session.key });
    const raw = files.filter((f) => f.fileName.startsWith('raw_'));
    expect(raw).toHaveLength(1);
    expect(raw[0]).toMatchObject({ data: { invoice: 42 }, metadata: { mimetype: 'application/json', accounts: [{ accountid: 'customer-42' }], tags: ['invoice'] } });
  });

  it('onboarding the provider gives the user an account there; resources pushed to it show in the portability report', async () => {
    const { sdk, stats, oAuthToken } = await consented();
    const onboard = await sdk.getOnboardServiceUrl({ oAuthToken, serviceId: 5001, sourceType: 'push' });
    const { accountReference } = await sdk.completeOnboardService({ callback: await decide(onboard.url), state: onboard.state });
    const clinic = (await sdk.readAccounts({ oAuthToken })).accounts.find((a) => a.reference === accountReference);
    expect(clinic).toMatchObject({ type: 'PUSH', sourceId: 5001, serviceTypeName: 'Demo Health Clinic' });

    expireAccessToken();
    const resource = { resourceType: 'Observation', id: 'bp-1', status: 'final' };
    const { oAuthToken: token } = await sdk.pushData({ oAuthToken, type: 'provider', accountId: clinic!.id, version: 'stu3', data: resource });
    expect(stats.refreshes).toBe(1);
    const { file } = await sdk.getPortabilityReport({ oAuthToken: token, serviceType: 'medmij', from: 0 });
    expect(file).toMatch(/^<\?xml/);
    expect(file).toContain(`<account id="${clinic!.id}"`);
    expect(file).toMatch(new RegExp(`<providerPush id="[^"]+" accountId="${clinic!.id}" standard="fhir" version="stu3"`));
  });
});

describe('storage', () => {
  it('a provisional storage handed over at consent is the user storage; files go up encrypted and come down as they were', async () => {
    const user = mock.authority.createUser({ template: 'demo' }).id;
    const { sdk } = client(user);
    const { storage } = await sdk.createProvisionalStorage();
    const started = await sdk.getAuthorizeUrl({ storageId: storage.id });
    const oAuthToken = await sdk.exchangeCodeForToken({ callback: await decide(started.url, 'accept', user), ...started });
    expireAccessToken();
    const { storage: mine } = await sdk.getUserStorage({ oAuthToken });
    expect(mine.id).toBe(storage.id);

    const note = Buffer.from('{"text":"remember the milk"}');
    await sdk.uploadFileToStorage({ storageId: mine.id, path: 'Notes/2025', fileName: 'Monday.json', fileData: note });
    await sdk.uploadFileToStorage({ storageId: mine.id, fileName: 'top.bin', fileData: Buffer.from([0, 1, 2]) });
    const { files, total } = await sdk.listStorageFiles({ storageId: mine.id, path: 'notes', recursive: true });
    expect(total).toBe(1);
    expect(files[0]).toMatchObject({ name: 'monday.json', originalName: 'Monday.json', path: '/notes/2025/', originalPath: '/Notes/2025/' });
    const { bytes } = await sdk.downloadStorageFile({ storageId: mine.id, path: `${files[0]!.path}${files[0]!.name}` });
    expect(bytes).toEqual(note);
    await sdk.deleteStorageFiles({ storageId: mine.id, path: '/notes/' });
    expect((await sdk.listStorageFiles({ storageId: mine.id, recursive: true })).files.map((f) => f.name)).toEqual(['top.bin']);
    await expect(sdk.downloadStorageFile({ storageId: mine.id, path: 'Notes/2025/Monday.json' })).rejects.toMatchObject({ status: 404, serverCode: 'NotFound' });
  });

  it('a storage the app may not use is 404; an expired refresh token is OAuthTokenExpired, with no consent', async () => {
    const { sdk, oAuthToken, user } = await consented();
    await expect(sdk.listStorageFiles({ storageId: 'not-a-storage' })).rejects.toBeInstanceOf(ServerError);
    mock.authority.expireTokens({ token: 'all', userId: user });
    const error = await sdk.getUserStorage({ oAuthToken }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OAuthTokenExpiredError);
  });
});
