/** The request-JWT rules on their own, with a fake wall clock: no Express, no HTTP. */
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { demoPrivateKey, DEMO_CLIENT_ID } from '../../test/support/keys.js';
import { Authority } from './authority.js';
import { ApiError } from './errors.js';
import { SigningKey } from './keys.js';
import { bearerToken, verifyPs512, verifyRequestJwt } from './request-jwt.js';
import { Store, type AppContract } from './store.js';
import { testServerKeyPem } from '../../test/support/keys.js';

async function setup(now: number) {
  const wall = { now: () => now };
  const authority = await Authority.create({ logLevel: 'silent', requestJwtWindow: 60 }, { signingKey: await SigningKey.fromPem(testServerKeyPem()), wallClock: wall });
  return authority;
}

const sign = (claims: object) =>
  new SignJWT({ client_id: DEMO_CLIENT_ID, ...claims }).setProtectedHeader({ alg: 'PS512', typ: 'JWT' }).sign(demoPrivateKey);

async function codeOf(p: Promise<unknown>) {
  try {
    await p;
    return 'ok';
  } catch (e) {
    return e instanceof ApiError ? `${e.status} ${e.code}` : String(e);
  }
}

describe('verifyRequest', () => {
  it('accepts timestamps inside the window either side of the wall clock', async () => {
    const a = await setup(10_000_000);
    expect(await codeOf(a.verifyRequest(await sign({ nonce: 'n'.repeat(32), timestamp: 10_000_000 - 60_000 })))).toBe('ok');
    expect(await codeOf(a.verifyRequest(await sign({ nonce: 'm'.repeat(32), timestamp: 10_000_000 + 60_000 })))).toBe('ok');
    expect(await codeOf(a.verifyRequest(await sign({ nonce: 'o'.repeat(32), timestamp: 10_000_000 - 60_001 })))).toBe('406 InvalidRequest');
  });

  it('remembers nonces for the window, independent of the mock clock', async () => {
    const a = await setup(10_000_000);
    const jwt = await sign({ nonce: 'a'.repeat(32), timestamp: 10_000_000 });
    expect(await codeOf(a.verifyRequest(jwt))).toBe('ok');
    a.clock.advance(365 * 86_400);
    expect(await codeOf(a.verifyRequest(jwt))).toBe('406 InvalidRequest');
  });
});

describe('nonce memory', () => {
  it('a nonce is refused up to the last millisecond of its window, and may be used again after it', async () => {
    let now = 10_000_000;
    const a = await Authority.create(
      { logLevel: 'silent', requestJwtWindow: 60 },
      { signingKey: await SigningKey.fromPem(testServerKeyPem()), wallClock: { now: () => now } },
    );
    const nonce = 'r'.repeat(32);
    const first = await sign({ nonce, timestamp: 10_000_000 });
    expect(await codeOf(a.verifyRequest(first))).toBe('ok');
    now = 10_000_000 + 60_000; // the first timestamp is still inside the window, so is the nonce
    await expect(a.verifyRequest(first)).rejects.toThrow(/has already been used/);
    now += 1;
    expect(await codeOf(a.verifyRequest(await sign({ nonce, timestamp: now })))).toBe('ok');
  });

  it('forgets the nonces whose window has passed, every 1024 nonces, and no others', async () => {
    const t0 = 10_000_000;
    let now = t0;
    const store = new Store();
    store.apps.set(DEMO_CLIENT_ID, { clientId: DEMO_CLIENT_ID, publicKey: createPublicKey(demoPrivateKey) } as AppContract);
    const rules = { store, wallClock: { now: () => now }, windowSeconds: 60 };
    const first = await sign({ nonce: 'a'.repeat(32), timestamp: t0 });
    await verifyRequestJwt(first, rules); // remembered until t0 + 60 s
    for (let i = 0; i < 1021; i++) store.nonces.set(`${DEMO_CLIENT_ID}:stale-nonce-${i}`, t0 - 1);
    now = t0 + 60_000;
    await verifyRequestJwt(await sign({ nonce: 'b'.repeat(32), timestamp: now }), rules);
    expect(store.nonces.size).toBe(1023);
    await verifyRequestJwt(await sign({ nonce: 'c'.repeat(32), timestamp: now }), rules); // the 1024th
    expect([...store.nonces.keys()].sort()).toEqual(['a', 'b', 'c'].map((n) => `${DEMO_CLIENT_ID}:${n.repeat(32)}`));
    await expect(verifyRequestJwt(first, rules)).rejects.toThrow(/has already been used/);
  });
});

describe('bearerToken', () => {
  it('takes the JWT after a Bearer scheme in any case, with any spaces around it', () => {
    for (const header of ['Bearer abc.def.ghi', 'bearer abc.def.ghi', 'BEARER \t abc.def.ghi', 'Bearer abc.def.ghi  ']) {
      expect(bearerToken(header), header).toBe('abc.def.ghi');
    }
  });

  it('finds nothing in any other header', () => {
    for (const header of [undefined, '', 'Bearer', 'Bearer ', 'Bearerabc', 'Basic abc', 'XBearer abc', ' Bearer abc', 'Bearer abc def']) {
      expect(bearerToken(header), String(header)).toBeUndefined();
    }
  });
});

describe('verifyPs512', () => {
  it('answers false, never throws, for a key, a signature or a text that cannot be a PS512 JWS', async () => {
    const jwt = await sign({ nonce: 'p'.repeat(32), timestamp: 1 });
    const key = createPublicKey(demoPrivateKey);
    expect(verifyPs512(jwt, key)).toBe(true);
    expect(verifyPs512(jwt, generateKeyPairSync('ed25519').publicKey)).toBe(false);
    expect(verifyPs512(jwt, generateKeyPairSync('x25519').publicKey)).toBe(false);
    for (const text of [jwt.slice(0, jwt.lastIndexOf('.') + 1), jwt.replaceAll('.', ''), '', '.', jwt.slice(0, -2)]) {
      expect(verifyPs512(text, key), text).toBe(false);
    }
  });
});
