/** The request-JWT rules on their own, with a fake wall clock: no Express, no HTTP. */
import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { demoPrivateKey, DEMO_CLIENT_ID } from '../../test/support/keys.js';
import { Authority } from './authority.js';
import { ApiError } from './errors.js';
import { SigningKey } from './keys.js';
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
