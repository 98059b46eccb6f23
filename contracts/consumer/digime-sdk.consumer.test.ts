/**
 * Consumer contract: the real SDK (`digime-sdk-ts`) against Pact mocks of digi.me (`digime-api`).
 * Each test drives a public SDK call through a scenario and records the interactions it needs;
 * the pact lands in contracts/pacts/ (git-ignored) and the provider side replays it against the mock server.
 */
import { compactVerify } from 'jose';
import { createPublicKey } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  OAuthTokenExpiredError,
  ServerError,
  codeChallengeFor,
  createDigimeClient,
  decryptFileBytes,
  DigimeClient,
  type ConsentHandler,
  type ConsentRequest,
  type DigimeClientOptions,
  type TokenChangeEvent,
} from '../../sdk/src/index.js';
import {
  ACCESS_EXPIRES_ON,
  ACCESS_TOKEN,
  ACCOUNT,
  ACCOUNT_ID,
  ACCOUNT_REF,
  ACCOUNT_REFERENCE,
  API_PATH,
  APP,
  AUTHORIZATION_CODE,
  CALL_CLAIMS,
  CATEGORY,
  CLOUD_PATH,
  CONSENT_ID,
  CONTRACT_DETAILS,
  COUNTRY,
  FHIR_RESOURCE,
  FILE_LAST_MODIFIED,
  FILE_METADATA,
  FILE_NAME,
  FILE_OBJECTS,
  FILE_UPDATED_DATE,
  NOW,
  PLATFORM,
  PREAUTHORIZATION_CODE,
  PROVIDER_ACCOUNT_ID,
  PUSHED_FILE,
  PUSH_DESCRIPTOR,
  REDIRECT_URI,
  REFERENCE_CODE,
  REFRESHED_ACCESS_TOKEN,
  REFRESH_EXPIRES_ON,
  REFRESH_TOKEN,
  REVOKE_LOCATION,
  SAMPLE_DATA_SET,
  SAMPLE_DATA_SET_ID,
  SAMPLE_SOURCE_ID,
  SESSION_EXPIRY,
  SESSION_KEY,
  SOURCE,
  STORAGE,
  STORAGE_CONTENT,
  STORAGE_ENTRY,
  STORAGE_FILE_NAME,
  STORAGE_FOLDER,
  STORED_TOKEN,
  USER_ID,
  appPrivateKey,
  requestJwt,
  type CallKind,
} from './support/examples.js';
import * as interaction from './support/interactions.js';
import { normalizePactFile, resetPactFile, withPactMock } from './support/pact.js';
import { pactTransport, type PactTransport, type SentRequest } from './support/pact-transport.js';

const TRIGGER = `POST ${API_PATH}/permission-access/trigger`;
const TOKEN = `POST ${API_PATH}/oauth/token`;

/**
 * Consent is a browser page, not part of the API contract: this handler stands for the person who
 * approves, and answers with digi.me's redirect, echoing the SDK's `state`.
 */
const consentRequests: ConsentRequest[] = [];
const approveConsent: ConsentHandler = async (request) => {
  consentRequests.push(request);
  return { success: true, state: request.state, code: AUTHORIZATION_CODE, accountReference: ACCOUNT_REFERENCE };
};

/** The client's methods the scenarios called (the last test checks that is every one). */
const METHODS = Object.getOwnPropertyNames(DigimeClient.prototype).filter((m) => m !== 'constructor') as (keyof DigimeClient)[];
const called = new Set<string>();

function sdk(transport: PactTransport, options: Partial<DigimeClientOptions> = {}) {
  const client = createDigimeClient({
    appId: APP.appId,
    contractId: APP.contractId,
    privateKey: appPrivateKey,
    redirectUri: REDIRECT_URI,
    consentHandler: approveConsent,
    fetch: transport.fetch,
    now: () => NOW,
    ...options,
  });
  // Each method noted as it runs, also when another method calls it (readAllFiles calls readFile).
  for (const method of METHODS) {
    const run = (client[method] as (...args: unknown[]) => unknown).bind(client);
    Object.defineProperty(client, method, {
      value: (...args: unknown[]) => {
        called.add(method);
        return run(...args);
      },
    });
  }
  return client;
}

