/**
 * The rules that make an access or refresh token stop working (docs/protocol.md §6, §8), each seen the way
 * a client meets it over HTTP, and the rules that keep every other token working meanwhile.
 */
import { decodeJwt } from 'jose';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  authorizeAndExchange,
  bearer,
  consent,
  createHarness,
  refresh,
  REDIRECT_URI,
  type Harness,
  type TokenPayload,
} from '../support/harness.js';
import { DEMO_CLIENT_ID, newRsaKeyPair } from '../support/keys.js';
import { pkce, signRequest } from '../support/request-jwt.js';

let h: Harness;
beforeEach(async () => {
  h = await createHarness();
});

const DAY_MS = 86_400_000;
/** A whole second, so that lifetimes counted from it end on an exact millisecond. */
const T0 = Date.parse('2031-03-01T00:00:00.000Z');

function expectInvalidToken(res: { status: number; body: any }, which: 'access_token' | 'refresh_token') {
  expect({ status: res.status, code: res.body?.error?.code, message: res.body?.error?.message }).toEqual({
    status: 401,
    code: 'InvalidToken',
    message: `The token (${which}) is invalid`,
  });
}

/** Stops the mock clock at an exact millisecond, over the admin API. */
async function clockAt(harness: Harness, ms: number) {
  // Frozen first, so that the clock stands exactly at the time it is set to.
  await harness.http.post('/__admin/clock').send({ freeze: true }).expect(200);
  const res = await harness.http.post('/__admin/clock').send({ set: new Date(ms).toISOString() }).expect(200);
  expect(res.body).toMatchObject({ nowMs: ms, frozen: true });
}

/** A data call with an access token: `GET permission-access/accounts`. */
async function readAccounts(harness: Harness, accessToken: string, sign?: Parameters<typeof signRequest>[1]) {
  return harness.http.get('/v1.7/permission-access/accounts').set(bearer(await signRequest({ access_token: accessToken }, sign)));
}

async function tokenReference(harness: Harness, accessToken: string) {
  return harness.http
    .post('/v1.7/oauth/token/reference')
    .set(bearer(await signRequest({ access_token: accessToken, redirect_uri: REDIRECT_URI })));
}

/** `oauth/authorize` re-authorising the consent an access token names. */
async function reauthorize(harness: Harness, accessToken: string) {
  return harness.http
    .post('/v1.7/oauth/authorize')
    .set(bearer(await signRequest({ code_challenge: pkce().challenge, redirect_uri: REDIRECT_URI, access_token: accessToken })))
    .send({});
}

const tokensOf = (res: { body: { token: string } }) => decodeJwt(res.body.token) as unknown as TokenPayload;

/** A token value with one part replaced: the same `jti`, but not the value that was issued. */
function tampered(value: string, part: 'payload' | 'signature', replacement: string) {
  const [header, payload, signature] = value.split('.');
  return part === 'payload' ? `${header}.${replacement}.${signature}` : `${header}.${payload}.${replacement}`;
}
const reencoded = (claims: object) => Buffer.from(JSON.stringify(claims)).toString('base64url');

