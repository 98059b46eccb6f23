/**
 * The rest of digi.me's API, as an app with Ongoing Access calls it (docs/protocol.md §9): contract
 * details and discovery, sample data sets, managing one account, a file's metadata, the
 * portability report, push, and storage. Calls with the user's token refresh and recover exactly
 * as `readAccounts` does; calls the app's key alone signs have no token to refresh.
 */
import { compactVerify, decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import { constants, privateDecrypt } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  ConfigurationError,
  createDigimeClient,
  DIGIME_CLOUD_BASE_URL,
  FileDecryptionError,
  InvalidArgumentError,
  InvalidTokenError,
  OAuthTokenExpiredError,
  ServerError,
} from '../src/index.js';
import type { DigimeClient, OAuthToken } from '../src/index.js';
import type { RecordedRequest } from './helpers/fake-digime.js';
import { setup } from './helpers/setup.js';

const FILE = '18_5_19_1_406_D202401_1.json';

async function withToken(overrides: Parameters<typeof setup>[0] = {}) {
  const ctx = setup(overrides);
  const { oAuthToken, session } = await ctx.client.authorizeOngoingAccess();
  ctx.fake.addFile(FILE, [{ id: 1 }], { compression: 'gzip' });
  const before = ctx.fake.requests.length;
  const sent = () => ctx.fake.requests.slice(before);
  return { ...ctx, oAuthToken, session, sent };
}

type Ctx = Awaited<ReturnType<typeof withToken>>;

/** Every call that takes the user's token: how to make it, and the API call it makes with the access token. */
const TOKEN_CALLS: [name: string, call: (c: DigimeClient, t: OAuthToken, ctx: Ctx) => Promise<{ oAuthToken: OAuthToken }>, path: string][] = [
  ['deleteAccount', (c, t, { fake }) => c.deleteAccount({ oAuthToken: t, accountId: fake.accountId }), 'permission-access/service/h:accountId'],
  [
    'getRevokeAccountPermissionUrl',
    (c, t, { fake }) => c.getRevokeAccountPermissionUrl({ oAuthToken: t, accountId: fake.accountId }),
    'permission-access/revoke/h:accountId',
  ],
  ['getReauthorizeAccountUrl', (c, t, { fake }) => c.getReauthorizeAccountUrl({ oAuthToken: t, accountId: fake.accountId }), 'oauth/token/reference'],
  ['readFileMetadata', (c, t, { session }) => c.readFileMetadata({ oAuthToken: t, sessionKey: session.key, fileName: FILE }), `permission-access/query/`],
  ['getPortabilityReport', (c, t) => c.getPortabilityReport({ oAuthToken: t, serviceType: 'medmij' }), 'export/medmij/report'],
  [
    'pushData to the library',
    (c, t) =>
      c.pushData({
        oAuthToken: t,
        type: 'library',
        data: { fileData: Buffer.from('hello'), fileName: 'hello.txt', fileDescriptor: { mimeType: 'text/plain', accounts: [{ accountId: 'a1' }] } },
      }),
    'permission-access/import',
  ],
  [
    'pushData to a provider',
    (c, t, { fake }) => c.pushData({ oAuthToken: t, type: 'provider', accountId: fake.providerAccountId, version: 'stu3', standard: 'fhir', data: { resourceType: 'Patient' } }),
    'permission-access/import/h:accountId/fhir/stu3',
  ],
  ['getUserStorage', (c, t) => c.getUserStorage({ oAuthToken: t }), 'storage'],
];

/** The requests that carried an access token, after the refresh (if any). */
const userCalls = (sent: RecordedRequest[]) => sent.filter((r) => typeof r.claims?.access_token === 'string');