const calls = (t: PactTransport) => t.sent.map((r) => r.call ?? `${r.method} ${r.path}`);
const sentAs = (t: PactTransport, call: CallKind): SentRequest[] => t.sent.filter((r) => r.call === call);

/** The token the SDK makes of the example token responses. */
const tokenWith = (accessToken: string) => ({
  accessToken: { value: accessToken, expiresOn: ACCESS_EXPIRES_ON },
  refreshToken: { value: REFRESH_TOKEN, expiresOn: REFRESH_EXPIRES_ON },
  tokenType: 'Bearer',
  sub: USER_ID,
  consentId: CONSENT_ID,
  identifier: { id: USER_ID },
});

beforeAll(() => {
  resetPactFile();
  consentRequests.length = 0;
});

afterAll(() => normalizePactFile());

describe('the recorded request JWTs', () => {
  it.each(Object.keys(CALL_CLAIMS) as CallKind[])('%s: a PS512 JWT signed with the app key, as the SDK makes them', async (call) => {
    const { protectedHeader, payload } = await compactVerify(requestJwt(call), createPublicKey(appPrivateKey), {
      algorithms: ['PS512'],
    });
    expect(protectedHeader).toEqual({ alg: 'PS512', typ: 'JWT' });
    expect(JSON.parse(Buffer.from(payload).toString())).toMatchObject({ ...CALL_CLAIMS[call], client_id: APP.clientId });
  });
});

