/** Consent, code exchange and refresh over HTTP (docs/protocol.md §3, §4, §6, §8). */
import { createPublicKey } from 'node:crypto';
import { compactVerify, decodeJwt, decodeProtectedHeader, importSPKI, jwtVerify } from 'jose';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  authorizeAndExchange,
  bearer,
  consent,
  createHarness,
  refresh,
  REDIRECT_URI,
  type Harness,
} from '../support/harness.js';
import { newRsaKeyPair } from '../support/keys.js';
import { pkce, signRequest } from '../support/request-jwt.js';

let h: Harness;
beforeEach(async () => {
  h = await createHarness();
});

const DAY = 86_400;
const expectError = (res: { status: number; body: any }, status: number, code: string) => {
  expect({ status: res.status, code: res.body?.error?.code }).toEqual({ status, code });
};
const exchange = async (code: string | null, verifier: string, extra: object = {}) =>
  h.http
    .post('/v1.7/oauth/token')
    .set(bearer(await signRequest({ code, code_verifier: verifier, grant_type: 'authorization_code', ...extra })));

describe('JWKS', () => {
  it('serves the signing key with pem and the standard JWK members', async () => {
    const res = await h.http.get('/v1.7/jwks/oauth').expect(200);
    const [key] = res.body.keys;
    expect(key).toMatchObject({ kid: h.authority.overview().kid, kty: 'RSA', alg: 'PS512', use: 'sig' });
    expect(key.pem).toContain('BEGIN PUBLIC KEY');
    expect(createPublicKey(key.pem).asymmetricKeyDetails?.modulusLength).toBeGreaterThanOrEqual(2048);
    expect(typeof key.n).toBe('string');
    expect(key.e).toBe('AQAB');
    expect(JSON.stringify(res.body)).not.toMatch(/"d"|"p"|"q"|PRIVATE/);
  });
});

