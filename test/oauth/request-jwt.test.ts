/** Every /v1.7 call is authenticated by a PS512 request JWT (docs/protocol.md §2, §8). */
import { generateKeyPairSync } from 'node:crypto';
import { SignJWT, UnsecuredJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { bearer, createHarness, REDIRECT_URI, type Harness } from '../support/harness.js';
import { DEMO_CLIENT_ID, newRsaKeyPair } from '../support/keys.js';
import { nonce, pkce, signRequest } from '../support/request-jwt.js';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});

const authorizeClaims = () => ({
  code_challenge: pkce().challenge,
  code_challenge_method: 'S256',
  redirect_uri: REDIRECT_URI,
  response_mode: 'query',
  response_type: 'code',
  state: 's',
});

async function authorizeWith(jwt: string | undefined) {
  const req = h.http.post('/v1.7/oauth/authorize').send({});
  return jwt === undefined ? req : req.set(bearer(jwt));
}

function expectError(res: { status: number; body: any }, status: number, code: string) {
  expect(res.status).toBe(status);
  expect(res.body.error.code).toBe(code);
  expect(typeof res.body.error.message).toBe('string');
  expect(typeof res.body.error.reference).toBe('string');
  expect(JSON.stringify(res.body)).not.toMatch(/at .*\.ts:\d+/); // no stack
}

describe('request JWT', () => {
  it('accepts a well-formed PS512 JWT from a registered contract', async () => {
    const res = await authorizeWith(await signRequest(authorizeClaims()));
    expect(res.status).toBe(201);
  });

  it('refuses a request without a bearer: 406 ValidationErrors', async () => {
    expectError(await authorizeWith(undefined), 406, 'ValidationErrors');
    expectError(await h.http.post('/v1.7/oauth/authorize').set('Authorization', 'Basic abc'), 406, 'ValidationErrors');
  });

  it('refuses garbage in place of a JWT', async () => {
    expectError(await authorizeWith('not.a.jwt'), 406, 'ValidationErrors');
    expectError(await authorizeWith('%%%'), 406, 'ValidationErrors');
  });

  it('refuses alg "none"', async () => {
    const jwt = new UnsecuredJWT({ client_id: DEMO_CLIENT_ID, nonce: nonce(), timestamp: Date.now(), ...authorizeClaims() }).encode();
    expectError(await authorizeWith(jwt), 406, 'ValidationErrors');
  });

  it('refuses HS256, even keyed with the public key (algorithm confusion)', async () => {
    const app = h.authority.app(DEMO_CLIENT_ID)!;
    const jwt = await new SignJWT({ client_id: DEMO_CLIENT_ID, nonce: nonce(), timestamp: Date.now(), ...authorizeClaims() })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .sign(new TextEncoder().encode(app.publicKeyPem));
    expectError(await authorizeWith(jwt), 406, 'ValidationErrors');
  });

  it('refuses RS512 and PS256 from the right key', async () => {
    for (const alg of ['RS512', 'PS256']) {
      expectError(await authorizeWith(await signRequest(authorizeClaims(), { alg })), 406, 'ValidationErrors');
    }
  });

  it('refuses a JWT signed by another key', async () => {
    const other = newRsaKeyPair();
    expectError(await authorizeWith(await signRequest(authorizeClaims(), { key: other.privateKey })), 406, 'ValidationErrors');
  });

  it('refuses an unknown client_id: 403 InvalidClient naming it', async () => {
    const res = await authorizeWith(await signRequest(authorizeClaims(), { clientId: 'nobody_nothing' }));
    expectError(res, 403, 'InvalidClient');
    expect(res.body.error.message).toBe('The client_id (nobody_nothing) is invalid');
  });

  it('refuses a replayed nonce: 406 InvalidRequest', async () => {
    const jwt = await signRequest(authorizeClaims());
    expect((await authorizeWith(jwt)).status).toBe(201);
    const again = await authorizeWith(jwt);
    expectError(again, 406, 'InvalidRequest');
    expect(again.body.error.message).toMatch(/^The nonce provided in JWT payload \(\w+\) has already been used$/);
  });

  it('refuses a stale or future timestamp: 406 InvalidRequest', async () => {
    const window = h.authority.config.requestJwtWindow * 1000;
    expectError(await authorizeWith(await signRequest(authorizeClaims(), { timestamp: Date.now() - window - 5000 })), 406, 'InvalidRequest');
    expectError(await authorizeWith(await signRequest(authorizeClaims(), { timestamp: Date.now() + window + 5000 })), 406, 'InvalidRequest');
  });

  it('checks the timestamp against the wall clock, not the mock clock', async () => {
    h.authority.clock.advance(40 * 86_400);
    try {
      expect((await authorizeWith(await signRequest(authorizeClaims()))).status).toBe(201);
    } finally {
      h.authority.clock.reset();
    }
  });

  it('refuses missing nonce or timestamp', async () => {
    const noNonce = await new SignJWT({ client_id: DEMO_CLIENT_ID, timestamp: Date.now(), ...authorizeClaims() })
      .setProtectedHeader({ alg: 'PS512', typ: 'JWT' })
      .sign((await import('../support/keys.js')).demoPrivateKey);
    expectError(await authorizeWith(noNonce), 406, 'ValidationErrors');
    const stringTimestamp = await signRequest({ ...authorizeClaims(), timestamp: String(Date.now()) });
    expectError(await authorizeWith(stringTimestamp), 406, 'ValidationErrors');
  });

  it('does not burn a nonce on a request whose signature fails', async () => {
    const n = nonce();
    const other = newRsaKeyPair();
    expectError(await authorizeWith(await signRequest(authorizeClaims(), { key: other.privateKey, nonce: n })), 406, 'ValidationErrors');
    expect((await authorizeWith(await signRequest(authorizeClaims(), { nonce: n }))).status).toBe(201);
  });

  it('keeps nonces apart per client', async () => {
    const keys = newRsaKeyPair();
    await h.http.post('/__admin/apps').send({ appId: 'nonce-app', contractId: 'c1', publicKey: keys.publicKeyPem }).expect(201);
    const n = nonce();
    expect((await authorizeWith(await signRequest(authorizeClaims(), { nonce: n }))).status).toBe(201);
    expect(
      (await authorizeWith(await signRequest(authorizeClaims(), { nonce: n, key: keys.privateKey, clientId: 'nonce-app_c1' }))).status,
    ).toBe(201);
  });

  it('answers a small RSA key registration with ValidationErrors', async () => {
    const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const res = await h.http
      .post('/__admin/apps')
      .send({ appId: 'weak', contractId: 'c', publicKey: publicKey.export({ type: 'spki', format: 'pem' }) });
    // Every admin validation error is 400 (docs/protocol.md §8.10).
    expectError(res, 400, 'ValidationErrors');
  });
});
