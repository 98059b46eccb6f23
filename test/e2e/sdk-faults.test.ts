/**
 * Faults as an app meets them: this repository's SDK against the running mock, with the admin API
 * injecting the answers real digi.me gives now and then. Each shows the SDK's documented behaviour
 * (sdk/README.md, "Retries" and "How expiry is handled"): a 503 on refresh is retried, a 429 waits
 * for `Retry-After`, a dropped connection is retried as a network error, and a refresh slower than
 * `refreshTimeoutMs` fails with `NetworkError`. Waits between retries go through the client's
 * `sleep`, recorded here rather than slept.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createAdminClient, type AdminClient } from '../../mock-server/admin-client/index.js';
import { SigningKey } from '../../mock-server/core/index.js';
import { startMockServer, type RunningMockServer } from '../../mock-server/index.js';
import { createAutoConsentHandler, createDigimeClient, NetworkError, type DigimeClientOptions, type OAuthToken } from '../../sdk/src/index.js';
import { testServerKeyPem } from '../support/keys.js';

let mock: RunningMockServer;
let admin: AdminClient;

beforeAll(async () => {
  mock = await startMockServer({ port: 0, logLevel: 'silent' }, { signingKey: await SigningKey.fromPem(testServerKeyPem()) });
  admin = createAdminClient(mock.url);
});
afterAll(() => mock?.close());
beforeEach(async () => {
  await admin.reset();
});

function client(options: Partial<DigimeClientOptions> = {}) {
  const waits: number[] = [];
  const sdk = createDigimeClient({
    appId: 'demo-app',
    contractId: 'demo-ongoing',
    privateKey: readFileSync('fixtures/apps/demo-app.private.TEST-ONLY.pem', 'utf8'),
    baseUrl: mock.baseUrl,
    onboardUrl: mock.onboardUrl,
    redirectUri: 'http://localhost:3000/callback',
    consentHandler: createAutoConsentHandler(),
    sleep: async (ms) => void waits.push(ms),
    ...options,
  });
  return { sdk, waits };
}

/** A first consent, then the access token expired on the server: the next call refreshes. */
async function tokenNeedingRefresh(sdk: ReturnType<typeof client>['sdk']): Promise<OAuthToken> {
  const { oAuthToken } = await sdk.authorizeOngoingAccess({});
  await admin.expireTokens({ token: 'access' });
  return oAuthToken;
}

const statuses = async (path: string) => (await admin.requests({ path })).requests.map((r) => r.status).reverse();

describe('the SDK meets faults', () => {
  it('a 503 on refresh, then success: the SDK retries after a backoff and carries on', async () => {
    const { sdk, waits } = client();
    const stored = await tokenNeedingRefresh(sdk);
    await admin.addFault({ match: { path: 'oauth/token', grantType: 'refresh_token' }, respond: { status: 503 }, times: 1 });
    const { oAuthToken } = await sdk.authorizeOngoingAccess({ oAuthToken: stored });
    expect(oAuthToken.accessToken.value).not.toBe(stored.accessToken.value);
    expect(await statuses('/v1.7/oauth/token')).toEqual([201, 503, 201]);
    expect(waits).toHaveLength(1);
    expect(waits[0]).toBeGreaterThanOrEqual(125);
    expect(waits[0]).toBeLessThanOrEqual(250);
  });

  it('a 429 with Retry-After: the SDK waits as long as it says, then succeeds', async () => {
    const { sdk, waits } = client();
    const { oAuthToken } = await sdk.authorizeOngoingAccess({});
    await admin.addFault({ match: { path: 'permission-access/trigger' }, respond: { status: 429, headers: { 'Retry-After': '3' } }, times: 1 });
    const { session } = await sdk.authorizeOngoingAccess({ oAuthToken });
    expect(session.key).toEqual(expect.any(String));
    expect(waits).toEqual([3000]);
    expect(await statuses('permission-access/trigger')).toEqual([202, 429, 202]);
    const [entry] = (await admin.requests({ path: 'permission-access/trigger', status: 429 })).requests;
    expect(entry!.error).toEqual({ code: 'TooManyRequests' });
  });

  it('a dropped connection: a network error, retried; with retries off the call fails with NetworkError', async () => {
    const { sdk, waits } = client();
    const { oAuthToken } = await sdk.authorizeOngoingAccess({});
    await admin.addFault({ match: { path: 'permission-access/trigger' }, drop: true, times: 1 });
    await sdk.authorizeOngoingAccess({ oAuthToken });
    expect(waits).toHaveLength(1);
    expect(await statuses('permission-access/trigger')).toEqual([202, 0, 202]);

    const strict = client({ retry: { retries: 0 } });
    await admin.addFault({ match: { path: 'permission-access/trigger' }, drop: true, times: 1 });
    await expect(strict.sdk.authorizeOngoingAccess({ oAuthToken })).rejects.toBeInstanceOf(NetworkError);
  });

  it("a refresh delayed past the SDK's refreshTimeoutMs fails with NetworkError; without the delay it succeeds", async () => {
    const { sdk } = client({ refreshTimeoutMs: 300 });
    const stored = await tokenNeedingRefresh(sdk);
    const { id } = await admin.addFault({ match: { path: 'oauth/token', grantType: 'refresh_token' }, delayMs: 30_000 });
    const failure = await sdk.refreshToken(stored).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(NetworkError);
    expect((failure as Error).message).toContain('did not complete within 300 ms');
    expect((await admin.faults()).faults[0]).toMatchObject({ id, hits: 1 });
    await admin.removeFault(id);
    const refreshed = await sdk.refreshToken(stored);
    expect(refreshed.accessToken.value).not.toBe(stored.accessToken.value);
  });
});