describe('authorizeOngoingAccess', () => {
  it('without a token: authorize, consent, the code exchange with PKCE, then a data session', async () => {
    await withPactMock(
      [interaction.jwks, interaction.authorize, interaction.exchangeCode, interaction.trigger],
      async (mock) => {
        const transport = pactTransport({ mock });
        const onTokenChange = vi.fn<(event: TokenChangeEvent) => void>();
        const result = await sdk(transport, { onTokenChange }).authorizeOngoingAccess();

        expect(result).toEqual({
          session: { key: SESSION_KEY, expiry: SESSION_EXPIRY },
          oAuthToken: tokenWith(ACCESS_TOKEN),
          consented: true,
          accountReference: ACCOUNT_REFERENCE,
        });
        expect(onTokenChange).toHaveBeenCalledExactlyOnceWith({ token: result.oAuthToken, previous: undefined, reason: 'consent' });
        // The consent page opened with the preauthorization code from the verified authorize token.
        expect(consentRequests.at(-1)?.url).toBe(
          `https://api.digi.me/apps/saas/authorize?code=${PREAUTHORIZATION_CODE}&sourceType=pull`,
        );
        expect(calls(transport)).toEqual(['authorize', `GET ${API_PATH}/jwks/oauth`, 'exchange', 'user']);
        const [authorizeCall] = sentAs(transport, 'authorize');
        const [exchangeCall] = sentAs(transport, 'exchange');
        expect(exchangeCall?.claims?.code).toBe(AUTHORIZATION_CODE);
        expect(codeChallengeFor(String(exchangeCall?.claims?.code_verifier))).toBe(authorizeCall?.claims?.code_challenge);
        expect(authorizeCall?.claims?.state).toBe(consentRequests.at(-1)?.state);
        expect(sentAs(transport, 'user')[0]?.claims?.access_token).toBe(ACCESS_TOKEN);
      },
    );
  });

  it('with a stored token the server accepts: a data session, nothing else', async () => {
    await withPactMock([interaction.trigger], async (mock) => {
      const transport = pactTransport({ mock });
      const result = await sdk(transport).authorizeOngoingAccess({ oAuthToken: STORED_TOKEN });

      expect(result.session).toEqual({ key: SESSION_KEY, expiry: SESSION_EXPIRY });
      expect(result.consented).toBe(false);
      expect(result.oAuthToken).toBe(STORED_TOKEN);
      expect(calls(transport)).toEqual(['user']);
    });
  });

  it('with an access token the server has expired (401 InvalidToken): refresh, then the trigger again with the new token', async () => {
    await withPactMock([interaction.triggerWithExpiredAccessToken], (refusing) =>
      withPactMock([interaction.jwks, interaction.refresh, interaction.trigger], async (recovering) => {
        const transport = pactTransport({ mock: refusing, takes: [TRIGGER] }, { mock: recovering });
        const onTokenChange = vi.fn<(event: TokenChangeEvent) => void>();
        const result = await sdk(transport, { onTokenChange }).authorizeOngoingAccess({ oAuthToken: STORED_TOKEN });

        expect(result.consented).toBe(false);
        expect(result.session).toEqual({ key: SESSION_KEY, expiry: SESSION_EXPIRY });
        expect(result.oAuthToken).toEqual(tokenWith(REFRESHED_ACCESS_TOKEN));
        expect(onTokenChange).toHaveBeenCalledExactlyOnceWith({ token: result.oAuthToken, previous: STORED_TOKEN, reason: 'refresh' });

        expect(calls(transport)).toEqual(['user', 'refresh', `GET ${API_PATH}/jwks/oauth`, 'user']);
        const [refused, retried] = sentAs(transport, 'user');
        expect(refused?.claims?.access_token).toBe(ACCESS_TOKEN);
        expect(sentAs(transport, 'refresh')[0]?.claims?.refresh_token).toBe(REFRESH_TOKEN);
        expect(retried?.claims?.access_token).toBe(REFRESHED_ACCESS_TOKEN);
        expect(retried?.claims?.nonce).not.toBe(refused?.claims?.nonce);
      }),
    );
  });

  it("with a stored token whose access token has expired by the client's clock: refresh first, then the session", async () => {
    await withPactMock([interaction.jwks, interaction.refresh, interaction.trigger], async (mock) => {
      const transport = pactTransport({ mock });
      const expired = { ...STORED_TOKEN, accessToken: { ...STORED_TOKEN.accessToken, expiresOn: NOW / 1000 - 60 } };
      const result = await sdk(transport).authorizeOngoingAccess({ oAuthToken: expired });

      expect(result.oAuthToken).toEqual(tokenWith(REFRESHED_ACCESS_TOKEN));
      expect(calls(transport)).toEqual(['refresh', `GET ${API_PATH}/jwks/oauth`, 'user']);
      expect(sentAs(transport, 'user')[0]?.claims?.access_token).toBe(REFRESHED_ACCESS_TOKEN);
    });
  });

  it('with both tokens expired and autoRecoverExpiredCredentials false: fails with OAuthTokenExpired', async () => {
    await withPactMock([interaction.triggerWithExpiredAccessToken, interaction.refreshWithExpiredRefreshToken], async (mock) => {
      const transport = pactTransport({ mock });
      const client = sdk(transport, { autoRecoverExpiredCredentials: false });

      const error = await client.authorizeOngoingAccess({ oAuthToken: STORED_TOKEN }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OAuthTokenExpiredError);
      expect((error as OAuthTokenExpiredError).cause).toMatchObject({ status: 401, serverCode: 'InvalidToken' });
      expect(calls(transport)).toEqual(['user', 'refresh']);
    });
  });

  it('with both tokens expired and autoRecoverExpiredCredentials true: consent again, then the data session', async () => {
    await withPactMock([interaction.triggerWithExpiredAccessToken, interaction.refreshWithExpiredRefreshToken], (expired) =>
      withPactMock(
        [interaction.jwks, interaction.authorize, interaction.exchangeCode, interaction.trigger],
        async (consenting) => {
          const transport = pactTransport({ mock: expired, takes: [TRIGGER, TOKEN] }, { mock: consenting });
          const onTokenChange = vi.fn<(event: TokenChangeEvent) => void>();
          const result = await sdk(transport, { onTokenChange }).authorizeOngoingAccess({ oAuthToken: STORED_TOKEN });

          expect(result).toMatchObject({ consented: true, accountReference: ACCOUNT_REFERENCE, oAuthToken: tokenWith(ACCESS_TOKEN) });
          expect(onTokenChange).toHaveBeenCalledExactlyOnceWith({ token: result.oAuthToken, previous: STORED_TOKEN, reason: 'consent' });
          expect(calls(transport)).toEqual(['user', 'refresh', 'authorize', `GET ${API_PATH}/jwks/oauth`, 'exchange', 'user']);
          expect(transport.sent.map((r) => r.route)).toEqual([0, 0, 1, 1, 1, 1]);
        },
      ),
    );
  });
});

