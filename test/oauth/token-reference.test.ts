/**
 * `POST oauth/token/reference` (docs/protocol.md §4.5): which access token it takes, and its
 * `actions.pull`. Re-authorisation (a PKCE challenge in the JWT) only names the consent, so a known,
 * unrevoked access token of this app will do even once it has expired, as it always has by the time
 * the refresh token has; onboarding (no challenge) needs a live one.
 */
import { decodeJwt } from 'jose';
import { beforeEach, describe, expect, it } from 'vitest';
import { fileList } from '../support/data.js';
import { authorizeAndExchange, bearer, createHarness, REDIRECT_URI, type Harness, type TokenPayload } from '../support/harness.js';
import { newRsaKeyPair } from '../support/keys.js';
import { pkce, signRequest, type SignOptions } from '../support/request-jwt.js';

let h: Harness;
beforeEach(async () => {
  h = await createHarness();
});

const DAY = 86_400;

const expectError = (res: { status: number; body: any }, status: number, code: string) => {
  expect({ status: res.status, code: res.body?.error?.code }).toEqual({ status, code });
};

async function reference(harness: Harness, accessToken: string, opts: { challenge?: string; body?: object; sign?: SignOptions } = {}) {
  const claims: Record<string, unknown> = { access_token: accessToken, redirect_uri: REDIRECT_URI, state: 'r1' };
  if (opts.challenge) Object.assign(claims, { code_challenge: opts.challenge, code_challenge_method: 'S256' });
  return harness.http
    .post('/v1.7/oauth/token/reference')
    .set(bearer(await signRequest(claims, opts.sign)))
    .send(opts.body ?? { agent: { sdk: { name: 'test', version: '1', meta: {} } } });
}

const referenceCode = (res: { body: { token: string } }) => (decodeJwt(res.body.token) as { reference_code: string }).reference_code;

/** user-reauth, approved, then the code exchange with the verifier. */
async function reauthorizeWith(harness: Harness, accessToken: string) {
  const { verifier, challenge } = pkce();
  const res = await reference(harness, accessToken, { challenge });
  expect(res.status).toBe(201);
  const page = await harness.http.get('/apps/saas/user-reauth').query({ code: referenceCode(res), autoConsent: 'accept' });
  const code = new URL(page.headers.location!).searchParams.get('code');
  const token = await harness.http
    .post('/v1.7/oauth/token')
    .set(bearer(await signRequest({ code, code_verifier: verifier, grant_type: 'authorization_code' })));
  expect(token.status).toBe(201);
  return decodeJwt(token.body.token) as unknown as TokenPayload;
}

describe('re-authorisation (a PKCE challenge) with the stored token', () => {
  it('takes an expired access token, once the refresh token has expired too, and renews the same consent', async () => {
    const { payload } = await authorizeAndExchange(h);
    h.authority.clock.advance(31 * DAY);
    const refreshed = await h.http
      .post('/v1.7/oauth/token')
      .set(bearer(await signRequest({ grant_type: 'refresh_token', refresh_token: payload.refresh_token.value })));
    expectError(refreshed, 401, 'InvalidToken');

    const renewed = await reauthorizeWith(h, payload.access_token.value);
    expect(renewed).toMatchObject({ sub: 'demo', consentid: payload.consentid });
    const accounts = await h.http.get('/v1.7/permission-access/accounts').set(bearer(await signRequest({ access_token: renewed.access_token.value })));
    expect(accounts.status).toBe(200);
  });

  it('refuses a revoked, unknown or foreign access token: 401 InvalidToken', async () => {
    const { payload } = await authorizeAndExchange(h);
    const { challenge } = pkce();
    expectError(await reference(h, 'not-a-token', { challenge }), 401, 'InvalidToken');

    const { privateKey, publicKeyPem } = newRsaKeyPair();
    await h.http.post('/__admin/apps').send({ appId: 'other', contractId: 'c1', publicKey: publicKeyPem }).expect(201);
    expectError(await reference(h, payload.access_token.value, { challenge, sign: { key: privateKey, clientId: 'other_c1' } }), 401, 'InvalidToken');

    h.authority.clock.advance(2 * DAY);
    await h.http.post('/__admin/tokens/revoke').send({ token: 'access', consentId: payload.consentid }).expect(200);
    expectError(await reference(h, payload.access_token.value, { challenge }), 401, 'InvalidToken');
  });

  it('refuses the token of a deleted user', async () => {
    const { payload } = await authorizeAndExchange(h);
    await h.http.delete('/v1.7/user').set(bearer(await signRequest({ access_token: payload.access_token.value }))).expect(204);
    expectError(await reference(h, payload.access_token.value, { challenge: pkce().challenge }), 401, 'InvalidToken');
  });
});