describe('authorize and consent', () => {
  it('answers 201 with a signed preauthorization code and a session', async () => {
    const { challenge } = pkce();
    const res = await h.http
      .post('/v1.7/oauth/authorize')
      .set(bearer(await signRequest({ code_challenge: challenge, code_challenge_method: 'S256', redirect_uri: REDIRECT_URI, response_mode: 'query', response_type: 'code', state: 'xyz' })))
      .send({ agent: { sdk: { name: 'js', version: '9.0.0', meta: {} } } });
    expect(res.status).toBe(201);
    const header = decodeProtectedHeader(res.body.token);
    expect(header).toMatchObject({ alg: 'PS512', typ: 'JWT', kid: h.authority.overview().kid });
    expect(header.jku).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1\.7\/jwks\/oauth$/);
    const key = await importSPKI(h.authority.jwks().keys[0]!.pem, 'PS512');
    const { payload } = await compactVerify(res.body.token, key, { algorithms: ['PS512'] });
    expect(JSON.parse(Buffer.from(payload).toString())).toEqual({ preauthorization_code: expect.any(String) });
    expect(res.body.session).toEqual({ key: expect.any(String), expiry: expect.any(Number) });
    expect(res.body.session.expiry).toBeGreaterThan(Date.now()); // ms
  });

  it('approval redirects with success, state, code and an accountReference of the user', async () => {
    const { params, state } = await consent(h);
    expect(params.get('success')).toBe('true');
    expect(params.get('state')).toBe(state);
    expect(params.get('code')).toMatch(/^[\w-]{20,}$/);
    const refs = h.authority.user('demo')!.accounts.map((a) => a.reference);
    expect(refs).toContain(params.get('accountReference'));
  });

  it('denial redirects with success=false, ConsentDenied and the state', async () => {
    const { params, state } = await consent(h, { decision: 'deny' });
    expect(Object.fromEntries(params)).toEqual({
      success: 'false',
      errorCode: 'ConsentDenied',
      errorMessage: expect.any(String),
      state,
    });
  });

  it('a preauthorization code is single-use', async () => {
    const { preauthorization_code } = await consent(h);
    const again = await h.http.get('/apps/saas/authorize').query({ code: preauthorization_code, autoConsent: 'accept' });
    expect(again.status).toBe(400);
    expect(again.headers['content-type']).toMatch(/text\/html/);
    expect(again.text).toContain('already been used');
  });

  it('a preauthorization code expires after its lifetime of mock time', async () => {
    const h2 = await createHarness({ ttl: { preauthorizationCode: 60 } });
    const { challenge } = pkce();
    const res = await h2.http
      .post('/v1.7/oauth/authorize')
      .set(bearer(await signRequest({ code_challenge: challenge, redirect_uri: REDIRECT_URI, state: 's' })));
    const { preauthorization_code } = decodeJwt(res.body.token) as { preauthorization_code: string };
    h2.authority.clock.advance(61);
    const page = await h2.http.get('/apps/saas/authorize').query({ code: preauthorization_code });
    expect(page.status).toBe(400);
    expect(page.text).toContain('expired');
  });

  it('an unknown code shows an error page, not a redirect', async () => {
    const page = await h.http.get('/apps/saas/authorize').query({ code: 'nope', autoConsent: 'accept' });
    expect(page.status).toBe(400);
    expect(page.headers.location).toBeUndefined();
  });

  it('refuses a missing or malformed PKCE challenge and a plain method', async () => {
    const post = async (claims: object) =>
      h.http.post('/v1.7/oauth/authorize').set(bearer(await signRequest({ redirect_uri: REDIRECT_URI, ...claims })));
    expectError(await post({}), 406, 'ValidationErrors');
    expectError(await post({ code_challenge: 'short' }), 406, 'ValidationErrors');
    expectError(await post({ code_challenge: pkce().challenge, code_challenge_method: 'plain' }), 406, 'ValidationErrors');
  });

  it('refuses a redirect_uri the contract does not list: 404 InvalidRedirectUri', async () => {
    const keys = newRsaKeyPair();
    await h.http
      .post('/__admin/apps')
      .send({ appId: 'strict', contractId: 'c', publicKey: keys.publicKeyPem, redirectUris: ['https://app.example/cb'] })
      .expect(201);
    const res = await h.http
      .post('/v1.7/oauth/authorize')
      .set(bearer(await signRequest({ code_challenge: pkce().challenge, redirect_uri: 'https://evil.example/cb' }, { key: keys.privateKey, clientId: 'strict_c' })));
    expectError(res, 404, 'InvalidRedirectUri');
    expect(res.body.error.message).toBe('The redirect_uri (https://evil.example/cb) is invalid');
  });

  it('rejects malformed JSON bodies with ValidationErrors, not 500', async () => {
    const res = await h.http
      .post('/v1.7/oauth/authorize')
      .set(bearer(await signRequest({ code_challenge: pkce().challenge, redirect_uri: REDIRECT_URI })))
      .set('content-type', 'application/json')
      .send('{"agent":');
    expectError(res, 406, 'ValidationErrors');
  });
});

