import { decodeProtectedHeader, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { signRequestJwt } from '../src/index.js';
import { testKeyPair } from './helpers/keys.js';

const app = testKeyPair('request-jwt-app');
const signer = { clientId: 'my-app_my-contract', privateKey: app.privateKey };

function rawHeader(jwt: string): string {
  return Buffer.from(jwt.split('.')[0] ?? '', 'base64url').toString('utf8');
}

describe('request JWT', () => {
  it('has exactly the header {"alg":"PS512","typ":"JWT"} and verifies with the app public key', async () => {
    const jwt = await signRequestJwt(signer);
    expect(rawHeader(jwt)).toBe('{"alg":"PS512","typ":"JWT"}');
    expect(decodeProtectedHeader(jwt)).toEqual({ alg: 'PS512', typ: 'JWT' });
    await expect(jwtVerify(jwt, app.publicKey, { algorithms: ['PS512'] })).resolves.toBeTruthy();
  });

  it('carries client_id, a 32-character alphanumeric nonce and a millisecond timestamp, and no iat/exp', async () => {
    const before = Date.now();
    const jwt = await signRequestJwt(signer, { access_token: 'abc' });
    const after = Date.now();
    const { payload } = await jwtVerify(jwt, app.publicKey);
    expect(Object.keys(payload).sort()).toEqual(['access_token', 'client_id', 'nonce', 'timestamp']);
    expect(payload.client_id).toBe('my-app_my-contract');
    expect(payload.nonce).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(payload.timestamp).toBeGreaterThanOrEqual(before);
    expect(payload.timestamp).toBeLessThanOrEqual(after);
    expect(payload.access_token).toBe('abc');
  });

  it('makes a fresh nonce for every signature', async () => {
    const nonces = new Set<unknown>();
    for (let i = 0; i < 20; i++) nonces.add((await jwtVerify(await signRequestJwt(signer), app.publicKey)).payload.nonce);
    expect(nonces.size).toBe(20);
  });

  it('leaves out claims that are undefined and cannot be overridden on the base claims', async () => {
    const jwt = await signRequestJwt(signer, { state: undefined, client_id: 'forged', code: 'c' });
    const { payload } = await jwtVerify(jwt, app.publicKey);
    expect(payload).not.toHaveProperty('state');
    expect(payload.client_id).toBe('my-app_my-contract');
    expect(payload.code).toBe('c');
  });
});
