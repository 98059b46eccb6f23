/**
 * Consent across requests, as a web app does it: step one (`getAuthorizeUrl`, `getReauthorizeUrl`,
 * `getOnboardServiceUrl`) hands back plain JSON to keep; step two (`exchangeCodeForToken`,
 * `completeOnboardService`) finishes on any instance of the same contract.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  ConsentDeniedError,
  ConsentFailedError,
  createDigimeClient,
  createRedirectConsentHandler,
  InvalidTokenError,
  OAuthTokenExpiredError,
  ServerError,
  UnexpectedResponseError,
} from '../src/index.js';
import type { DigimeClient, TokenChangeEvent } from '../src/index.js';
import type { FakeDigime } from './helpers/fake-digime.js';
import { setup } from './helpers/setup.js';

type Setup = ReturnType<typeof setup>;

/** Another instance of the same app (say, after a restart): same contract, nothing shared in memory. */
function anotherInstance(ctx: Setup, changes: TokenChangeEvent[] = []): DigimeClient {
  return createDigimeClient({
    appId: ctx.fake.appId,
    contractId: ctx.fake.contractId,
    privateKey: ctx.app.privatePem,
    baseUrl: ctx.fake.baseUrl,
    onboardUrl: ctx.fake.onboardUrl,
    redirectUri: ctx.fake.redirectUri,
    fetch: ctx.fake.fetch,
    now: () => ctx.clock.now,
    onTokenChange: (event) => void changes.push(event),
  });
}

/** What the user's browser does on the consent page: decide, and follow digi.me's redirect to the callback. */
async function visit(fake: FakeDigime, url: string, decision: 'accept' | 'deny' = 'accept'): Promise<string> {
  const page = new URL(url);
  page.searchParams.set('autoConsent', decision);
  const response = await fake.fetch(page.href, { redirect: 'manual' });
  const location = response.headers.get('location');
  if (response.status !== 302 || !location) throw new Error(`the consent page answered ${response.status}`);
  return location;
}

/** JSON in, JSON out: what a session cookie or store does to the kept values. */
const keep = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