describe('a presented token must be exactly the value that was issued', () => {
  it('an access token with altered claims is refused, though its jti is a live token\'s', async () => {
    const { payload } = await authorizeAndExchange(h);
    const claims = decodeJwt(payload.access_token.value);
    const forged = tampered(payload.access_token.value, 'payload', reencoded({ ...claims, sub: 'alex' }));
    expect(decodeJwt(forged).jti).toBe(claims.jti);
    expectInvalidToken(await readAccounts(h, forged), 'access_token');
    expect((await readAccounts(h, payload.access_token.value)).status).toBe(200);
  });

  it('an access token with another signature is refused, though its jti is a live token\'s', async () => {
    const { payload } = await authorizeAndExchange(h);
    const otherSignature = payload.refresh_token.value.split('.')[2]!;
    expectInvalidToken(await readAccounts(h, tampered(payload.access_token.value, 'signature', otherSignature)), 'access_token');
  });

  it('a refresh token with altered claims or signature is refused in the refresh grant', async () => {
    const { payload } = await authorizeAndExchange(h);
    const claims = decodeJwt(payload.refresh_token.value);
    expectInvalidToken(await refresh(h, tampered(payload.refresh_token.value, 'payload', reencoded({ ...claims, sub: 'alex' }))), 'refresh_token');
    expectInvalidToken(await refresh(h, tampered(payload.refresh_token.value, 'signature', payload.access_token.value.split('.')[2]!)), 'refresh_token');
    expect((await refresh(h, payload.refresh_token.value)).status).toBe(201);
  });

  it('a missing, empty, non-string or oversized token is refused like any unknown one: 401, never a 5xx', async () => {
    const withClaims = async (claims: Record<string, unknown>) =>
      h.http.get('/v1.7/permission-access/accounts').set(bearer(await signRequest(claims)));
    expectInvalidToken(await withClaims({}), 'access_token');
    for (const access_token of [null, '', 42, { jti: 'x' }, ['a.b.c'], 'a'.repeat(8193)]) {
      expectInvalidToken(await withClaims({ access_token }), 'access_token');
    }
    for (const refresh_token of [undefined, null, '', 42, 'a'.repeat(8193)]) {
      const res = await h.http.post('/v1.7/oauth/token').set(bearer(await signRequest({ grant_type: 'refresh_token', refresh_token })));
      expectInvalidToken(res, 'refresh_token');
    }
  });

  it('a refresh token is not an access token', async () => {
    const { payload } = await authorizeAndExchange(h);
    expectInvalidToken(await readAccounts(h, payload.refresh_token.value), 'access_token');
    expectInvalidToken(await tokenReference(h, payload.refresh_token.value), 'access_token');
  });

  it('an access token works only for the app contract it was issued to', async () => {
    const { payload } = await authorizeAndExchange(h);
    const keys = newRsaKeyPair();
    await h.http.post('/__admin/apps').send({ appId: 'thief', contractId: 'c', publicKey: keys.publicKeyPem }).expect(201);
    expectInvalidToken(await readAccounts(h, payload.access_token.value, { key: keys.privateKey, clientId: 'thief_c' }), 'access_token');
  });

  it('the token values name their kind, app contract, consent and user', async () => {
    const { payload } = await authorizeAndExchange(h);
    const expected = (tokenType: string) => ({
      jti: expect.stringMatching(/^[\w-]{16,}$/),
      token_type: tokenType,
      client_id: DEMO_CLIENT_ID,
      consentid: payload.consentid,
      sub: 'demo',
    });
    expect(decodeJwt(payload.access_token.value)).toEqual(expected('access_token'));
    expect(decodeJwt(payload.refresh_token.value)).toEqual(expected('refresh_token'));
    // A refresh's access token is signed ahead of time; it names the same things.
    const next = tokensOf(await refresh(h, payload.refresh_token.value));
    expect(decodeJwt(next.access_token.value)).toEqual(expected('access_token'));
  });
});

describe('revocation', () => {
  it('a revoked access token answers 401 to data calls, token reference and re-authorisation', async () => {
    const { payload } = await authorizeAndExchange(h);
    const res = await h.http.post('/__admin/tokens/revoke').send({ token: 'access', consentId: payload.consentid }).expect(200);
    expect(res.body).toMatchObject({ revoked: 1 });
    expectInvalidToken(await readAccounts(h, payload.access_token.value), 'access_token');
    expectInvalidToken(await tokenReference(h, payload.access_token.value), 'access_token');
    expectInvalidToken(await reauthorize(h, payload.access_token.value), 'access_token');
    // The refresh token was not revoked: it still gets a working access token.
    const next = tokensOf(await refresh(h, payload.refresh_token.value));
    expect((await readAccounts(h, next.access_token.value)).status).toBe(200);
  });

  it('a revoked refresh token is refused while its access token keeps working', async () => {
    const { payload } = await authorizeAndExchange(h);
    await h.http.post('/__admin/tokens/revoke').send({ token: 'refresh', userId: 'demo' }).expect(200);
    expectInvalidToken(await refresh(h, payload.refresh_token.value), 'refresh_token');
    expect((await readAccounts(h, payload.access_token.value)).status).toBe(200);
  });

  it('a replayed authorization code stops the access and refresh tokens it produced, and only those', async () => {
    const bystander = await authorizeAndExchange(h);
    const { params, verifier } = await consent(h);
    const exchange = async () =>
      h.http
        .post('/v1.7/oauth/token')
        .set(bearer(await signRequest({ code: params.get('code'), code_verifier: verifier, grant_type: 'authorization_code' })));
    const first = await exchange();
    expect(first.status).toBe(201);
    const stolen = tokensOf(first);
    expect((await readAccounts(h, stolen.access_token.value)).status).toBe(200);

    expect((await exchange()).status).toBe(400);
    expectInvalidToken(await readAccounts(h, stolen.access_token.value), 'access_token');
    expectInvalidToken(await refresh(h, stolen.refresh_token.value), 'refresh_token');
    // Another consent's tokens are untouched.
    expect((await readAccounts(h, bystander.payload.access_token.value)).status).toBe(200);
    expect((await refresh(h, bystander.payload.refresh_token.value)).status).toBe(201);
  });
});