describe('calls with the user token refresh and recover as readAccounts does', () => {
  it.each(TOKEN_CALLS)('%s: with a live token, the call alone, and the very token passed in back', async (_name, call, path) => {
    const ctx = await withToken();
    const result = await call(ctx.client, ctx.oAuthToken, ctx);
    expect(result.oAuthToken).toBe(ctx.oAuthToken);
    expect(ctx.fake.refreshCount()).toBe(0);
    const [first] = userCalls(ctx.sent());
    expect(first?.path.startsWith(path)).toBe(true);
    expect(first?.claims?.access_token).toBe(ctx.oAuthToken.accessToken.value);
  });

  it.each(TOKEN_CALLS)('%s: an access token past its expiry (client clock) is refreshed first', async (_name, call) => {
    const ctx = await withToken();
    ctx.clock.now = ctx.oAuthToken.accessToken.expiresOn * 1000 + 1;
    const result = await call(ctx.client, ctx.oAuthToken, ctx);
    expect(ctx.fake.refreshCount()).toBe(1);
    expect(result.oAuthToken.accessToken.value).not.toBe(ctx.oAuthToken.accessToken.value);
    // No call went out with the expired token: the refresh came first.
    expect(userCalls(ctx.sent()).every((r) => r.claims?.access_token === result.oAuthToken.accessToken.value)).toBe(true);
    expect(ctx.changes.at(-1)).toEqual({ token: result.oAuthToken, previous: ctx.oAuthToken, reason: 'refresh' });
  });

  it.each(TOKEN_CALLS)('%s: a 401 InvalidToken refreshes and retries once, with a new nonce', async (_name, call, path) => {
    const ctx = await withToken();
    ctx.fake.revokeAccessTokens();
    const result = await call(ctx.client, ctx.oAuthToken, ctx);
    expect(ctx.fake.refreshCount()).toBe(1);
    const tries = userCalls(ctx.sent()).filter((r) => r.path.startsWith(path));
    expect(tries.map((r) => r.claims?.access_token)).toEqual([ctx.oAuthToken.accessToken.value, result.oAuthToken.accessToken.value]);
    expect(tries[1]?.claims?.nonce).not.toBe(tries[0]?.claims?.nonce);
  });

  it.each(TOKEN_CALLS)('%s: an expired refresh token is OAuthTokenExpired, with no consent, whatever autoRecoverExpiredCredentials says', async (_name, call) => {
    const ctx = await withToken({ autoRecoverExpiredCredentials: true });
    ctx.fake.revokeAccessTokens();
    ctx.fake.revokeRefreshTokens();
    const error = await call(ctx.client, ctx.oAuthToken, ctx).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OAuthTokenExpiredError);
    expect(error).toMatchObject({ code: 'OAuthTokenExpired', cause: { status: 401, serverCode: 'InvalidToken' } });
    expect(ctx.fake.count('authorize', 'GET')).toBe(1); // the first consent only
  });

  it.each(TOKEN_CALLS)('%s: a refreshed token that is refused too is InvalidToken', async (_name, call, path) => {
    const ctx = await withToken();
    const refused = () =>
      new Response(JSON.stringify({ error: { code: 'InvalidToken', message: 'The token (access_token) is invalid', reference: 'r' } }), {
        status: 401,
      });
    ctx.fake.override((r) => (r.path.startsWith(path) && r.claims?.access_token !== undefined ? refused() : undefined));
    const error = await call(ctx.client, ctx.oAuthToken, ctx).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidTokenError);
    expect(ctx.fake.refreshCount()).toBe(1);
  });

  it('concurrent calls of every kind holding one expired token share one refresh', async () => {
    const ctx = await withToken();
    ctx.clock.now = ctx.oAuthToken.accessToken.expiresOn * 1000 + 1;
    const results = await Promise.all([
      ...TOKEN_CALLS.map(([, call]) => call(ctx.client, ctx.oAuthToken, ctx)),
      ctx.client.readAccounts({ oAuthToken: ctx.oAuthToken }),
    ]);
    expect(ctx.fake.refreshCount()).toBe(1);
    expect(new Set(results.map((r) => r.oAuthToken.accessToken.value)).size).toBe(1);
    expect(ctx.changes.filter((c) => c.reason === 'refresh')).toHaveLength(1);
  });
});

