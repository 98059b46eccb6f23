/**
 * Consent rules over HTTP (docs/protocol.md §3, §4): what `oauth/authorize` and `oauth/token/reference`
 * accept, what each consent page may hand out, how long each code lives, and what the code
 * exchange checks before it gives tokens.
 */
import { createHash } from 'node:crypto';
import { decodeJwt } from 'jose';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  authorizeAndExchange,
  bearer,
  consent,
  createHarness,
  REDIRECT_URI,
  type Harness,
} from '../support/harness.js';
import { newRsaKeyPair } from '../support/keys.js';
import { pkce, signRequest } from '../support/request-jwt.js';

let h: Harness;
beforeEach(async () => {
  h = await createHarness();
});

/** A whole second, so that lifetimes counted from it end on an exact millisecond. */
const T0 = Date.parse('2031-03-01T00:00:00.000Z');
const TEN_MINUTES_MS = 600_000;

const expectError = (res: { status: number; body: any }, status: number, code: string) => {
  expect({ status: res.status, code: res.body?.error?.code }).toEqual({ status, code });
};

async function clockAt(harness: Harness, ms: number) {
  // Frozen first, so that the clock stands exactly at the time it is set to.
  await harness.http.post('/__admin/clock').send({ freeze: true }).expect(200);
  const res = await harness.http.post('/__admin/clock').send({ set: new Date(ms).toISOString() }).expect(200);
  expect(res.body).toMatchObject({ nowMs: ms, frozen: true });
}

const challengeOf = (verifier: string) => createHash('sha256').update(verifier).digest('base64url');

/** `POST oauth/authorize` with the given claims (a valid challenge and redirect URI unless overridden). */
async function authorizeCall(harness: Harness, claims: Record<string, unknown> = {}, body: unknown = {}) {
  const req = harness.http
    .post('/v1.7/oauth/authorize')
    .set(bearer(await signRequest({ code_challenge: pkce().challenge, redirect_uri: REDIRECT_URI, ...claims })));
  return typeof body === 'string' ? req.set('content-type', 'application/json').send(body) : req.send(body as object);
}

async function preauthorizationCode(harness: Harness, claims: Record<string, unknown> = {}) {
  const res = await authorizeCall(harness, claims);
  expect(res.status).toBe(201);
  return (decodeJwt(res.body.token) as { preauthorization_code: string }).preauthorization_code;
}

/** A consent page decided at once (`autoConsent`), or shown; the redirect's parameters when it redirects. */
async function page(harness: Harness, name: 'authorize' | 'user-reauth' | 'onboard', query: Record<string, string>) {
  const res = await harness.http.get(`/apps/saas/${name}`).query({ autoConsent: 'accept', ...query });
  const params = res.status === 302 ? new URL(res.headers.location!).searchParams : undefined;
  return { res, params };
}

async function referenceCall(harness: Harness, accessToken: string, claims: Record<string, unknown> = {}) {
  return harness.http
    .post('/v1.7/oauth/token/reference')
    .set(bearer(await signRequest({ access_token: accessToken, redirect_uri: REDIRECT_URI, ...claims })));
}

async function referenceCode(harness: Harness, accessToken: string, claims: Record<string, unknown> = {}) {
  const res = await referenceCall(harness, accessToken, claims);
  expect(res.status).toBe(201);
  return (decodeJwt(res.body.token) as { reference_code: string }).reference_code;
}

async function exchange(harness: Harness, code: string | null, verifier: string, extra: object = {}) {
  return harness.http
    .post('/v1.7/oauth/token')
    .set(bearer(await signRequest({ code, code_verifier: verifier, grant_type: 'authorization_code', ...extra })));
}

async function accountsOf(harness: Harness, accessToken: string) {
  const res = await harness.http.get('/v1.7/permission-access/accounts').set(bearer(await signRequest({ access_token: accessToken })));
  expect(res.status).toBe(200);
  return (res.body as { reference: string }[]).map((a) => a.reference);
}