describe('getAuthorizeUrl and exchangeCodeForToken', () => {
  it('start on one instance and finish on another, from plain JSON', async () => {
    const ctx = setup();
    const scope = { serviceGroups: [{ id: 5 }] };
    const started = await ctx.client.getAuthorizeUrl({ scope, sessionOptions: { sourceFetch: false }, serviceId: 19, lng: 'nl' });
    expect(Object.keys(started).sort()).toEqual(['codeVerifier', 'session', 'state', 'url']);
    expect(keep(started)).toEqual(started);
    expect(started.codeVerifier).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(started.state).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(started.session).toEqual({ key: expect.any(String), expiry: expect.any(Number) });

    const url = new URL(started.url);
    expect(`${url.origin}${url.pathname}`).toBe(`${ctx.fake.onboardUrl}authorize`);
    expect([...url.searchParams.keys()]).toEqual(['code', 'sourceType', 'service', 'lng']);
    expect(url.searchParams.get('service')).toBe('19');

    const [authorize] = ctx.fake.requests;
    expect(authorize?.path).toBe('oauth/authorize');
    expect(authorize?.claims).toMatchObject({ state: started.state, redirect_uri: ctx.fake.redirectUri, code_challenge_method: 'S256' });
    expect(authorize?.claims?.code_challenge).toBe(createHash('sha256').update(started.codeVerifier).digest('base64url'));
    expect(authorize?.claims).not.toHaveProperty('access_token');
    expect(authorize?.body).toMatchObject({ actions: { pull: { scope, sourceFetch: false } } });

    const callback = await visit(ctx.fake, started.url);
    const changes: TokenChangeEvent[] = [];
    const later = anotherInstance(ctx, changes);
    const kept = keep(started);
    const token = await later.exchangeCodeForToken({ callback, codeVerifier: kept.codeVerifier, state: kept.state });

    expect(token).toMatchObject({ tokenType: 'Bearer', sub: 'user-1', consentId: 'consent-1' });
    expect(changes).toEqual([{ token, previous: undefined, reason: 'consent' }]);
    const exchange = ctx.fake.requests.find((r) => r.path === 'oauth/token');
    expect(exchange?.claims).toMatchObject({ grant_type: 'authorization_code', code_verifier: kept.codeVerifier });
    // The token is in force for data calls.
    await expect(later.readAccounts({ oAuthToken: token })).resolves.toMatchObject({ oAuthToken: token });
  });

  it('takes the callback as a URL, a string, its query, URLSearchParams or the parsed query', async () => {
    const ctx = setup();
    const forms: ((callback: URL) => unknown)[] = [
      (c) => c,
      (c) => c.href,
      (c) => `${c.pathname}${c.search}`,
      (c) => c.search,
      (c) => c.search.slice(1),
      (c) => c.searchParams,
      (c) => Object.fromEntries(c.searchParams),
    ];
    for (const form of forms) {
      const started = await ctx.client.getAuthorizeUrl();
      const callback = new URL(await visit(ctx.fake, started.url));
      const token = await ctx.client.exchangeCodeForToken({
        callback: form(callback) as string,
        codeVerifier: started.codeVerifier,
        state: started.state,
      });
      expect(token.accessToken.value).toMatch(/\S/);
    }
  });

  it('refuses a callback for another consent (state) without exchanging its code', async () => {
    const ctx = setup();
    const mine = await ctx.client.getAuthorizeUrl();
    const theirs = await ctx.client.getAuthorizeUrl();
    const callback = await visit(ctx.fake, theirs.url);
    const before = ctx.fake.count('oauth/token');
    const error = await ctx.client
      .exchangeCodeForToken({ callback, codeVerifier: mine.codeVerifier, state: mine.state })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConsentFailedError);
    expect(error).toMatchObject({ code: 'ConsentFailed', errorCode: 'StateMismatch' });
    expect(ctx.fake.count('oauth/token')).toBe(before);
  });

  it('reports a refused consent as ConsentDenied', async () => {
    const ctx = setup();
    const started = await ctx.client.getAuthorizeUrl();
    const callback = await visit(ctx.fake, started.url, 'deny');
    const error = await ctx.client.exchangeCodeForToken({ callback, ...started }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConsentDeniedError);
    expect(error).toMatchObject({ code: 'ConsentDenied', errorCode: 'ConsentDenied' });
    expect(ctx.fake.count('oauth/token')).toBe(0);
  });

  it('takes back the whole object step one returned; a wrong verifier is digi.me\'s InvalidGrant', async () => {
    const ctx = setup();
    const started = await ctx.client.getAuthorizeUrl();
    const callback = await visit(ctx.fake, started.url);
    await expect(ctx.client.exchangeCodeForToken({ callback, ...keep(started) })).resolves.toMatchObject({ tokenType: 'Bearer' });

    const again = await ctx.client.getAuthorizeUrl();
    const error = await ctx.client
      .exchangeCodeForToken({ callback: await visit(ctx.fake, again.url), state: again.state, codeVerifier: 'x'.repeat(43) })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServerError);
    expect(error).toMatchObject({ status: 400, serverCode: 'InvalidGrant' });
  });

  it('a callback without a code is ConsentFailed (InvalidRedirect)', async () => {
    const ctx = setup();
    const started = await ctx.client.getAuthorizeUrl();
    await expect(
      ctx.client.exchangeCodeForToken({ callback: `?success=true&state=${started.state}`, codeVerifier: started.codeVerifier, state: started.state }),
    ).rejects.toMatchObject({ code: 'ConsentFailed', errorCode: 'InvalidRedirect' });
  });

  it('an authorize answer without a session is UnexpectedResponse (the app could not read its data)', async () => {
    let inner: typeof fetch = fetch;
    const { client, fake } = setup({
      fetch: async (input, init) => {
        const response = await inner(input, init);
        if (!String(input).endsWith('oauth/authorize')) return response;
        const { token } = (await response.json()) as { token: string };
        return new Response(JSON.stringify({ token }), { status: 201 });
      },
    });
    inner = fake.fetch;
    await expect(client.getAuthorizeUrl()).rejects.toBeInstanceOf(UnexpectedResponseError);
  });

  it('puts the consent page options in the URL as the official SDK does', async () => {
    const { client } = setup();
    const { url } = await client.getAuthorizeUrl({
      sourceType: 'push',
      serviceId: 19,
      sampleData: { dataSet: 'default', autoOnboard: true },
      lng: 'en',
      includeSampleDataOnlySources: false,
      triggerQuery: false,
      sourcesScope: { dataType: ['gp-data'] },
    });
    const params = new URL(url).searchParams;
    expect(Object.fromEntries(params)).toEqual({
      code: expect.any(String),
      sourceType: 'push',
      service: '19',
      sampleDataSet: 'default',
      sampleDataAutoOnboard: 'true',
      lng: 'en',
      includeSampleDataOnlySources: 'false',
      triggerQuery: 'false',
      sourcesScope: encodeURIComponent(JSON.stringify({ dataType: ['gp-data'] })),
    });
  });
});