describe('consent across requests (web apps)', () => {
  it('getAuthorizeUrl starts consent and hands back plain JSON; exchangeCodeForToken finishes it with the callback', async () => {
    await withPactMock([interaction.jwks, interaction.authorize, interaction.exchangeCode], async (mock) => {
      const transport = pactTransport({ mock });
      const onTokenChange = vi.fn<(event: TokenChangeEvent) => void>();
      const client = sdk(transport, { consentHandler: undefined, onTokenChange });
      const started = JSON.parse(JSON.stringify(await client.getAuthorizeUrl())) as Awaited<ReturnType<typeof client.getAuthorizeUrl>>;
      expect(started).toEqual({
        url: `https://api.digi.me/apps/saas/authorize?code=${PREAUTHORIZATION_CODE}&sourceType=pull`,
        codeVerifier: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
        state: expect.stringMatching(/^[A-Za-z0-9]{32}$/),
        session: { key: SESSION_KEY, expiry: SESSION_EXPIRY },
      });

      const callback = `${REDIRECT_URI}?success=true&state=${started.state}&code=${AUTHORIZATION_CODE}&accountReference=${ACCOUNT_REFERENCE}`;
      const token = await client.exchangeCodeForToken({ callback, codeVerifier: started.codeVerifier, state: started.state });
      expect(token).toEqual(tokenWith(ACCESS_TOKEN));
      expect(onTokenChange).toHaveBeenCalledExactlyOnceWith({ token, previous: undefined, reason: 'consent' });
      expect(calls(transport)).toEqual(['authorize', `GET ${API_PATH}/jwks/oauth`, 'exchange']);
      const [authorizeCall] = sentAs(transport, 'authorize');
      expect(authorizeCall?.claims?.state).toBe(started.state);
      expect(authorizeCall?.claims?.code_challenge).toBe(codeChallengeFor(started.codeVerifier));
      expect(sentAs(transport, 'exchange')[0]?.claims).toMatchObject({ code: AUTHORIZATION_CODE, code_verifier: started.codeVerifier });
    });
  });

  it('getReauthorizeUrl renews the consent of a stored token whose refresh token has expired: a token reference with PKCE, then the code exchange', async () => {
    await withPactMock([interaction.jwks, interaction.reauthorize, interaction.exchangeCode], async (mock) => {
      const transport = pactTransport({ mock });
      const client = sdk(transport, { consentHandler: undefined });
      const started = await client.getReauthorizeUrl({ oAuthToken: STORED_TOKEN });
      expect(started).toEqual({
        url: `https://api.digi.me/apps/saas/user-reauth?code=${REFERENCE_CODE}`,
        codeVerifier: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
        state: expect.stringMatching(/^[A-Za-z0-9]{32}$/),
        session: { key: SESSION_KEY, expiry: SESSION_EXPIRY },
      });
      const [reference] = sentAs(transport, 'reauthorize');
      // The stored access token, as it is: it only names the consent, so no refresh comes first.
      expect(reference?.claims).toMatchObject({ access_token: ACCESS_TOKEN, state: started.state, code_challenge: codeChallengeFor(started.codeVerifier) });

      const callback = `${REDIRECT_URI}?success=true&state=${started.state}&code=${AUTHORIZATION_CODE}`;
      await expect(client.exchangeCodeForToken({ callback, ...started })).resolves.toEqual(tokenWith(ACCESS_TOKEN));
      expect(calls(transport)).toEqual(['reauthorize', `GET ${API_PATH}/jwks/oauth`, 'exchange']);
    });
  });

  it('getOnboardServiceUrl asks for a token reference without PKCE; completeOnboardService reads the callback', async () => {
    await withPactMock([interaction.jwks, interaction.onboard], async (mock) => {
      const transport = pactTransport({ mock });
      const client = sdk(transport, { consentHandler: undefined });
      const started = await client.getOnboardServiceUrl({ oAuthToken: STORED_TOKEN, serviceId: 19 });
      expect(started).toEqual({
        url: `https://api.digi.me/apps/saas/onboard?code=${REFERENCE_CODE}&sourceType=pull&service=19`,
        state: expect.stringMatching(/^[A-Za-z0-9]{32}$/),
        session: { key: SESSION_KEY, expiry: SESSION_EXPIRY },
        oAuthToken: STORED_TOKEN,
      });
      expect(started.oAuthToken).toBe(STORED_TOKEN);
      expect(calls(transport)).toEqual(['onboard', `GET ${API_PATH}/jwks/oauth`]);
      expect(sentAs(transport, 'onboard')[0]?.claims).toMatchObject({ access_token: ACCESS_TOKEN, state: started.state });

      const callback = `${REDIRECT_URI}?success=true&state=${started.state}&accountReference=${ACCOUNT_REFERENCE}`;
      await expect(client.completeOnboardService({ callback, state: started.state })).resolves.toEqual({ accountReference: ACCOUNT_REFERENCE });
      expect(transport.sent).toHaveLength(2);
    });
  });
});