describe('calls the app key alone signs', () => {
  const APP_CALLS: [name: string, call: (c: DigimeClient) => Promise<unknown>, path: string][] = [
    ['getContractDetails', (c) => c.getContractDetails(), 'permission-access/contract'],
    ['querySources', (c) => c.querySources(), 'discovery/sources'],
    ['queryCountries', (c) => c.queryCountries(), 'discovery/countries'],
    ['queryPlatforms', (c) => c.queryPlatforms(), 'discovery/platforms'],
    ['queryCategories', (c) => c.queryCategories(), 'discovery/categories'],
    ['getServiceSampleDataSets', (c) => c.getServiceSampleDataSets({ sourceId: 19 }), 'permission-access/sample/datasets/19'],
    ['createProvisionalStorage', (c) => c.createProvisionalStorage(), 'storage'],
  ];

  it.each(APP_CALLS)('%s: one request, a request JWT without access_token, nothing refreshed', async (_name, call, path) => {
    const { client, fake } = setup();
    await call(client);
    expect(fake.requests).toHaveLength(1);
    const [request] = fake.requests;
    expect(request?.path).toBe(path);
    expect(request?.header).toEqual({ alg: 'PS512', typ: 'JWT' });
    expect(request?.claims).toEqual({ client_id: `${fake.appId}_${fake.contractId}`, nonce: expect.stringMatching(/^[A-Za-z0-9]{32}$/), timestamp: expect.any(Number) });
  });

  it.each(APP_CALLS)('%s: refuses a user token (there is none to give)', async (name, call) => {
    const { client, fake } = setup();
    const method = (client as unknown as Record<string, (o: unknown) => Promise<unknown>>)[name]!.bind(client);
    const options = name === 'getServiceSampleDataSets' ? { sourceId: 19 } : {};
    const error = await method({ ...options, oAuthToken: {} }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as InvalidArgumentError).issues.map((i) => i.path)).toEqual(['oAuthToken']);
    expect(fake.requests).toEqual([]);
    await expect(call(client)).resolves.toBeDefined();
  });

  it('getContractDetails: the contract, as digi.me describes it', async () => {
    const { client, fake } = setup();
    await expect(client.getContractDetails()).resolves.toMatchObject({
      id: fake.contractId,
      accessType: 'w',
      application: { id: fake.appId, name: 'Test App', status: 1, resources: {} },
    });
  });

  it("querySources asks for approved pull sources when the app's filter says nothing of type or status, and leaves the app's object alone", async () => {
    const { client, fake } = setup();
    const params = { limit: 10, query: { queryString: 'spot', filter: { country: { id: [528] } } } };
    const result = await client.querySources({ sourcesBodyParams: params });
    expect(result).toMatchObject({ data: [{ id: 19 }, { id: 5001 }], limit: 2, offset: 0, total: 2 });
    expect(fake.requests[0]?.body).toEqual({
      limit: 10,
      query: { queryString: 'spot', filter: { country: { id: [528] }, type: { id: [1] }, publishedStatus: ['approved'] } },
    });
    expect(params.query.filter).toEqual({ country: { id: [528] } });

    await client.querySources({ sourcesBodyParams: { query: { filter: { type: { id: [2] }, publishedStatus: ['approved', 'sampledataonly'] } } } });
    expect(fake.requests[1]?.body).toEqual({ query: { filter: { type: { id: [2] }, publishedStatus: ['approved', 'sampledataonly'] } } });
  });

  it('queryCountries, queryPlatforms, queryCategories: all, or those the filter names; no body when the app gives none', async () => {
    const { client, fake } = setup();
    await expect(client.queryCountries()).resolves.toEqual({ data: [expect.objectContaining({ id: 1 }), expect.objectContaining({ id: 2 })] });
    expect(fake.requests[0]?.body).toBeUndefined();
    await expect(client.queryPlatforms({ platformsBodyParams: { query: { filter: { id: [2] } } } })).resolves.toEqual({
      data: [{ id: 2, name: 'platforms two' }],
    });
    await expect(client.queryCategories({ categoriesBodyParams: { query: { include: ['name'] } } })).resolves.toMatchObject({ data: [{ id: 1 }, { id: 2 }] });
  });

  it('getServiceSampleDataSets: the data sets by id; a source digi.me does not know is ServerError 404', async () => {
    const { client } = setup();
    await expect(client.getServiceSampleDataSets({ sourceId: 19 })).resolves.toEqual({
      'user-1': { name: 'User One', description: 'Spotify data of User One' },
    });
    await expect(client.getServiceSampleDataSets({ sourceId: 4 })).rejects.toMatchObject({ code: 'ServerError', status: 404, serverCode: 'NotFound' });
  });

  it('an answer of the wrong shape is UnexpectedResponse', async () => {
    const { client, fake } = setup();
    fake.failNext('permission-access/contract', () => new Response(JSON.stringify({ id: 5 }), { status: 200 }));
    await expect(client.getContractDetails()).rejects.toMatchObject({ code: 'UnexpectedResponse' });
    fake.failNext('discovery/sources', () => new Response(JSON.stringify({ data: [{ name: 'no id' }] }), { status: 200 }));
    await expect(client.querySources()).rejects.toMatchObject({ code: 'UnexpectedResponse' });
  });

  it('retries a transient failure of a discovery call with a new request JWT', async () => {
    const { client, fake } = setup({ retry: { retries: 2, baseDelayMs: 0 } });
    fake.failNext('discovery/countries', () => new Response(null, { status: 503 }));
    await client.queryCountries();
    const tries = fake.requests.filter((r) => r.path === 'discovery/countries');
    expect(tries).toHaveLength(2);
    expect(tries[1]?.claims?.nonce).not.toBe(tries[0]?.claims?.nonce);
  });
});

