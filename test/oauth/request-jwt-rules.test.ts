/**
 * The request JWT's own rules (docs/protocol.md §2), over HTTP: how the bearer is read, which claims are
 * required and in what form, and that the signature is always checked.
 */
import { constants, sign as rsaSign, type KeyObject } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { bearer, createHarness, REDIRECT_URI, type Harness } from '../support/harness.js';
import { DEMO_CLIENT_ID, demoPrivateKey, newRsaKeyPair } from '../support/keys.js';
import { nonce, pkce, signRequest } from '../support/request-jwt.js';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});

const authorizeClaims = () => ({ code_challenge: pkce().challenge, redirect_uri: REDIRECT_URI, state: 's' });

const authorizeWith = (authorization: string) => h.http.post('/v1.7/oauth/authorize').set('Authorization', authorization).send({});

function expectError(res: { status: number; body: any }, status: number, code: string) {
  expect({ status: res.status, code: res.body?.error?.code }).toEqual({ status, code });
}

const b64 = (text: string) => Buffer.from(text).toString('base64url');

/**
 * A PS512 JWT whose payload is the given JSON text, as written, signed as `jose` would sign it.
 * Lets a test send what JSON.stringify cannot produce (a number too large for a double).
 */
function signRaw(payloadJson: string, key: KeyObject = demoPrivateKey) {
  const input = `${b64(JSON.stringify({ alg: 'PS512', typ: 'JWT' }))}.${b64(payloadJson)}`;
  const signature = rsaSign('sha512', Buffer.from(input), { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 64 });
  return `${input}.${signature.toString('base64url')}`;
}

describe('the Authorization header', () => {
  it('takes the scheme in any case and any run of spaces before the JWT', async () => {
    expect((await authorizeWith(`bearer ${await signRequest(authorizeClaims())}`)).status).toBe(201);
    expect((await authorizeWith(`BEARER    ${await signRequest(authorizeClaims())}`)).status).toBe(201);
    expect((await authorizeWith(`Bearer\t${await signRequest(authorizeClaims())}`)).status).toBe(201);
  });

  it('refuses anything before the scheme or after the JWT', async () => {
    expectError(await authorizeWith(`XBearer ${await signRequest(authorizeClaims())}`), 406, 'ValidationErrors');
    expectError(await authorizeWith(`Token Bearer ${await signRequest(authorizeClaims())}`), 406, 'ValidationErrors');
    expectError(await authorizeWith(`Bearer ${await signRequest(authorizeClaims())} extra`), 406, 'ValidationErrors');
    expectError(await authorizeWith('Bearer'), 406, 'ValidationErrors');
  });
});

describe('what each refusal says', () => {
  it('a missing bearer, and a bearer that is not a JWT, are told apart', async () => {
    const missing = await h.http.post('/v1.7/oauth/authorize').send({});
    expectError(missing, 406, 'ValidationErrors');
    expect(missing.body.error.message).toBe('Parameter validation errors: missing Authorization bearer JWT');
    const garbage = await authorizeWith('Bearer not-a-jwt');
    expectError(garbage, 406, 'ValidationErrors');
    expect(garbage.body.error.message).toBe('Parameter validation errors: the Authorization bearer is not a JWT');
  });

  it('another algorithm is refused as such, before the client is even looked up', async () => {
    const claims = { client_id: 'nobody_nothing', nonce: nonce(), timestamp: Date.now() };
    const rs512 = await signRequest(authorizeClaims(), { alg: 'RS512' });
    const unsecured = `${b64(JSON.stringify({ alg: 'none', typ: 'JWT' }))}.${b64(JSON.stringify(claims))}.`;
    for (const jwt of [rs512, unsecured]) {
      const res = await authorizeWith(`Bearer ${jwt}`);
      expectError(res, 406, 'ValidationErrors');
      expect(res.body.error.message).toBe('Parameter validation errors: the request JWT must be signed with PS512');
    }
  });

  it('a missing client_id and a bad signature say so', async () => {
    const noClient = await authorizeWith(`Bearer ${await signRequest({ ...authorizeClaims(), client_id: '' })}`);
    expect(noClient.body.error.message).toBe('Parameter validation errors: client_id is required');
    const forged = await authorizeWith(`Bearer ${await signRequest(authorizeClaims(), { key: newRsaKeyPair().privateKey })}`);
    expectError(forged, 406, 'ValidationErrors');
    expect(forged.body.error.message).toBe('Parameter validation errors: the request JWT signature does not verify with the registered key');
  });
});

describe('claims', () => {
  it('client_id must be a non-empty string: 406 ValidationErrors, not an unknown client', async () => {
    for (const clientId of ['', 42, null]) {
      const jwt = await signRequest({ ...authorizeClaims(), client_id: clientId });
      expectError(await authorizeWith(`Bearer ${jwt}`), 406, 'ValidationErrors');
    }
    const noClient = signRaw(JSON.stringify({ nonce: nonce(), timestamp: Date.now(), ...authorizeClaims() }));
    expectError(await authorizeWith(`Bearer ${noClient}`), 406, 'ValidationErrors');
  });

  it('a nonce needs at least 8 characters', async () => {
    expect((await authorizeWith(`Bearer ${await signRequest(authorizeClaims(), { nonce: nonce().slice(0, 8) })}`)).status).toBe(201);
    const short = await authorizeWith(`Bearer ${await signRequest(authorizeClaims(), { nonce: nonce().slice(0, 7) })}`);
    expectError(short, 406, 'ValidationErrors');
    expect(short.body.error.message).toContain('nonce');
  });

  it('a nonce must be a string', async () => {
    const numeric = await signRequest({ ...authorizeClaims(), nonce: 123_456_789_012 });
    expectError(await authorizeWith(`Bearer ${numeric}`), 406, 'ValidationErrors');
  });

  it('a timestamp must be a finite number of milliseconds', async () => {
    for (const timestamp of ['1e999', '-1e999']) {
      const jwt = signRaw(`{"client_id":"${DEMO_CLIENT_ID}","nonce":"${nonce()}","timestamp":${timestamp}}`);
      const res = await authorizeWith(`Bearer ${jwt}`);
      expectError(res, 406, 'ValidationErrors');
      expect(res.body.error.message).toContain('timestamp');
    }
  });
});

describe('the signature', () => {
  it('a PS512 JWT with its signature cut off is refused', async () => {
    const jwt = await signRequest(authorizeClaims());
    const unsigned = jwt.slice(0, jwt.lastIndexOf('.') + 1);
    expectError(await authorizeWith(`Bearer ${unsigned}`), 406, 'ValidationErrors');
  });

  it('a PS512 JWT with a signature of the wrong size is refused', async () => {
    const jwt = await signRequest(authorizeClaims());
    const head = jwt.slice(0, jwt.lastIndexOf('.') + 1);
    for (const bytes of [1, 255, 512]) {
      expectError(await authorizeWith(`Bearer ${head}${Buffer.alloc(bytes, 7).toString('base64url')}`), 406, 'ValidationErrors');
    }
  });

  it('the raw signing above is what the server accepts, so the refusals are about the claims', async () => {
    const jwt = signRaw(JSON.stringify({ client_id: DEMO_CLIENT_ID, nonce: nonce(), timestamp: Date.now(), ...authorizeClaims() }));
    expect((await authorizeWith(`Bearer ${jwt}`)).status).toBe(201);
  });
});