describe('refreshToken', () => {
  it('with a valid refresh token: a new access token, the refresh token kept', async () => {
    await withPactMock([interaction.jwks, interaction.refresh], async (mock) => {
      const transport = pactTransport({ mock });
      await expect(sdk(transport).refreshToken(STORED_TOKEN)).resolves.toEqual(tokenWith(REFRESHED_ACCESS_TOKEN));
      expect(sentAs(transport, 'refresh')[0]?.claims).toMatchObject(CALL_CLAIMS.refresh);
    });
  });

  it('with an expired refresh token (401 InvalidToken): fails with OAuthTokenExpired', async () => {
    await withPactMock([interaction.refreshWithExpiredRefreshToken], async (mock) => {
      const error = await sdk(pactTransport({ mock }))
        .refreshToken(STORED_TOKEN)
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OAuthTokenExpiredError);
      const cause = (error as OAuthTokenExpiredError).cause;
      expect(cause).toBeInstanceOf(ServerError);
      expect(cause).toMatchObject({ status: 401, serverCode: 'InvalidToken', serverMessage: 'The token (refresh_token) is invalid' });
    });
  });
});

describe('data', () => {
  it('readFileList on a running session: its state and the files synced so far', async () => {
    await withPactMock([interaction.fileListRunning], async (mock) => {
      const { status, fileList, oAuthToken } = await sdk(pactTransport({ mock })).readFileList({
        oAuthToken: STORED_TOKEN,
        sessionKey: SESSION_KEY,
      });
      expect(status.state).toBe('running');
      expect(fileList).toEqual([{ name: FILE_NAME, updatedDate: FILE_UPDATED_DATE }]);
      expect(oAuthToken).toBe(STORED_TOKEN);
    });
  });

  it('readAllFiles on a completed session: the file list, then each file, decrypted with the app key', async () => {
    await withPactMock([interaction.fileListCompleted, interaction.file], async (mock) => {
      const transport = pactTransport({ mock });
      const result = await sdk(transport).readAllFiles({ oAuthToken: STORED_TOKEN, sessionKey: SESSION_KEY });

      expect(result.status.state).toBe('completed');
      expect(result.failures).toEqual([]);
      expect(result.files).toHaveLength(1);
      expect(result.files[0]).toMatchObject({
        fileName: FILE_NAME,
        data: FILE_OBJECTS,
        metadata: FILE_METADATA,
        compression: 'none',
        lastModified: FILE_LAST_MODIFIED,
      });
      expect(transport.sent.map((r) => r.path)).toEqual([
        `${API_PATH}/permission-access/query/${SESSION_KEY}`,
        `${API_PATH}/permission-access/query/${SESSION_KEY}/${FILE_NAME}`,
      ]);
    });
  });

  it("readAccounts: the user's accounts", async () => {
    await withPactMock([interaction.accounts], async (mock) => {
      const { accounts } = await sdk(pactTransport({ mock })).readAccounts({ oAuthToken: STORED_TOKEN });
      expect(accounts).toEqual([ACCOUNT]);
    });
  });

  it('deleteUser: the user is removed', async () => {
    await withPactMock([interaction.deleteUser], async (mock) => {
      const transport = pactTransport({ mock });
      await expect(sdk(transport).deleteUser({ oAuthToken: STORED_TOKEN })).resolves.toBeUndefined();
      expect(transport.sent).toMatchObject([{ method: 'DELETE', path: `${API_PATH}/user`, call: 'user' }]);
    });
  });
});