describe('one account', () => {
  it("deleteAccount sends the account in the accountId header; another account is digi.me's 404", async () => {
    const { client, oAuthToken, sent, fake } = await withToken();
    await expect(client.deleteAccount({ oAuthToken, accountId: fake.accountId })).resolves.toEqual({ deleted: true, oAuthToken });
    expect(sent()[0]).toMatchObject({ method: 'DELETE', path: 'permission-access/service/h:accountId', headers: { accountid: fake.accountId } });
    await expect(client.deleteAccount({ oAuthToken, accountId: 'nope' })).rejects.toMatchObject({ status: 404, serverCode: 'NotFound' });
  });

  it("getRevokeAccountPermissionUrl: the page's location; the redirect URI is the client's unless given", async () => {
    const { client, oAuthToken, sent, fake } = await withToken();
    const { location } = await client.getRevokeAccountPermissionUrl({ oAuthToken, accountId: fake.accountId });
    expect(location).toMatch(new RegExp(`^${fake.onboardUrl}revoke\\?code=\\w+$`));
    expect(sent()[0]?.headers).toMatchObject({ accountid: fake.accountId, redirecturi: fake.redirectUri, accept: 'application/json' });
    await expect(
      client.getRevokeAccountPermissionUrl({ oAuthToken, accountId: fake.accountId, redirectUri: 'https://elsewhere.example/back' }),
    ).rejects.toMatchObject({ status: 404, serverCode: 'InvalidRedirectUri' });
    expect(sent()[1]?.headers.redirecturi).toBe('https://elsewhere.example/back');
  });

  it('getReauthorizeAccountUrl: a token reference without PKCE, a reference to the account, the reauthorize page; the callback checks as onboarding does', async () => {
    const { client, oAuthToken, sent, fake } = await withToken();
    const result = await client.getReauthorizeAccountUrl({ oAuthToken, accountId: fake.accountId, lng: 'nl' });
    expect(result).toEqual({
      url: expect.any(String),
      state: expect.stringMatching(/^[A-Za-z0-9]{32}$/),
      session: { key: expect.any(String), expiry: expect.any(Number) },
      oAuthToken,
    });
    const url = new URL(result.url);
    expect(`${url.origin}${url.pathname}`).toBe(`${fake.onboardUrl}reauthorize`);
    expect([...url.searchParams.keys()]).toEqual(['code', 'accountRef', 'lng']);
    expect(url.searchParams.get('accountRef')).toBe(`ref-accountId-${fake.accountId}`);
    const [reference, accountRef] = sent();
    expect(reference?.claims).toMatchObject({ access_token: oAuthToken.accessToken.value, redirect_uri: fake.redirectUri, state: result.state });
    expect(reference?.claims).not.toHaveProperty('code_challenge');
    expect(accountRef).toMatchObject({ method: 'POST', path: 'reference', body: { type: 'accountId', value: fake.accountId } });
    expect(accountRef?.claims).not.toHaveProperty('access_token');

    const callback = `${fake.redirectUri}?success=true&state=${result.state}`;
    await expect(client.completeOnboardService({ callback, state: result.state })).resolves.toEqual({ accountReference: undefined });
  });
});

describe('readFileMetadata', () => {
  it('a HEAD request: the metadata, compression and last-modified, no bytes', async () => {
    const { client, oAuthToken, session, sent } = await withToken();
    const result = await client.readFileMetadata({ oAuthToken, sessionKey: session.key, fileName: FILE });
    expect(result).toEqual({
      fileName: FILE,
      metadata: expect.objectContaining({ objectType: '406', serviceName: 'spotify' }),
      compression: 'gzip',
      lastModified: expect.stringMatching(/GMT$/),
      oAuthToken,
    });
    expect(sent()[0]).toMatchObject({ method: 'HEAD', path: `permission-access/query/${session.key}/${FILE}` });
  });

  it('a file the session does not have is ServerError 404, not refreshed', async () => {
    const { client, oAuthToken, session, fake } = await withToken();
    await expect(client.readFileMetadata({ oAuthToken, sessionKey: session.key, fileName: 'nope.json' })).rejects.toMatchObject({ status: 404 });
    expect(fake.refreshCount()).toBe(0);
  });

  it('an answer without x-metadata is UnexpectedResponse', async () => {
    const { client, oAuthToken, session, fake } = await withToken();
    fake.override((r) => (r.method === 'HEAD' ? new Response(null, { status: 200 }) : undefined));
    await expect(client.readFileMetadata({ oAuthToken, sessionKey: session.key, fileName: FILE })).rejects.toMatchObject({ code: 'UnexpectedResponse' });
  });
});