describe('getReauthorizeUrl: renewing the consent of a stored token', () => {
  it('works with a token whose refresh token has expired, and the new token is in force', async () => {
    const ctx = setup({ autoRecoverExpiredCredentials: false });
    const { oAuthToken } = await ctx.client.authorizeOngoingAccess();
    ctx.clock.advance(31 * 86400);
    await expect(ctx.client.readAccounts({ oAuthToken })).rejects.toBeInstanceOf(OAuthTokenExpiredError);

    const requestsBefore = ctx.fake.requests.length;
    const started = await ctx.client.getReauthorizeUrl({ oAuthToken: keep(oAuthToken), lng: 'en', triggerQuery: false });
    expect(keep(started)).toEqual(started);
    const [reference] = ctx.fake.requests.slice(requestsBefore);
    expect(reference?.path).toBe('oauth/token/reference');
    expect(Object.keys(reference?.claims ?? {}).sort()).toEqual([
      'access_token',
      'client_id',
      'code_challenge',
      'code_challenge_method',
      'nonce',
      'redirect_uri',
      'state',
      'timestamp',
    ]);
    expect(reference?.claims).toMatchObject({ access_token: oAuthToken.accessToken.value, state: started.state, code_challenge_method: 'S256' });
    expect(reference?.claims?.code_challenge).toBe(createHash('sha256').update(started.codeVerifier).digest('base64url'));
    // The token only names the consent: it is sent as stored, with no refresh first.
    expect(ctx.fake.requests.slice(requestsBefore).some((r) => r.claims?.grant_type === 'refresh_token')).toBe(false);
    const url = new URL(started.url);
    expect(`${url.origin}${url.pathname}`).toBe(`${ctx.fake.onboardUrl}user-reauth`);
    expect(Object.fromEntries(url.searchParams)).toEqual({ code: expect.any(String), lng: 'en', triggerQuery: 'false' });

    const callback = await visit(ctx.fake, started.url);
    const renewed = await anotherInstance(ctx).exchangeCodeForToken({ callback, codeVerifier: started.codeVerifier, state: started.state });
    expect(renewed.refreshToken.value).not.toBe(oAuthToken.refreshToken.value);
    await expect(ctx.client.readAccounts({ oAuthToken: renewed })).resolves.toMatchObject({ accounts: [{ id: 'acc-1' }] });
  });

  it('a token digi.me does not know cannot be renewed: InvalidToken', async () => {
    const ctx = setup();
    const { oAuthToken } = await ctx.client.authorizeOngoingAccess();
    const unknown = { ...oAuthToken, accessToken: { ...oAuthToken.accessToken, value: 'never-issued' } };
    const error = await ctx.client.getReauthorizeUrl({ oAuthToken: unknown }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidTokenError);
    expect((error as InvalidTokenError).cause).toMatchObject({ status: 401, serverCode: 'InvalidToken' });
  });
});

describe('getOnboardServiceUrl and completeOnboardService', () => {
  it('asks for a token reference without PKCE and ends with the onboarded account', async () => {
    const ctx = setup();
    const { oAuthToken } = await ctx.client.authorizeOngoingAccess();
    const before = ctx.fake.requests.length;
    const started = await ctx.client.getOnboardServiceUrl({ oAuthToken, serviceId: 19 });
    expect(keep(started)).toEqual(started);
    expect(started.oAuthToken).toBe(oAuthToken);
    const [reference] = ctx.fake.requests.slice(before);
    expect(reference?.path).toBe('oauth/token/reference');
    expect(Object.keys(reference?.claims ?? {}).sort()).toEqual(['access_token', 'client_id', 'nonce', 'redirect_uri', 'state', 'timestamp']);
    expect(reference?.claims).toMatchObject({ access_token: oAuthToken.accessToken.value, state: started.state });
    const url = new URL(started.url);
    expect(`${url.origin}${url.pathname}`).toBe(`${ctx.fake.onboardUrl}onboard`);
    expect(Object.fromEntries(url.searchParams)).toEqual({ code: expect.any(String), sourceType: 'pull', service: '19' });

    const callback = await visit(ctx.fake, started.url);
    await expect(anotherInstance(ctx).completeOnboardService({ callback, state: started.state })).resolves.toEqual({
      accountReference: 'ref-2',
    });
    await expect(ctx.client.completeOnboardService({ callback, state: 'another' })).rejects.toMatchObject({
      code: 'ConsentFailed',
      errorCode: 'StateMismatch',
    });
  });

  it('refreshes an expired access token first and returns the new token', async () => {
    const ctx = setup();
    const { oAuthToken } = await ctx.client.authorizeOngoingAccess();
    ctx.clock.advance(2 * 3600);
    const started = await ctx.client.getOnboardServiceUrl({ oAuthToken });
    expect(started.oAuthToken.accessToken.value).not.toBe(oAuthToken.accessToken.value);
    expect(ctx.fake.refreshCount()).toBe(1);
  });

  it('a refusal is ConsentDenied', async () => {
    const ctx = setup();
    const { oAuthToken } = await ctx.client.authorizeOngoingAccess();
    const started = await ctx.client.getOnboardServiceUrl({ oAuthToken });
    const callback = await visit(ctx.fake, started.url, 'deny');
    await expect(ctx.client.completeOnboardService({ callback, state: started.state })).rejects.toBeInstanceOf(ConsentDeniedError);
  });
});

describe('the redirect consent handler is the same two steps in one process', () => {
  it('authorizeOngoingAccess waits for the callback that the app route hands to complete()', async () => {
    const routes: string[] = [];
    let ctx!: Setup;
    const consent = createRedirectConsentHandler({
      // The user's browser, sent to the consent page, comes back to the callback route.
      open: async ({ url }) => {
        const callback = await visit(ctx.fake, url);
        routes.push(callback);
        expect(consent.complete(callback)).toBe(true);
      },
    });
    ctx = setup({ consentHandler: consent.handler });
    const result = await ctx.client.authorizeOngoingAccess();
    expect(result).toMatchObject({ consented: true, accountReference: 'ref-1' });
    expect(routes).toHaveLength(1);
    expect(consent.pending).toBe(0);
  });
});