describe('contract details and discovery (the app key alone signs them)', () => {
  it("getContractDetails: the app's contract", async () => {
    await withPactMock([interaction.contractDetails], async (mock) => {
      const transport = pactTransport({ mock });
      await expect(sdk(transport).getContractDetails()).resolves.toEqual(CONTRACT_DETAILS);
      expect(calls(transport)).toEqual(['app']);
      expect(sentAs(transport, 'app')[0]?.claims).not.toHaveProperty('access_token');
    });
  });

  it('querySources: the approved pull sources (the filter the official SDK adds when the app gives none)', async () => {
    await withPactMock([interaction.sources], async (mock) => {
      const result = await sdk(pactTransport({ mock })).querySources();
      expect(result).toEqual({ data: [SOURCE], limit: 1, offset: 0, total: 1 });
    });
  });

  it('queryCountries, queryPlatforms, queryCategories: the lists of the catalogue', async () => {
    await withPactMock([interaction.countries, interaction.platforms, interaction.categories], async (mock) => {
      const client = sdk(pactTransport({ mock }));
      await expect(client.queryCountries()).resolves.toEqual({ data: [COUNTRY] });
      await expect(client.queryPlatforms()).resolves.toEqual({ data: [PLATFORM] });
      await expect(client.queryCategories()).resolves.toEqual({ data: [CATEGORY] });
    });
  });

  it("getServiceSampleDataSets: a source's sample data sets, by id", async () => {
    await withPactMock([interaction.sampleDataSets], async (mock) => {
      await expect(sdk(pactTransport({ mock })).getServiceSampleDataSets({ sourceId: SAMPLE_SOURCE_ID })).resolves.toEqual({
        [SAMPLE_DATA_SET_ID]: SAMPLE_DATA_SET,
      });
    });
  });
});