describe('code exchange', () => {
  it('issues PS512-signed tokens with kid, jku and digi.me\'s payload', async () => {
    const { token, payload } = await authorizeAndExchange(h);
    const header = decodeProtectedHeader(token);
    expect(header).toMatchObject({ alg: 'PS512', typ: 'JWT', kid: h.authority.overview().kid, jku: expect.stringMatching(/\/v1\.7\/jwks\/oauth$/) });
    const jwks = (await h.http.get(new URL(header.jku!).pathname)).body;
    const key = await importSPKI(jwks.keys.find((k: { kid: string }) => k.kid === header.kid).pem, 'PS512');
    await jwtVerify(token, key, { algorithms: ['PS512'] });
    const now = Math.floor(Date.now() / 1000);
    expect(payload).toEqual({
      access_token: { value: expect.any(String), expires_on: expect.any(Number) },
      refresh_token: { value: expect.any(String), expires_on: expect.any(Number) },
      sub: 'demo',
      consentid: expect.any(String),
      identifier: { id: 'demo' },
      token_type: 'Bearer',
    });
    expect(payload.access_token.expires_on).toBeGreaterThanOrEqual(now + DAY - 5);
    expect(payload.access_token.expires_on).toBeLessThanOrEqual(now + DAY + 5);
    expect(payload.refresh_token.expires_on).toBeGreaterThanOrEqual(now + 30 * DAY - 5);
    // The tokens themselves are PS512 JWS from the same key.
    await jwtVerify(payload.access_token.value, key, { algorithms: ['PS512'] });
    await jwtVerify(payload.refresh_token.value, key, { algorithms: ['PS512'] });
    expect(decodeJwt(token).exp).toBeUndefined();
  });

  it('uses the configured public URL for jku', async () => {
    const h2 = await createHarness({ publicUrl: 'https://mock.example:9443' });
    const { token } = await authorizeAndExchange(h2);
    expect(decodeProtectedHeader(token).jku).toBe('https://mock.example:9443/v1.7/jwks/oauth');
  });

  it('refuses a wrong PKCE verifier: 400 InvalidGrant, and the code still works with the right one', async () => {
    const { params, verifier } = await consent(h);
    expectError(await exchange(params.get('code'), pkce().verifier), 400, 'InvalidGrant');
    expect((await exchange(params.get('code'), verifier)).status).toBe(201);
  });

  it('refuses a reused code and revokes what the code produced', async () => {
    const { params, verifier } = await consent(h);
    const first = await exchange(params.get('code'), verifier);
    expect(first.status).toBe(201);
    expectError(await exchange(params.get('code'), verifier), 400, 'InvalidGrant');
    const { refresh_token } = decodeJwt(first.body.token) as any;
    expectError(await refresh(h, refresh_token.value), 401, 'InvalidToken');
  });

  it('one code exchanged by many concurrent requests: exactly one gets tokens', async () => {
    const { params, verifier } = await consent(h);
    const results = await Promise.all(Array.from({ length: 10 }, () => exchange(params.get('code'), verifier)));
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    expect(results.filter((r) => r.status === 400 && r.body.error.code === 'InvalidGrant')).toHaveLength(9);
  });

  it('many users consenting and exchanging at once all get their own tokens', async () => {
    const flows = await Promise.all(Array.from({ length: 20 }, (_, i) => authorizeAndExchange(h, { user: i % 2 ? 'alex' : 'demo' })));
    expect(new Set(flows.map((f) => f.payload.consentid)).size).toBe(20);
    expect(flows.filter((f) => f.payload.sub === 'alex')).toHaveLength(10);
    const refreshed = await Promise.all(flows.map((f) => refresh(h, f.payload.refresh_token.value)));
    expect(refreshed.map((r) => r.status)).toEqual(Array(20).fill(201));
    refreshed.forEach((r, i) => expect((decodeJwt(r.body.token) as any).consentid).toBe(flows[i]!.payload.consentid));
  });

  it('refuses an expired code', async () => {
    const { params, verifier } = await consent(h);
    h.authority.clock.advance(h.authority.config.ttl.authorizationCode + 1);
    expectError(await exchange(params.get('code'), verifier), 400, 'InvalidGrant');
  });

  it('refuses an unknown code, a missing verifier, and a mismatched redirect_uri', async () => {
    expectError(await exchange('unknown-code', pkce().verifier), 400, 'InvalidGrant');
    const { params, verifier } = await consent(h);
    const noVerifier = await h.http
      .post('/v1.7/oauth/token')
      .set(bearer(await signRequest({ code: params.get('code'), grant_type: 'authorization_code' })));
    expectError(noVerifier, 406, 'ValidationErrors');
    expectError(await exchange(params.get('code'), verifier, { redirect_uri: 'http://other/cb' }), 404, 'InvalidRedirectUri');
  });

  it('refuses a code from another app contract', async () => {
    const { params, verifier } = await consent(h);
    const keys = newRsaKeyPair();
    await h.http.post('/__admin/apps').send({ appId: 'other', contractId: 'c', publicKey: keys.publicKeyPem }).expect(201);
    const res = await h.http
      .post('/v1.7/oauth/token')
      .set(bearer(await signRequest({ code: params.get('code'), code_verifier: verifier, grant_type: 'authorization_code' }, { key: keys.privateKey, clientId: 'other_c' })));
    expectError(res, 400, 'InvalidGrant');
  });

  it('refuses an unknown grant type', async () => {
    const res = await h.http.post('/v1.7/oauth/token').set(bearer(await signRequest({ grant_type: 'password' })));
    expectError(res, 406, 'ValidationErrors');
  });
});