describe('onboarding (no challenge)', () => {
  it('needs a live access token: an expired one answers 401 InvalidToken, and the refreshed one works', async () => {
    const { payload } = await authorizeAndExchange(h);
    h.authority.clock.advance(DAY + 1);
    expectError(await reference(h, payload.access_token.value), 401, 'InvalidToken');
    const refreshed = await h.http
      .post('/v1.7/oauth/token')
      .set(bearer(await signRequest({ grant_type: 'refresh_token', refresh_token: payload.refresh_token.value })));
    const next = decodeJwt(refreshed.body.token) as unknown as TokenPayload;
    expect((await reference(h, next.access_token.value)).status).toBe(201);
  });
});

describe('actions.pull', () => {
  it('scopes the session it hands out, as at authorize', async () => {
    const { payload } = await authorizeAndExchange(h);
    const access = payload.access_token.value;
    const res = await reference(h, access, { body: { agent: {}, actions: { pull: { scope: { serviceGroups: [{ id: 5, serviceTypes: [{ id: 19, serviceObjectTypes: [{ id: 406 }] }] }] } } } } });
    expect(res.status).toBe(201);
    h.authority.clock.advance(600);
    const list = await fileList(h, access, res.body.session.key);
    expect(list.fileList.length).toBe(12);
    expect(list.fileList.every((f) => f.name.startsWith('18_5_19_1_406_'))).toBe(true);

    const unscoped = await reference(h, access);
    h.authority.clock.advance(600);
    expect((await fileList(h, access, unscoped.body.session.key)).fileList.length).toBeGreaterThan(12);
  });

  it('cannot widen the consent: its own scope still applies', async () => {
    const music = await authorizeAndExchange(h, { body: { actions: { pull: { scope: { serviceGroups: [{ id: 5 }] } } } } });
    const access = music.payload.access_token.value;
    const res = await reference(h, access, { body: { actions: { pull: { scope: { serviceGroups: [{ id: 1 }] } } } } });
    h.authority.clock.advance(600);
    expect((await fileList(h, access, res.body.session.key)).fileList).toEqual([]);
  });

  it('shows its scope on the onboard page', async () => {
    const { payload } = await authorizeAndExchange(h);
    const res = await reference(h, payload.access_token.value, { body: { actions: { pull: { scope: { timeRanges: [{ last: '3m' }] } } } } });
    const page = await h.http.get('/apps/saas/onboard').query({ code: referenceCode(res) });
    expect(page.text).toContain('The last 3m');
  });

  it('refuses a malformed one: 406 ValidationErrors naming it, and no reference', async () => {
    const { payload } = await authorizeAndExchange(h);
    for (const pull of [{ scope: { timeRanges: [{ last: 'forever' }] } }, { sourceFetch: 'yes' }, 'everything']) {
      const res = await reference(h, payload.access_token.value, { body: { actions: { pull } } });
      expectError(res, 406, 'ValidationErrors');
      expect(res.body.error.message).toContain('actions.pull');
      expect(res.body.token).toBeUndefined();
    }
  });
});
