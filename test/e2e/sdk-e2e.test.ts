/**
 * The SDK against the real mock server over HTTP: the Ongoing Access story end to end. The client
 * signs with real time while the test moves the mock clock (docs/protocol.md §8), so expiries show up
 * as 401s and are handled reactively; one test lets the client clock follow the mock clock to
 * exercise the proactive path instead.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockServer } from '../../mock-server/index.js';
import type { RunningMockServer } from '../../mock-server/index.js';
import {
  ConsentDeniedError,
  createAutoConsentHandler,
  createBrowserConsentHandler,
  createDigimeClient,
  DEFAULT_CHROMIUM_PATH,
  OAuthTokenExpiredError,
} from '../../sdk/src/index.js';
import type { DigimeClientOptions, TokenChangeEvent } from '../../sdk/src/index.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const privateKey = readFileSync(join(root, 'fixtures/apps/demo-app.private.TEST-ONLY.pem'), 'utf8');
const DAY = 86_400;
const ACCESS_TTL = 600;

let mock: RunningMockServer;
let dataDir: string;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'sdk-e2e-'));
  // Access tokens live 10 minutes (sessions an hour), so an access-token expiry can happen while a
  // session is still open; refresh tokens keep the default 30 days.
  mock = await startMockServer({
    port: 0,
    logLevel: 'silent',
    keyFile: join(dataDir, 'signing-key.pem'),
    ttl: { accessToken: ACCESS_TTL },
  });
});

afterAll(async () => {
  await mock?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

/** Wraps fetch to count what the SDK sends: refreshes, and 401 answers. */
function counted() {
  const stats = { refreshes: 0, unauthorized: 0, requests: [] as string[] };
  const fetchImpl: typeof fetch = async (input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    const auth = new Headers(init?.headers).get('authorization');
    const claims = auth ? decodeJwt(auth.replace(/^Bearer /, '')) : undefined;
    if (claims?.grant_type === 'refresh_token') stats.refreshes++;
    stats.requests.push(`${init?.method ?? 'GET'} ${new URL(url).pathname}`);
    const response = await fetch(input, init);
    if (response.status === 401) stats.unauthorized++;
    return response;
  };
  return { stats, fetchImpl };
}

function client(overrides: Partial<DigimeClientOptions> = {}) {
  const { stats, fetchImpl } = counted();
  const changes: TokenChangeEvent[] = [];
  const sdk = createDigimeClient({
    appId: 'demo-app',
    contractId: 'demo-ongoing',
    privateKey,
    baseUrl: mock.baseUrl,
    onboardUrl: mock.onboardUrl,
    redirectUri: 'http://localhost:3000/callback',
    consentHandler: createAutoConsentHandler(),
    fetch: fetchImpl,
    onTokenChange: (event) => void changes.push(event),
    pollIntervalMs: 0,
    // Each poll moves the mock clock, so the session's sync progresses without real waiting.
    sleep: async () => void mock.authority.clock.advance(5),
    ...overrides,
  });
  return { sdk, stats, changes };
}