describe('oauth/authorize checks what it is asked for', () => {
  it('response_type may be left out, or be "code"; anything else is refused', async () => {
    expect((await authorizeCall(h, { response_type: 'code' })).status).toBe(201);
    expect((await authorizeCall(h)).status).toBe(201);
    for (const responseType of ['token', 'code token', '']) {
      const res = await authorizeCall(h, { response_type: responseType });
      expectError(res, 406, 'ValidationErrors');
      expect(res.body.error.message).toBe('Parameter validation errors: response_type must be code');
    }
  });

  it('redirect_uri is required and must be an absolute URL; any scheme will do', async () => {
    for (const missing of [undefined, '']) {
      const res = await authorizeCall(h, { redirect_uri: missing });
      expectError(res, 406, 'ValidationErrors');
      expect(res.body.error.message).toBe('Parameter validation errors: redirect_uri is required');
    }
    const relative = await authorizeCall(h, { redirect_uri: '/callback' });
    expectError(relative, 404, 'InvalidRedirectUri');
    expect(relative.body.error.message).toBe('The redirect_uri (/callback) is invalid');
    expect((await authorizeCall(h, { redirect_uri: 'com.example.app:/oauth' })).status).toBe(201);
  });

  it('a contract that lists redirect URIs accepts those', async () => {
    const keys = newRsaKeyPair();
    await h.http
      .post('/__admin/apps')
      .send({ appId: 'strict', contractId: 'c', publicKey: keys.publicKeyPem, redirectUris: ['https://app.example/a', 'https://app.example/b'] })
      .expect(201);
    for (const uri of ['https://app.example/a', 'https://app.example/b']) {
      const res = await h.http
        .post('/v1.7/oauth/authorize')
        .set(bearer(await signRequest({ code_challenge: pkce().challenge, redirect_uri: uri }, { key: keys.privateKey, clientId: 'strict_c' })));
      expect(res.status).toBe(201);
    }
  });

  it('code_challenge must be exactly 43 base64url characters', async () => {
    const good = pkce().challenge;
    expect((await authorizeCall(h, { code_challenge: good })).status).toBe(201);
    expect((await authorizeCall(h, { code_challenge: 'aZ09_-'.repeat(7) + 'x' })).status).toBe(201);
    const bad = [
      good.slice(1), // 42
      good + 'A', // 44
      'A' + good, // 44
      '!' + good.slice(1),
      good.slice(0, 42) + '=',
      good.slice(0, 20) + '+' + good.slice(21),
      good.slice(0, 20) + '/' + good.slice(21),
      good.slice(0, 20) + ' ' + good.slice(21),
    ];
    for (const challenge of bad) {
      const res = await authorizeCall(h, { code_challenge: challenge });
      expectError(res, 406, 'ValidationErrors');
      expect(res.body.error.message).toBe('Parameter validation errors: code_challenge must be 43 base64url characters');
    }
    expectError(await authorizeCall(h, { code_challenge: 42 }), 406, 'ValidationErrors');
  });

  it('code_challenge_method may be left out or be S256; "plain" is refused', async () => {
    expect((await authorizeCall(h, { code_challenge_method: 'S256' })).status).toBe(201);
    const plain = await authorizeCall(h, { code_challenge_method: 'plain' });
    expectError(plain, 406, 'ValidationErrors');
    expect(plain.body.error.message).toBe('Parameter validation errors: code_challenge_method must be S256');
  });

  it('optional claims may be null, but not of another type', async () => {
    const res = await authorizeCall(h, { state: null, code_challenge_method: null, response_type: null });
    expect(res.status).toBe(201);
    const numeric = await authorizeCall(h, { state: 7 });
    expectError(numeric, 406, 'ValidationErrors');
    expect(numeric.body.error.message).toBe('Parameter validation errors: state must be a string');
    expectError(await authorizeCall(h, { response_type: ['code'] }), 406, 'ValidationErrors');
  });

  it('a malformed actions.pull is refused, naming where it is wrong', async () => {
    const res = await authorizeCall(h, {}, { actions: { pull: { scope: { timeRanges: [{ from: 'yesterday' }] } } } });
    expectError(res, 406, 'ValidationErrors');
    expect(res.body.error.message).toContain('actions.pull.scope.timeRanges');
  });

  it('a body of null, or actions of null, asks for nothing in particular', async () => {
    expect((await authorizeCall(h, {}, 'null')).status).toBe(201);
    expect((await authorizeCall(h, {}, { actions: null })).status).toBe(201);
    expect((await authorizeCall(h, {}, { actions: { pull: null } })).status).toBe(201);
  });
});