describe('getPortabilityReport', () => {
  it('the report as text; the period only when given', async () => {
    const { client, oAuthToken, sent } = await withToken();
    const { file } = await client.getPortabilityReport({ oAuthToken, serviceType: 'medmij', format: 'xml', from: 1_700_000_000, to: 1_700_086_400 });
    expect(file).toContain('<period from="1700000000" to="1700086400"/>');
    expect(new URL(sent()[0]!.url).search).toBe('?format=xml&from=1700000000&to=1700086400');
    expect(sent()[0]?.headers.accept).toBe('application/octet-stream');
    await client.getPortabilityReport({ oAuthToken, serviceType: 'medmij' });
    expect(new URL(sent()[1]!.url).search).toBe('?format=xml');
  });
});

describe('pushData', () => {
  it('to the library: the bytes as they are, with a FileDescriptor the contract key signs', async () => {
    const { client, oAuthToken, sent, fake, app } = await withToken();
    const fileData = Buffer.from([0, 1, 2, 250, 251]);
    const fileDescriptor = { mimeType: 'application/octet-stream', accounts: [{ accountId: 'customer-42' }], tags: ['t'], reference: ['r'] };
    await expect(client.pushData({ oAuthToken, type: 'library', data: { fileData, fileName: 'x.bin', fileDescriptor } })).resolves.toEqual({ oAuthToken });
    const [push] = sent();
    expect(push?.headers['content-type']).toBe('application/octet-stream');
    expect(push?.bytes).toEqual(fileData);
    const descriptor = push!.headers.filedescriptor!;
    expect(decodeProtectedHeader(descriptor)).toEqual({ alg: 'PS512', typ: 'JWT' });
    const { payload } = await jwtVerify(descriptor, app.publicKey, { algorithms: ['PS512'] });
    expect(payload).toEqual({ metadata: fileDescriptor });
    expect(fake.pushed).toEqual([{ metadata: fileDescriptor, bytes: fileData }]);
  });

  it('to a provider: the resource as JSON, the account in a header, the standard and version in the path', async () => {
    const { client, oAuthToken, sent, fake } = await withToken();
    const data = { resourceType: 'Observation', status: 'final' };
    await client.pushData({ oAuthToken, type: 'provider', accountId: fake.providerAccountId, version: '3.0.2', data });
    expect(sent()[0]).toMatchObject({
      method: 'POST',
      path: 'permission-access/import/h:accountId/fhir/3.0.2',
      headers: { accountid: fake.providerAccountId, 'content-type': 'application/json' },
      body: data,
    });
    await expect(client.pushData({ oAuthToken, type: 'provider', accountId: fake.accountId, version: 'stu3', data })).rejects.toMatchObject({
      status: 404,
      serverCode: 'NotFound',
    });
  });

  it('is not repeated once digi.me may have received it: a 503 is ServerError at once', async () => {
    const { client, oAuthToken, fake } = await withToken({ retry: { retries: 3, baseDelayMs: 0 } });
    fake.failNext('permission-access/import', () => new Response(null, { status: 503 }));
    const data = { fileData: Buffer.from('x'), fileDescriptor: { mimeType: 'text/plain', accounts: [{ accountId: 'a' }] } };
    await expect(client.pushData({ oAuthToken, type: 'library', data })).rejects.toBeInstanceOf(ServerError);
    expect(fake.count('permission-access/import')).toBe(1);
  });

  it("checks each kind's own options", async () => {
    const { client, oAuthToken, sent } = await withToken();
    const issues = async (options: unknown) =>
      ((await client.pushData(options as never).catch((e: unknown) => e)) as InvalidArgumentError).issues.map((i) => i.path);
    expect(await issues({ oAuthToken, type: 'provider', data: { a: 1 }, version: 'r4' })).toEqual(['accountId', 'version']);
    expect(await issues({ oAuthToken, type: 'library', data: { fileData: 'text', fileDescriptor: { mimeType: 'x', accounts: [] } } })).toEqual([
      'data.fileData',
      'data.fileDescriptor.accounts',
    ]);
    expect(await issues({ oAuthToken, type: 'push', data: {} })).toEqual(expect.arrayContaining(['type']));
    expect(await issues({ oAuthToken, type: 'library', accountId: 'a', data: {} })).toEqual(expect.arrayContaining(['accountId']));
    expect(sent()).toEqual([]);
  });
});