describe('refresh policies', () => {
  it('rotate-detect-reuse: reuse revokes the whole family, access tokens too, and no other family', async () => {
    const h2 = await createHarness({ refreshPolicy: 'rotate-detect-reuse' });
    const victim = await authorizeAndExchange(h2);
    const sameUserOtherConsent = await authorizeAndExchange(h2);
    const otherUser = await authorizeAndExchange(h2, { user: 'alex' });

    const rotated = tokensOf(await refresh(h2, victim.payload.refresh_token.value));
    expect((await readAccounts(h2, rotated.access_token.value)).status).toBe(200);
    expectInvalidToken(await refresh(h2, victim.payload.refresh_token.value), 'refresh_token'); // reuse

    for (const access of [victim.payload.access_token.value, rotated.access_token.value]) {
      expectInvalidToken(await readAccounts(h2, access), 'access_token');
    }
    expectInvalidToken(await refresh(h2, rotated.refresh_token.value), 'refresh_token');
    for (const other of [sameUserOtherConsent, otherUser]) {
      expect((await readAccounts(h2, other.payload.access_token.value)).status).toBe(200);
      expect((await refresh(h2, other.payload.refresh_token.value)).status).toBe(201);
    }
  });

  it('rotate: the replaced refresh token is refused, but its reuse does not end the family', async () => {
    const h2 = await createHarness({ refreshPolicy: 'rotate' });
    const { payload } = await authorizeAndExchange(h2);
    const rotated = tokensOf(await refresh(h2, payload.refresh_token.value));
    expect(rotated.refresh_token.value).not.toBe(payload.refresh_token.value);
    expect(rotated.refresh_token.expires_on).toBe(payload.refresh_token.expires_on);

    expectInvalidToken(await refresh(h2, payload.refresh_token.value), 'refresh_token');
    // The family lives on: the new refresh token and both access tokens still work.
    expect((await readAccounts(h2, payload.access_token.value)).status).toBe(200);
    expect((await readAccounts(h2, rotated.access_token.value)).status).toBe(200);
    const again = await refresh(h2, rotated.refresh_token.value);
    expect(again.status).toBe(201);
    expect(tokensOf(again).refresh_token.value).not.toBe(rotated.refresh_token.value);
  });

  it('keep: the refresh token is handed back unchanged and can be used again', async () => {
    const { payload } = await authorizeAndExchange(h);
    for (let i = 0; i < 2; i++) {
      const next = tokensOf(await refresh(h, payload.refresh_token.value));
      expect(next.refresh_token).toEqual(payload.refresh_token);
    }
  });
});

describe('lifetimes, to the millisecond of the mock clock', () => {
  it('an access token works until the instant its lifetime ends, not after', async () => {
    await clockAt(h, T0);
    const { payload } = await authorizeAndExchange(h);
    const expiresAt = T0 + DAY_MS;
    expect(payload.access_token.expires_on * 1000).toBe(expiresAt);
    await clockAt(h, expiresAt - 1);
    expect((await readAccounts(h, payload.access_token.value)).status).toBe(200);
    await clockAt(h, expiresAt);
    expectInvalidToken(await readAccounts(h, payload.access_token.value), 'access_token');
  });

  it('a refresh token works until the instant its lifetime ends, not after', async () => {
    await clockAt(h, T0);
    const { payload } = await authorizeAndExchange(h);
    const expiresAt = T0 + 30 * DAY_MS;
    expect(payload.refresh_token.expires_on * 1000).toBe(expiresAt);
    await clockAt(h, expiresAt - 1);
    expect((await refresh(h, payload.refresh_token.value)).status).toBe(201);
    await clockAt(h, expiresAt);
    expectInvalidToken(await refresh(h, payload.refresh_token.value), 'refresh_token');
  });

  it('a refreshed access token lives its whole lifetime from the refresh', async () => {
    await clockAt(h, T0);
    const { payload } = await authorizeAndExchange(h);
    await clockAt(h, T0 + DAY_MS);
    const next = tokensOf(await refresh(h, payload.refresh_token.value));
    expect(next.access_token.expires_on * 1000).toBe(T0 + 2 * DAY_MS);
    await clockAt(h, T0 + 2 * DAY_MS - 1);
    expect((await readAccounts(h, next.access_token.value)).status).toBe(200);
  });

  it('a rotated refresh token expires when the first one would have', async () => {
    const h2 = await createHarness({ refreshPolicy: 'rotate' });
    await clockAt(h2, T0);
    const { payload } = await authorizeAndExchange(h2);
    await clockAt(h2, T0 + 10 * DAY_MS);
    const rotated = tokensOf(await refresh(h2, payload.refresh_token.value));
    await clockAt(h2, T0 + 30 * DAY_MS - 1);
    const last = await refresh(h2, rotated.refresh_token.value);
    expect(last.status).toBe(201);
    await clockAt(h2, T0 + 30 * DAY_MS);
    expectInvalidToken(await refresh(h2, tokensOf(last).refresh_token.value), 'refresh_token');
  });
});