describe('Ongoing Access against the mock server', () => {
  it('first consent gives a session and a token, and the data reads', async () => {
    const { sdk, changes } = client();
    const { session, oAuthToken, consented, accountReference } = await sdk.authorizeOngoingAccess();
    expect(consented).toBe(true);
    expect(session.key).toBeTruthy();
    expect(session.expiry).toBeGreaterThan(1e12); // milliseconds
    expect(oAuthToken.accessToken.expiresOn).toBeLessThan(1e11); // seconds
    expect(changes).toHaveLength(1);

    const { accounts } = await sdk.readAccounts({ oAuthToken });
    expect(accounts.length).toBeGreaterThan(0);
    if (accountReference !== undefined) expect(accounts.map((a) => a.reference)).toContain(accountReference);

    const result = await sdk.readAllFiles({ oAuthToken, sessionKey: session.key });
    expect(['completed', 'partial']).toContain(result.status.state);
    expect(result.failures).toEqual([]);
    expect(result.files.length).toBeGreaterThan(0);
    for (const file of result.files) expect(file.data).toBeDefined();
    // The demo data uses every encoding (docs/protocol.md §8), so each decompression path ran.
    expect(new Set(result.files.map((f) => f.compression))).toEqual(new Set(['none', 'gzip', 'brotli']));
    if (result.files[0]) {
      const { file } = await sdk.readFile({ oAuthToken, sessionKey: session.key, fileName: result.files[0].fileName });
      expect(file.data).toEqual(result.files[0].data);
    }
  });

  it('narrows the data to the scope: one service group, one time range', async () => {
    const { sdk } = client();
    const from = Date.UTC(2025, 2, 1) / 1000; // March to May 2025, in Unix seconds
    const to = Date.UTC(2025, 5, 1) / 1000 - 1;
    const scope = { serviceGroups: [{ id: 5, serviceTypes: [{ id: 19, serviceObjectTypes: [{ id: 406 }] }] }], timeRanges: [{ from, to }] };
    const { session, oAuthToken } = await sdk.authorizeOngoingAccess({ scope });
    const { files } = await sdk.readAllFiles({ oAuthToken, sessionKey: session.key });
    expect(files.map((f) => f.fileName).sort()).toEqual([
      '18_5_19_1_406_D202503_1.json',
      '18_5_19_1_406_D202504_1.json',
      '18_5_19_1_406_D202505_1.json',
    ]);
    for (const f of files) {
      for (const play of f.data as { createddate: number }[]) {
        expect(play.createddate).toBeGreaterThanOrEqual(from * 1000);
        expect(play.createddate).toBeLessThanOrEqual(to * 1000 + 999);
      }
    }
  });

  it('restores from a stored token without consent', async () => {
    const first = client();
    const { oAuthToken } = await first.sdk.authorizeOngoingAccess();
    const stored = JSON.parse(JSON.stringify(oAuthToken)) as typeof oAuthToken;

    const later = client();
    const again = await later.sdk.authorizeOngoingAccess({ oAuthToken: stored });
    expect(again.consented).toBe(false);
    expect(again.oAuthToken).toBe(stored);
    expect(later.stats.requests.some((r) => r.includes('/apps/saas/'))).toBe(false);
  });

  it('refreshes an expired access token, and the token changes', async () => {
    const { sdk, stats, changes } = client();
    const { oAuthToken } = await sdk.authorizeOngoingAccess();
    mock.authority.clock.advance(2 * DAY);

    const again = await sdk.authorizeOngoingAccess({ oAuthToken });
    expect(again.consented).toBe(false);
    expect(again.oAuthToken.accessToken.value).not.toBe(oAuthToken.accessToken.value);
    expect(stats.refreshes).toBe(1);
    expect(changes.at(-1)).toMatchObject({ reason: 'refresh', previous: oAuthToken, token: again.oAuthToken });
    const { accounts } = await sdk.readAccounts({ oAuthToken: again.oAuthToken });
    expect(accounts.length).toBeGreaterThan(0);
  });

  it('refreshes proactively when the client clock says the access token has expired', async () => {
    const { sdk, stats } = client({ now: () => mock.authority.clock.now() });
    const { oAuthToken } = await sdk.authorizeOngoingAccess();
    mock.authority.clock.advance(2 * DAY);
    const unauthorizedBefore = stats.unauthorized;

    const { oAuthToken: renewed } = await sdk.readAccounts({ oAuthToken });
    expect(renewed).not.toBe(oAuthToken);
    expect(stats.refreshes).toBe(1);
    expect(stats.unauthorized).toBe(unauthorizedBefore);
  });

  it('runs consent again when the refresh token has expired (autoRecoverExpiredCredentials: true)', async () => {
    const { sdk, changes } = client();
    const { oAuthToken } = await sdk.authorizeOngoingAccess();
    mock.authority.clock.advance(31 * DAY);

    const again = await sdk.authorizeOngoingAccess({ oAuthToken });
    expect(again.consented).toBe(true);
    expect(again.oAuthToken.refreshToken.value).not.toBe(oAuthToken.refreshToken.value);
    expect(changes.at(-1)).toMatchObject({ reason: 'consent', previous: oAuthToken });
  });

  it('fails with OAuthTokenExpired when the refresh token has expired (autoRecoverExpiredCredentials: false)', async () => {
    const { sdk, stats } = client({ autoRecoverExpiredCredentials: false });
    const { oAuthToken } = await sdk.authorizeOngoingAccess();
    mock.authority.clock.advance(31 * DAY);
    const consentPagesBefore = stats.requests.filter((r) => r.includes('/apps/saas/')).length;

    const error = await sdk.authorizeOngoingAccess({ oAuthToken }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OAuthTokenExpiredError);
    expect((error as OAuthTokenExpiredError).code).toBe('OAuthTokenExpired');
    expect(stats.requests.filter((r) => r.includes('/apps/saas/')).length).toBe(consentPagesBefore);
  });

  it('reports a denied consent as ConsentDenied', async () => {
    const { sdk } = client({ consentHandler: createAutoConsentHandler({ decision: 'deny' }) });
    const error = await sdk.authorizeOngoingAccess().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConsentDeniedError);
    expect((error as ConsentDeniedError).code).toBe('ConsentDenied');
  });

  it('ten concurrent data calls during an expiry make exactly one refresh', async () => {
    const { sdk, stats, changes } = client();
    const { oAuthToken, session } = await sdk.authorizeOngoingAccess();
    mock.authority.clock.advance(ACCESS_TTL + 60); // the access token has expired, the session has not
    const changesBefore = changes.length;

    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        i % 2 === 0
          ? sdk.readAccounts({ oAuthToken })
          : sdk.readFileList({ oAuthToken, sessionKey: session.key }),
      ),
    );
    expect(stats.refreshes).toBe(1);
    expect(new Set(results.map((r) => r.oAuthToken.accessToken.value)).size).toBe(1);
    expect(changes.length - changesBefore).toBe(1);
  });
});

// CI installs Debian's chromium (.ci/run); elsewhere the test runs where it is installed.
describe.skipIf(!existsSync(DEFAULT_CHROMIUM_PATH) && !process.env.CI)('consent in a real browser against the mock', () => {
  it('clicks Approve on the mock consent page and finishes consent', async () => {
    const { sdk } = client({ consentHandler: createBrowserConsentHandler({ timeoutMs: 30_000 }) });
    const { consented, oAuthToken } = await sdk.authorizeOngoingAccess();
    expect(consented).toBe(true);
    expect(oAuthToken.accessToken.value).toBeTruthy();
  }, 60_000);
});