describe('consent pages', () => {
  it('a preauthorization code works until the instant its lifetime ends', async () => {
    await clockAt(h, T0);
    const early = await preauthorizationCode(h);
    const late = await preauthorizationCode(h);
    await clockAt(h, T0 + TEN_MINUTES_MS - 1);
    expect((await page(h, 'authorize', { code: early })).res.status).toBe(302);
    await clockAt(h, T0 + TEN_MINUTES_MS);
    const expired = await page(h, 'authorize', { code: late });
    expect(expired.res.status).toBe(400);
    expect(expired.res.text).toContain('expired');
  });

  it('a reference code opens the user-reauth and onboard pages, not the authorize page', async () => {
    const { payload } = await authorizeAndExchange(h);
    const onAuthorize = await page(h, 'authorize', { code: await referenceCode(h, payload.access_token.value) });
    expect(onAuthorize.res.status).toBe(400);
    expect(onAuthorize.res.text).toContain('not valid for this page');
    expect((await page(h, 'user-reauth', { code: await referenceCode(h, payload.access_token.value) })).res.status).toBe(302);
    expect((await page(h, 'onboard', { code: await referenceCode(h, payload.access_token.value) })).res.status).toBe(302);
  });

  it('an authorize code opens the authorize page only', async () => {
    for (const other of ['user-reauth', 'onboard'] as const) {
      const res = await page(h, other, { code: await preauthorizationCode(h) });
      expect(res.res.status).toBe(400);
    }
  });

  it('an unknown code is not valid on any page', async () => {
    for (const name of ['authorize', 'user-reauth', 'onboard'] as const) {
      const { res } = await page(h, name, { code: 'no-such-code' });
      expect(res.status).toBe(400);
      expect(res.text).toContain('This consent link is not valid.');
    }
  });

  it('approving needs a user that exists, and names the one that does not', async () => {
    const { res } = await page(h, 'authorize', { code: await preauthorizationCode(h), user: 'ghost' });
    expect(res.status).toBe(400);
    expect(res.text).toMatch(/There is no user (&quot;|&#34;|")ghost/);
  });

  it('denying needs no user, even one that does not exist', async () => {
    const { params } = await page(h, 'authorize', { code: await preauthorizationCode(h, { state: 'd1' }), autoConsent: 'deny', user: 'ghost' });
    expect(Object.fromEntries(params!)).toEqual({
      success: 'false',
      errorCode: 'ConsentDenied',
      errorMessage: 'The user did not give consent',
      state: 'd1',
    });
  });

  it('the data session authorize handed out becomes the consent\'s once it is given', async () => {
    const { session, payload } = await authorizeAndExchange(h);
    const res = await h.http
      .get(`/v1.7/permission-access/query/${session.key}`)
      .set(bearer(await signRequest({ access_token: payload.access_token.value })));
    expect(res.status).toBe(200);
  });

  it('without a state the redirect carries none', async () => {
    const { params } = await page(h, 'authorize', { code: await preauthorizationCode(h) });
    expect([...params!.keys()].sort()).toEqual(['accountReference', 'code', 'success']);
    const denied = await page(h, 'authorize', { code: await preauthorizationCode(h), autoConsent: 'deny' });
    expect([...denied.params!.keys()].sort()).toEqual(['errorCode', 'errorMessage', 'success']);
  });

  it('the authorize page answers with the consent\'s first account, whatever service is named', async () => {
    const { params } = await page(h, 'authorize', { code: await preauthorizationCode(h), service: '4' });
    expect(params!.get('accountReference')).toBe('acc-demo-spotify-0001');
  });

  it('onboarding a service adds its account to the consent', async () => {
    const music = await authorizeAndExchange(h, { body: { actions: { pull: { scope: { serviceGroups: [{ id: 5 }] } } } } });
    expect(await accountsOf(h, music.payload.access_token.value)).toEqual(['acc-demo-spotify-0001']);
    const { params } = await page(h, 'onboard', { code: await referenceCode(h, music.payload.access_token.value), service: '4' });
    expect(params!.get('accountReference')).toBe('acc-demo-instagram-0001');
    expect(await accountsOf(h, music.payload.access_token.value)).toEqual(['acc-demo-spotify-0001', 'acc-demo-instagram-0001']);
    // Onboarding it again adds nothing.
    await page(h, 'onboard', { code: await referenceCode(h, music.payload.access_token.value), service: '4' });
    expect(h.authority.consent(music.payload.consentid)?.accountReferences).toEqual(['acc-demo-spotify-0001', 'acc-demo-instagram-0001']);
  });

  it('onboarding a service the user has no account of changes nothing', async () => {
    const music = await authorizeAndExchange(h, { body: { actions: { pull: { scope: { serviceGroups: [{ id: 5 }] } } } } });
    const { params } = await page(h, 'onboard', { code: await referenceCode(h, music.payload.access_token.value), service: '999' });
    expect(params!.get('success')).toBe('true');
    expect(params!.get('accountReference')).toBe('acc-demo-spotify-0001');
    expect(await accountsOf(h, music.payload.access_token.value)).toEqual(['acc-demo-spotify-0001']);
  });

  it('re-authorisation stays with the consent\'s own user, whoever the page is told', async () => {
    const alex = await authorizeAndExchange(h, { user: 'alex' });
    const onboard = await page(h, 'onboard', { code: await referenceCode(h, alex.payload.access_token.value), service: '4', user: 'demo' });
    expect(onboard.params!.get('accountReference')).toBe('acc-alex-instagram-0001');

    const shown = await h.http.get('/apps/saas/user-reauth').query({ code: await referenceCode(h, alex.payload.access_token.value) });
    expect(shown.status).toBe(200);
    expect(shown.text).toContain('Alex');
    expect(shown.text).not.toContain('<option value="demo"');

    const { verifier, challenge } = pkce();
    const reauth = await page(h, 'user-reauth', { code: await referenceCode(h, alex.payload.access_token.value, { code_challenge: challenge }), user: 'demo' });
    const res = await exchange(h, reauth.params!.get('code'), verifier);
    expect(res.status).toBe(201);
    expect(decodeJwt(res.body.token)).toMatchObject({ sub: 'alex', consentid: alex.payload.consentid });
  });

  it('the onboard page never hands out an authorization code, even for a reference with a challenge', async () => {
    const { payload } = await authorizeAndExchange(h);
    const code = await referenceCode(h, payload.access_token.value, { code_challenge: pkce().challenge, state: 'o2' });
    const { params } = await page(h, 'onboard', { code, service: '19' });
    expect(params!.get('success')).toBe('true');
    expect(params!.get('state')).toBe('o2');
    expect(params!.has('code')).toBe(false);
  });

  it('user-reauth hands out an authorization code only when the reference carried a challenge', async () => {
    const { payload } = await authorizeAndExchange(h);
    const { params } = await page(h, 'user-reauth', { code: await referenceCode(h, payload.access_token.value) });
    expect(params!.get('success')).toBe('true');
    expect(params!.has('code')).toBe(false);
  });
});

describe('oauth/token/reference', () => {
  it('refuses a malformed code_challenge, and a missing or relative redirect_uri', async () => {
    const { payload } = await authorizeAndExchange(h);
    const good = pkce().challenge;
    for (const challenge of [good.slice(1), good + 'A', 'A' + good, good.slice(0, 42) + '=']) {
      const res = await referenceCall(h, payload.access_token.value, { code_challenge: challenge });
      expectError(res, 406, 'ValidationErrors');
      expect(res.body.error.message).toBe('Parameter validation errors: code_challenge must be 43 base64url characters');
    }
    expectError(await referenceCall(h, payload.access_token.value, { code_challenge: 42 }), 406, 'ValidationErrors');
    expectError(await referenceCall(h, payload.access_token.value, { redirect_uri: undefined }), 406, 'ValidationErrors');
    expectError(await referenceCall(h, payload.access_token.value, { redirect_uri: 'callback' }), 404, 'InvalidRedirectUri');
    expect((await referenceCall(h, payload.access_token.value, { code_challenge: good })).status).toBe(201);
  });

  it('a reference code works until the instant its lifetime ends', async () => {
    await clockAt(h, T0);
    const { payload } = await authorizeAndExchange(h);
    const early = await referenceCode(h, payload.access_token.value);
    const late = await referenceCode(h, payload.access_token.value);
    await clockAt(h, T0 + TEN_MINUTES_MS - 1);
    expect((await page(h, 'user-reauth', { code: early })).res.status).toBe(302);
    await clockAt(h, T0 + TEN_MINUTES_MS);
    const expired = await page(h, 'user-reauth', { code: late });
    expect(expired.res.status).toBe(400);
    expect(expired.res.text).toContain('expired');
  });
});

describe('the code exchange', () => {
  it('an authorization code works until the instant its lifetime ends', async () => {
    await clockAt(h, T0);
    const early = await consent(h);
    const late = await consent(h);
    await clockAt(h, T0 + TEN_MINUTES_MS - 1);
    expect((await exchange(h, early.params.get('code'), early.verifier)).status).toBe(201);
    await clockAt(h, T0 + TEN_MINUTES_MS);
    const res = await exchange(h, late.params.get('code'), late.verifier);
    expectError(res, 400, 'InvalidGrant');
    expect(res.body.error.message).toContain('expired');
  });

  it('each refusal of the code exchange says why', async () => {
    const { params, verifier } = await consent(h);
    const unknown = await exchange(h, 'no-such-code', verifier);
    expectError(unknown, 400, 'InvalidGrant');
    expect(unknown.body.error.message).toBe('The authorization code is invalid');
    const mismatch = await exchange(h, params.get('code'), pkce().verifier);
    expectError(mismatch, 400, 'InvalidGrant');
    expect(mismatch.body.error.message).toBe('The code_verifier does not match the code_challenge');
    expect((await exchange(h, params.get('code'), verifier)).status).toBe(201);
    const replay = await exchange(h, params.get('code'), verifier);
    expectError(replay, 400, 'InvalidGrant');
    expect(replay.body.error.message).toBe('The authorization code has already been used');
  });

  it('the code and the verifier are required strings', async () => {
    const { params, verifier } = await consent(h);
    expectError(await exchange(h, '', verifier), 406, 'ValidationErrors');
    expectError(await exchange(h, params.get('code'), ''), 406, 'ValidationErrors');
    expectError(await exchange(h, params.get('code'), verifier, { code_verifier: 42 }), 406, 'ValidationErrors');
    expect((await exchange(h, params.get('code'), verifier)).status).toBe(201);
  });

  it('a redirect_uri, if sent, must be the one the code was issued for', async () => {
    const { params, verifier } = await consent(h);
    expectError(await exchange(h, params.get('code'), verifier, { redirect_uri: REDIRECT_URI + '/' }), 404, 'InvalidRedirectUri');
    expect((await exchange(h, params.get('code'), verifier, { redirect_uri: REDIRECT_URI })).status).toBe(201);
  });

  it('the PKCE verifier is 43 to 128 unreserved characters, even when its hash matches the challenge', async () => {
    const unreserved = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~';
    const base = unreserved.repeat(2); // 132 characters
    const accepted = [base.slice(0, 43), base.slice(0, 128), '.~_-'.repeat(11).slice(0, 43), base.slice(60, 103)];
    const refused = [
      base.slice(0, 42),
      base.slice(0, 129),
      '+' + base.slice(0, 43),
      base.slice(0, 43) + '+',
      base.slice(0, 20) + '/' + base.slice(0, 22),
      base.slice(0, 20) + ' ' + base.slice(0, 22),
      base.slice(0, 20) + '=' + base.slice(0, 22),
    ];
    for (const verifier of [...accepted, ...refused]) {
      const { params } = await consent(h, { claims: { code_challenge: challengeOf(verifier) } });
      const res = await exchange(h, params.get('code'), verifier);
      if (accepted.includes(verifier)) expect(res.status, verifier).toBe(201);
      else expectError(res, 400, 'InvalidGrant');
    }
  });

  it('a code\'s tokens belong to the consent given on the page, by the user who gave it', async () => {
    const { payload } = await authorizeAndExchange(h, { user: 'alex' });
    expect(payload.sub).toBe('alex');
    expect(await accountsOf(h, payload.access_token.value)).toEqual(['acc-alex-spotify-0001', 'acc-alex-instagram-0001']);
  });
});