describe('refresh and expiry', () => {
  it('a refresh issues a new access token and keeps the refresh token and its expiry', async () => {
    const { payload } = await authorizeAndExchange(h);
    h.authority.clock.advance(3600);
    const res = await refresh(h, payload.refresh_token.value);
    expect(res.status).toBe(201);
    const next = decodeJwt(res.body.token) as any;
    expect(next.access_token.value).not.toBe(payload.access_token.value);
    expect(next.access_token.expires_on).toBeGreaterThan(payload.access_token.expires_on + 3000);
    expect(next.refresh_token).toEqual(payload.refresh_token);
    expect(next.consentid).toBe(payload.consentid);
  });

  it('the access token expires exactly when the moved clock reaches its expires_on', async () => {
    const { payload } = await authorizeAndExchange(h);
    const trigger = async () =>
      h.http
        .post('/v1.7/permission-access/trigger')
        .set(bearer(await signRequest({ access_token: payload.access_token.value })))
        .send({});
    expect((await trigger()).status).toBe(202);
    h.authority.clock.set(payload.access_token.expires_on * 1000 + 999 - 1000); // just before
    h.authority.clock.freeze(true);
    expect((await trigger()).status).toBe(202);
    h.authority.clock.set(payload.access_token.expires_on * 1000 + 1000);
    const expired = await trigger();
    expectError(expired, 401, 'InvalidToken');
    expect(expired.body.error.message).toBe('The token (access_token) is invalid');
  });

  it('after the refresh token expires (clock moved by HTTP), refresh answers 401 InvalidToken (refresh_token)', async () => {
    const { payload } = await authorizeAndExchange(h);
    await h.http.post('/__admin/clock').send({ advance: 30 * DAY + 1 }).expect(200);
    const res = await refresh(h, payload.refresh_token.value);
    expectError(res, 401, 'InvalidToken');
    expect(res.body.error.message).toBe('The token (refresh_token) is invalid');
  });

  it('refresh tokens keep their original expiry across refreshes', async () => {
    const h2 = await createHarness({ ttl: { accessToken: 60, refreshToken: 300 } });
    const { payload } = await authorizeAndExchange(h2);
    for (let i = 0; i < 4; i++) {
      h2.authority.clock.advance(61);
      expect((await refresh(h2, payload.refresh_token.value)).status).toBe(201);
    }
    h2.authority.clock.advance(60); // 304 s after issue
    expectError(await refresh(h2, payload.refresh_token.value), 401, 'InvalidToken');
  });

  it('refuses unknown, forged and access tokens in the refresh grant', async () => {
    const { payload } = await authorizeAndExchange(h);
    expectError(await refresh(h, 'garbage'), 401, 'InvalidToken');
    expectError(await refresh(h, payload.access_token.value), 401, 'InvalidToken');
    const [hd, , sig] = payload.refresh_token.value.split('.');
    const forged = `${hd}.${Buffer.from(JSON.stringify({ jti: 'x' })).toString('base64url')}.${sig}`;
    expectError(await refresh(h, forged), 401, 'InvalidToken');
    const res = await h.http.post('/v1.7/oauth/token').set(bearer(await signRequest({ grant_type: 'refresh_token' })));
    expectError(res, 401, 'InvalidToken');
  });

  it('a token of another app contract is invalid', async () => {
    const { payload } = await authorizeAndExchange(h);
    const keys = newRsaKeyPair();
    await h.http.post('/__admin/apps').send({ appId: 'thief', contractId: 'c', publicKey: keys.publicKeyPem }).expect(201);
    const res = await refresh(h, payload.refresh_token.value, { key: keys.privateKey, clientId: 'thief_c' });
    expectError(res, 401, 'InvalidToken');
  });

  it('honours per-contract lifetimes', async () => {
    const keys = newRsaKeyPair();
    await h.http
      .post('/__admin/apps')
      .send({ appId: 'short', contractId: 'c', publicKey: keys.publicKeyPem, ttl: { accessToken: 5, refreshToken: 10 } })
      .expect(201);
    const { payload } = await authorizeAndExchange(h, { sign: { key: keys.privateKey, clientId: 'short_c' } });
    expect(payload.refresh_token.expires_on - payload.access_token.expires_on).toBe(5);
  });

  it('rotate-detect-reuse: a replayed refresh token revokes the family', async () => {
    const h2 = await createHarness({ refreshPolicy: 'rotate-detect-reuse' });
    const { payload } = await authorizeAndExchange(h2);
    const first = await refresh(h2, payload.refresh_token.value);
    expect(first.status).toBe(201);
    const rotated = decodeJwt(first.body.token) as any;
    expect(rotated.refresh_token.value).not.toBe(payload.refresh_token.value);
    expect(rotated.refresh_token.expires_on).toBe(payload.refresh_token.expires_on);
    expectError(await refresh(h2, payload.refresh_token.value), 401, 'InvalidToken'); // reuse
    expectError(await refresh(h2, rotated.refresh_token.value), 401, 'InvalidToken'); // family revoked
  });

  it('concurrent refreshes of one token (keep policy) each get their own working access token', async () => {
    const { payload } = await authorizeAndExchange(h);
    const results = await Promise.all(Array.from({ length: 10 }, () => refresh(h, payload.refresh_token.value)));
    const values = results.map((r) => (decodeJwt(r.body.token) as any).access_token.value as string);
    expect(results.map((r) => r.status)).toEqual(Array(10).fill(201));
    expect(new Set(values).size).toBe(10);
    expect(new Set(values.map((v) => decodeJwt(v).jti)).size).toBe(10);
    for (const v of values) {
      const res = await h.http.post('/v1.7/permission-access/trigger').set(bearer(await signRequest({ access_token: v }))).send({});
      expect(res.status).toBe(202);
    }
  });

  it('concurrent refreshes of one rotating token: exactly one wins', async () => {
    const h2 = await createHarness({ refreshPolicy: 'rotate' });
    const { payload } = await authorizeAndExchange(h2);
    const results = await Promise.all(Array.from({ length: 8 }, () => refresh(h2, payload.refresh_token.value)));
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    expect(results.filter((r) => r.status === 401)).toHaveLength(7);
  });
});