describe('storage', () => {
  it('createProvisionalStorage and getUserStorage: {storage: {id, kid}}', async () => {
    const { client, oAuthToken, fake } = await withToken();
    await expect(client.createProvisionalStorage()).resolves.toEqual({ storage: { id: 'storage-provisional-1', kid: 'storage-provisional-1_0' } });
    await expect(client.getUserStorage({ oAuthToken })).resolves.toEqual({
      storage: { id: fake.userStorageId, kid: `${fake.userStorageId}_0` },
      oAuthToken,
    });
  });

  it('uploads encrypted for the contract key, lists below the app folder, downloads decrypted, deletes', async () => {
    const { client, fake, app } = setup();
    const storageId = 'storage-1';
    const plain = Buffer.from('{"notes":"mine"}');
    await expect(client.uploadFileToStorage({ storageId, path: 'Notes/2024', fileName: 'Today.json', fileData: plain })).resolves.toEqual({
      uploaded: true,
    });
    const upload = fake.requests[0]!;
    expect(upload).toMatchObject({ method: 'POST', path: `clouds/${storageId}/files/apps/${fake.appId}/Notes/2024/Today.json` });
    expect(upload.headers['content-type']).toBe('application/octet-stream');
    // The cloud gets the official layout: a data key for the contract's own public key, an IV, AES-256-CBC.
    const stored = upload.bytes!;
    expect(stored.includes(plain)).toBe(false);
    const dataKey = privateDecrypt({ key: app.privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' }, stored.subarray(0, 256));
    expect(dataKey).toHaveLength(32);

    await client.uploadFileToStorage({ storageId, fileName: 'top.txt', fileData: Buffer.from('top') });
    expect(fake.requests[1]?.path).toBe(`clouds/${storageId}/files/apps/${fake.appId}/top.txt`);

    const listed = await client.listStorageFiles({ storageId, path: '/notes/2024/' });
    expect(listed).toEqual({
      files: [{ id: expect.any(String), name: 'today.json', originalName: 'Today.json', path: '/notes/2024/', originalPath: '/Notes/2024/' }],
      total: 1,
    });
    expect(new URL(fake.requests[2]!.url).search).toBe('?recursive=false');
    expect((await client.listStorageFiles({ storageId, recursive: true })).total).toBe(2);
    expect(new URL(fake.requests[3]!.url).pathname).toMatch(/\/apps\/test-app\/$/);

    const { bytes } = await client.downloadStorageFile({ storageId, path: `${listed.files[0]!.path}${listed.files[0]!.name}` });
    expect(bytes).toEqual(plain);

    await expect(client.deleteStorageFiles({ storageId, path: '/notes/' })).resolves.toEqual({ deleted: true });
    await expect(client.downloadStorageFile({ storageId, path: 'notes/2024/today.json' })).rejects.toMatchObject({
      code: 'ServerError',
      status: 404,
      serverCode: 'NotFound',
      serverMessage: 'The file was not found',
    });
    expect((await client.listStorageFiles({ storageId, recursive: true })).files.map((f) => f.name)).toEqual(['top.txt']);
  });

  it("signs each cloud call with a cloud token of the contract's (no request JWT), made anew for every attempt", async () => {
    const { client, fake, app } = setup({ retry: { retries: 1, baseDelayMs: 0 } });
    fake.override((r) => (r.path.startsWith('clouds/') && fake.requests.filter((x) => x.path.startsWith('clouds/')).length === 1 ? new Response(null, { status: 503 }) : undefined));
    await client.listStorageFiles({ storageId: 's' });
    const tries = fake.requests.filter((r) => r.path.startsWith('clouds/'));
    expect(tries).toHaveLength(2);
    for (const request of tries) {
      const jwt = request.headers.authorization!.replace(/^Bearer /, '');
      const { protectedHeader } = await compactVerify(jwt, app.publicKey, { algorithms: ['PS512'] });
      expect(protectedHeader).toEqual({ alg: 'PS512', typ: 'at+jwt', kid: `${fake.contractId}_${fake.appId}_0` });
      const claims = decodeJwt(jwt);
      expect(Object.keys(claims).sort()).toEqual(['aud', 'exp', 'iat', 'iss', 'sub']);
      expect(claims).toMatchObject({ sub: fake.appId, iss: fake.contractId, aud: 'cloud' });
      expect(claims.exp! - claims.iat!).toBe(60);
      expect(Math.abs(claims.iat! * 1000 - Date.now())).toBeLessThan(60_000);
    }
  });

  it("the cloud's errors are ServerError with its code; a file that does not decrypt is FileDecryptionError", async () => {
    const { client, fake } = setup();
    fake.override((r) => (r.path.endsWith('/bad.bin') ? new Response(new Uint8Array(300), { status: 200 }) : undefined));
    const bad = await client.downloadStorageFile({ storageId: 's', path: 'bad.bin' }).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(FileDecryptionError);
    fake.override((r) => (r.path.endsWith('/denied.bin') ? new Response(JSON.stringify({ statusCode: 403, error: 'Forbidden', message: 'no' }), { status: 403 }) : undefined));
    await expect(client.downloadStorageFile({ storageId: 's', path: 'denied.bin' })).rejects.toMatchObject({
      code: 'ServerError',
      status: 403,
      serverCode: 'Forbidden',
    });
  });

  it('refuses paths digi.me would refuse, before sending anything', async () => {
    const { client, fake } = setup();
    const issues = async (call: Promise<unknown>) => ((await call.catch((e: unknown) => e)) as InvalidArgumentError).issues.map((i) => i.path);
    expect(await issues(client.uploadFileToStorage({ storageId: 's', fileName: 'a/b.txt', fileData: Buffer.from('x') }))).toEqual(['fileName']);
    expect(await issues(client.uploadFileToStorage({ storageId: 's', fileName: 'my file.txt', fileData: Buffer.from('x') }))).toEqual(['fileName']);
    expect(await issues(client.downloadStorageFile({ storageId: 's', path: 'folder/' }))).toEqual(['path']);
    expect(await issues(client.listStorageFiles({ storageId: '', path: 'a b' }))).toEqual(['storageId', 'path']);
    expect(fake.requests).toEqual([]);
  });

  it('getAuthorizeUrl({ storageId }) names the storage on the consent page by a reference', async () => {
    const { client, fake } = setup({ consentHandler: undefined });
    const { url } = await client.getAuthorizeUrl({ storageId: 'storage-provisional-1' });
    expect(new URL(url).searchParams.get('storageRef')).toBe('ref-cloudId-storage-provisional-1');
    expect(fake.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['POST oauth/authorize', 'GET jwks/oauth', 'POST reference']);
    expect(fake.requests[2]?.body).toEqual({ type: 'cloudId', value: 'storage-provisional-1' });
  });

  it('cloudBaseUrl: digi.me cloud by default, checked like the other addresses', async () => {
    const { fake } = setup();
    const seen: string[] = [];
    const client = createDigimeClient({
      appId: fake.appId,
      contractId: fake.contractId,
      privateKey: setup().app.privatePem,
      redirectUri: fake.redirectUri,
      fetch: async (input) => {
        seen.push(String(input));
        return new Response(JSON.stringify({ files: [], total: 0 }), { status: 200 });
      },
    });
    await client.listStorageFiles({ storageId: 's' });
    expect(seen).toEqual([`${DIGIME_CLOUD_BASE_URL}clouds/s/files/apps/${fake.appId}/?recursive=false`]);
    expect(() => createDigimeClient({ ...{ appId: 'a', contractId: 'c', redirectUri: 'https://a/cb' }, privateKey: setup().app.privatePem, cloudBaseUrl: 'ftp://x/' })).toThrow(
      ConfigurationError,
    );
  });
});

describe('strict options', () => {
  const NEW_CALLS = [
    'getContractDetails', 'querySources', 'queryCountries', 'queryPlatforms', 'queryCategories', 'getServiceSampleDataSets',
    'deleteAccount', 'getRevokeAccountPermissionUrl', 'getReauthorizeAccountUrl', 'readFileMetadata', 'getPortabilityReport',
    'pushData', 'createProvisionalStorage', 'getUserStorage', 'listStorageFiles', 'uploadFileToStorage', 'downloadStorageFile',
    'deleteStorageFiles',
  ] as const;

  /** Valid options of each call, so that the unknown key is the only thing wrong. */
  function valid(name: (typeof NEW_CALLS)[number], { oAuthToken, session, fake }: Ctx): Record<string, unknown> {
    const withAccount = { oAuthToken, accountId: fake.accountId };
    const options: Record<(typeof NEW_CALLS)[number], Record<string, unknown>> = {
      getContractDetails: {},
      querySources: { sourcesBodyParams: {} },
      queryCountries: {},
      queryPlatforms: {},
      queryCategories: {},
      getServiceSampleDataSets: { sourceId: 19 },
      deleteAccount: withAccount,
      getRevokeAccountPermissionUrl: withAccount,
      getReauthorizeAccountUrl: withAccount,
      readFileMetadata: { oAuthToken, sessionKey: session.key, fileName: FILE },
      getPortabilityReport: { oAuthToken, serviceType: 'medmij' },
      pushData: { oAuthToken, type: 'provider', accountId: fake.providerAccountId, version: 'stu3', data: {} },
      createProvisionalStorage: {},
      getUserStorage: { oAuthToken },
      listStorageFiles: { storageId: 's' },
      uploadFileToStorage: { storageId: 's', fileName: 'f', fileData: Buffer.from('x') },
      downloadStorageFile: { storageId: 's', path: 'f' },
      deleteStorageFiles: { storageId: 's', path: 'f' },
    };
    return options[name];
  }

  it.each(NEW_CALLS)('%s: an unknown key is InvalidArgument naming it, and nothing is sent', async (name) => {
    const ctx = await withToken();
    const method = (ctx.client as unknown as Record<string, (o: unknown) => Promise<unknown>>)[name]!.bind(ctx.client);
    const error = await method({ ...valid(name, ctx), bogusOption: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as InvalidArgumentError).issues).toEqual([{ path: 'bogusOption', message: `"bogusOption" is not an option of ${name}` }]);
    expect(ctx.sent()).toEqual([]);
    // The same options without it reach digi.me (which may still answer an error: there is no file "f").
    await method(valid(name, ctx)).catch((e: unknown) => expect(e).toBeInstanceOf(ServerError));
    expect(ctx.sent().length).toBeGreaterThan(0);
  });

  it.each(NEW_CALLS)('%s: no options object, or the wrong kind of value, is InvalidArgument', async (name) => {
    const { client, sent } = await withToken();
    const method = (client as unknown as Record<string, (o: unknown) => Promise<unknown>>)[name]!.bind(client);
    await expect(method('options')).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(method(null)).rejects.toBeInstanceOf(InvalidArgumentError);
    expect(sent()).toEqual([]);
  });

  it("points the official SDK's names to ours", async () => {
    const { client, oAuthToken, fake } = await withToken();
    const hints = async (call: Promise<unknown>) =>
      ((await call.catch((e: unknown) => e)) as InvalidArgumentError).issues.map((i) => `${i.path}: ${i.message}`).join('\n');
    expect(await hints(client.deleteAccount({ userAccessToken: oAuthToken, accountId: fake.accountId } as never))).toMatch(/userAccessToken: .*oAuthToken here/);
    expect(await hints(client.querySources({ contractDetails: {} } as never))).toMatch(/contractDetails: .*client options/);
    expect(await hints(client.getReauthorizeAccountUrl({ oAuthToken, accountId: 'a', callback: 'https://x', locale: 'nl' } as never))).toMatch(
      /callback: .*redirectUri[\s\S]*locale: .*lng/,
    );
    expect(await hints(client.readAccounts({ oAuthToken, accountId: 'a' } as never))).toMatch(/accountId: .*deleteAccount/);
    expect(await hints(client.getContractDetails({ storageId: 's' } as never))).toMatch(/storageId: .*listStorageFiles/);
    expect(await hints(client.queryCountries({ countriesBodyParams: { query: { filter: { id: ['528'] } } } } as never))).toMatch(
      /countriesBodyParams\.query\.filter\.id\.0/,
    );
  });

  it('body params must be plain JSON', async () => {
    const { client, fake } = setup();
    const error = await client.querySources({ sourcesBodyParams: { query: { anything: 10n } } as never }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as InvalidArgumentError).issues[0]).toMatchObject({ path: 'sourcesBodyParams', message: expect.stringContaining('plain JSON') });
    expect(fake.requests).toEqual([]);
  });
});