describe("one of the user's accounts", () => {
  it('deleteAccount: the account in the accountId header', async () => {
    await withPactMock([interaction.deleteAccount], async (mock) => {
      const transport = pactTransport({ mock });
      await expect(sdk(transport).deleteAccount({ oAuthToken: STORED_TOKEN, accountId: ACCOUNT_ID })).resolves.toEqual({
        deleted: true,
        oAuthToken: STORED_TOKEN,
      });
      expect(transport.sent).toMatchObject([{ method: 'DELETE', path: `${API_PATH}/permission-access/service/h:accountId`, call: 'user' }]);
    });
  });

  it("getRevokeAccountPermissionUrl: the revoke page's location, coming back to the client's redirect URI", async () => {
    await withPactMock([interaction.revokeAccountPermission], async (mock) => {
      await expect(sdk(pactTransport({ mock })).getRevokeAccountPermissionUrl({ oAuthToken: STORED_TOKEN, accountId: ACCOUNT_ID })).resolves.toEqual({
        location: REVOKE_LOCATION,
        oAuthToken: STORED_TOKEN,
      });
    });
  });

  it('getReauthorizeAccountUrl: a token reference without PKCE, a reference to the account, the reauthorize page', async () => {
    await withPactMock([interaction.jwks, interaction.reauthorizeAccountReference, interaction.accountReference], async (mock) => {
      const transport = pactTransport({ mock });
      const result = await sdk(transport).getReauthorizeAccountUrl({ oAuthToken: STORED_TOKEN, accountId: ACCOUNT_ID });
      expect(result).toEqual({
        url: `https://api.digi.me/apps/saas/reauthorize?code=${REFERENCE_CODE}&accountRef=${ACCOUNT_REF}`,
        state: expect.stringMatching(/^[A-Za-z0-9]{32}$/),
        session: { key: SESSION_KEY, expiry: SESSION_EXPIRY },
        oAuthToken: STORED_TOKEN,
      });
      expect(calls(transport)).toEqual(['onboard', `GET ${API_PATH}/jwks/oauth`, 'app']);
      expect(sentAs(transport, 'onboard')[0]?.claims).toMatchObject({ access_token: ACCESS_TOKEN, state: result.state });
    });
  });
});

describe("a file's metadata, the portability report, push", () => {
  it("readFileMetadata: a HEAD request for a completed session's file", async () => {
    await withPactMock([interaction.fileMetadata], async (mock) => {
      const result = await sdk(pactTransport({ mock })).readFileMetadata({ oAuthToken: STORED_TOKEN, sessionKey: SESSION_KEY, fileName: FILE_NAME });
      expect(result).toEqual({
        fileName: FILE_NAME,
        metadata: FILE_METADATA,
        compression: 'none',
        lastModified: FILE_LAST_MODIFIED,
        oAuthToken: STORED_TOKEN,
      });
    });
  });

  it('getPortabilityReport: the MedMij report, as XML text', async () => {
    await withPactMock([interaction.portabilityReport], async (mock) => {
      const { file, oAuthToken } = await sdk(pactTransport({ mock })).getPortabilityReport({ oAuthToken: STORED_TOKEN, serviceType: 'medmij' });
      expect(oAuthToken).toBe(STORED_TOKEN);
      // The text as the Pact mock renders the example (attribute order and quotes are its own).
      expect(file).toMatch(/^<\?xml[^>]*\?>\s*<portabilityReport [^>]*serviceType='medmij'/);
      expect(file).toContain(`<user id='${USER_ID}'/>`);
      expect(file).toContain(`<account id='${ACCOUNT.id}' reference='${ACCOUNT.reference}' sourceId='${ACCOUNT.sourceId}'/>`);
    });
  });

  it("pushData to the library: the file's bytes with the FileDescriptor the app key signs", async () => {
    await withPactMock([interaction.pushToLibrary], async (mock) => {
      const result = await sdk(pactTransport({ mock })).pushData({
        oAuthToken: STORED_TOKEN,
        type: 'library',
        data: { fileData: PUSHED_FILE, fileName: 'example.pdf', fileDescriptor: PUSH_DESCRIPTOR },
      });
      expect(result).toEqual({ oAuthToken: STORED_TOKEN });
    });
  });

  it("pushData to a provider: a FHIR resource for the user's account there", async () => {
    await withPactMock([interaction.pushToProvider], async (mock) => {
      const result = await sdk(pactTransport({ mock })).pushData({
        oAuthToken: STORED_TOKEN,
        type: 'provider',
        accountId: PROVIDER_ACCOUNT_ID,
        standard: 'fhir',
        version: 'stu3',
        data: FHIR_RESOURCE,
      });
      expect(result).toEqual({ oAuthToken: STORED_TOKEN });
    });
  });
});