describe('token reference and re-authorisation', () => {
  it('issues a reference code that the user-reauth page turns into a new authorization code', async () => {
    const { payload } = await authorizeAndExchange(h);
    const { verifier, challenge } = pkce();
    const ref = await h.http
      .post('/v1.7/oauth/token/reference')
      .set(bearer(await signRequest({ access_token: payload.access_token.value, redirect_uri: REDIRECT_URI, state: 'r1', code_challenge: challenge })));
    expect(ref.status).toBe(201);
    const { reference_code } = decodeJwt(ref.body.token) as { reference_code: string };
    expect(ref.body.session.key).toEqual(expect.any(String));
    const page = await h.http.get('/apps/saas/user-reauth').query({ code: reference_code, autoConsent: 'accept' });
    expect(page.status).toBe(302);
    const params = new URL(page.headers.location!).searchParams;
    expect(params.get('state')).toBe('r1');
    const res = await exchange(params.get('code'), verifier);
    expect(res.status).toBe(201);
    expect((decodeJwt(res.body.token) as any).consentid).toBe(payload.consentid);
  });

  it('the onboard page redirects back with the account of the onboarded service', async () => {
    const { payload } = await authorizeAndExchange(h);
    const ref = await h.http
      .post('/v1.7/oauth/token/reference')
      .set(bearer(await signRequest({ access_token: payload.access_token.value, redirect_uri: REDIRECT_URI, state: 'o1' })));
    const { reference_code } = decodeJwt(ref.body.token) as { reference_code: string };
    const page = await h.http.get('/apps/saas/onboard').query({ code: reference_code, service: '4', autoConsent: 'accept' });
    const params = new URL(page.headers.location!).searchParams;
    expect(params.get('success')).toBe('true');
    expect(params.get('accountReference')).toBe('acc-demo-instagram-0001');
    expect(params.get('code')).toBeNull();
  });

  it('authorize with an access token re-authorises the same consent; without one it is a new consent', async () => {
    const { payload } = await authorizeAndExchange(h);
    const reauth = await authorizeAndExchange(h, { claims: { access_token: payload.access_token.value } });
    expect(reauth.payload.consentid).toBe(payload.consentid);
    const fresh = await authorizeAndExchange(h);
    expect(fresh.payload.consentid).not.toBe(payload.consentid);
  });

  it('authorize re-authorises with an expired access token, as clients send it after the refresh token expired', async () => {
    const { payload } = await authorizeAndExchange(h);
    h.authority.clock.advance(31 * DAY);
    const reauth = await authorizeAndExchange(h, { claims: { access_token: payload.access_token.value } });
    expect(reauth.payload.consentid).toBe(payload.consentid);
  });

  it('a consent covers only the accounts its scope reaches, none if it reaches none', async () => {
    const music = await authorizeAndExchange(h, { body: { actions: { pull: { scope: { serviceGroups: [{ id: 5 }] } } } } });
    const medical = await authorizeAndExchange(h, { body: { actions: { pull: { scope: { serviceGroups: [{ id: 2 }] } } } } });
    const accounts = async (access: string) =>
      (await h.http.get('/v1.7/permission-access/accounts').set(bearer(await signRequest({ access_token: access })))).body.map((a: { serviceTypeName: string }) => a.serviceTypeName);
    expect(await accounts(music.payload.access_token.value)).toEqual(['Spotify']);
    expect(await accounts(medical.payload.access_token.value)).toEqual([]);
    expect(medical.params.get('accountReference')).toBeNull();
  });

  it('refuses time ranges outside the range of dates', async () => {
    await expect(consent(h, { body: { actions: { pull: { scope: { timeRanges: [{ from: 1e15 }] } } } } })).rejects.toThrow(/authorize answered 406/);
    await expect(consent(h, { body: { actions: { pull: { scope: { timeRanges: [{ last: '999999999y' }] } } } } })).rejects.toThrow(/authorize answered 406/);
  });

  it('authorize with a dead access token answers 401 InvalidToken', async () => {
    await expect(consent(h, { claims: { access_token: 'expired-or-unknown' } })).rejects.toThrow(/authorize answered 401/);
  });

  it('token reference needs a live access token', async () => {
    const res = await h.http
      .post('/v1.7/oauth/token/reference')
      .set(bearer(await signRequest({ access_token: 'nope', redirect_uri: REDIRECT_URI })));
    expectError(res, 401, 'InvalidToken');
  });
});

describe('routing', () => {
  it('unknown paths and wrong methods answer in digi.me\'s error shape', async () => {
    expectError(await h.http.get('/v1.7/nothing-here'), 404, 'NotFound');
    expectError(await h.http.get('/v1.7/oauth/token'), 405, 'MethodNotAllowed');
  });

  it('a body over 1 MB is refused with 413 in digi.me\'s shape', async () => {
    const res = await h.http.post('/v1.7/oauth/authorize').set('content-type', 'application/json').send('x'.repeat(1_100_000));
    expectError(res, 413, 'PayloadTooLarge');
  });
});