describe('storage', () => {
  it('createProvisionalStorage, then getAuthorizeUrl({ storageId }) names it on the consent page by a reference', async () => {
    await withPactMock([interaction.provisionalStorage], async (mock) => {
      await expect(sdk(pactTransport({ mock })).createProvisionalStorage()).resolves.toEqual({ storage: STORAGE });
    });
    await withPactMock([interaction.jwks, interaction.authorize, interaction.storageReference], async (mock) => {
      const transport = pactTransport({ mock });
      const { url } = await sdk(transport, { consentHandler: undefined }).getAuthorizeUrl({ storageId: STORAGE.id });
      expect(url).toBe(`https://api.digi.me/apps/saas/authorize?code=${PREAUTHORIZATION_CODE}&sourceType=pull&storageRef=example-storage-ref`);
      expect(calls(transport)).toEqual(['authorize', `GET ${API_PATH}/jwks/oauth`, 'app']);
    });
  });

  it("getUserStorage: the user's storage", async () => {
    await withPactMock([interaction.userStorage], async (mock) => {
      await expect(sdk(pactTransport({ mock })).getUserStorage({ oAuthToken: STORED_TOKEN })).resolves.toEqual({ storage: STORAGE, oAuthToken: STORED_TOKEN });
    });
  });

  it('uploadFileToStorage: the file encrypted for the app key, on the cloud, with a cloud token', async () => {
    await withPactMock([interaction.uploadStorageFile], async (mock) => {
      const transport = pactTransport({ mock });
      const result = await sdk(transport).uploadFileToStorage({
        storageId: STORAGE.id,
        path: STORAGE_FOLDER,
        fileName: STORAGE_FILE_NAME,
        fileData: Buffer.from(STORAGE_CONTENT),
      });
      expect(result).toEqual({ uploaded: true });
      expect(transport.sent).toMatchObject([
        { method: 'POST', path: `${CLOUD_PATH}/clouds/${STORAGE.id}/files/apps/${APP.appId}/${STORAGE_FOLDER}/${STORAGE_FILE_NAME}`, call: 'cloud' },
      ]);
      // What the contract cannot pin (a fresh key every time): the body is the file, encrypted for the app key.
      expect(decryptFileBytes(appPrivateKey, transport.sent[0]!.bytes!).toString('utf8')).toBe(STORAGE_CONTENT);
    });
  });

  it('listStorageFiles, downloadStorageFile (decrypted with the app key), deleteStorageFiles', async () => {
    await withPactMock([interaction.listStorageFiles, interaction.downloadStorageFile, interaction.deleteStorageFile], async (mock) => {
      const client = sdk(pactTransport({ mock }));
      const { files, total } = await client.listStorageFiles({ storageId: STORAGE.id, path: STORAGE_FOLDER });
      expect(total).toBe(1);
      expect(files).toEqual([{ ...STORAGE_ENTRY, path: `/${STORAGE_FOLDER}/`, originalPath: `/${STORAGE_FOLDER}/` }]);
      const path = `${files[0]!.path}${files[0]!.name}`;
      const { bytes } = await client.downloadStorageFile({ storageId: STORAGE.id, path });
      expect(bytes.toString('utf8')).toBe(STORAGE_CONTENT);
      await expect(client.deleteStorageFiles({ storageId: STORAGE.id, path })).resolves.toEqual({ deleted: true });
    });
  });
});

describe('the contract covers the whole SDK', () => {
  it('every method of the client ran in a scenario above', () => {
    expect(METHODS.length).toBeGreaterThan(25);
    expect(METHODS.filter((m) => !called.has(m))).toEqual([]);
  });
});
