import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { ServerTokenVerifier, TokenVerificationError } from '../src/index.js';
import { testKeyPair } from './helpers/keys.js';

const BASE = 'https://api.example/v1.7/';
const server = testKeyPair('jwks-server-a');
const rotated = testKeyPair('jwks-server-b');

function harness(options: { cacheMs?: number } = {}) {
  const clock = { now: 1_700_000_000_000 };
  const fetched: string[] = [];
  let keys: { kid: string; pem?: string; kty?: string; n?: string; e?: string }[] = [{ kid: 'a', pem: server.publicPem }];
  const fetchImpl: typeof fetch = async (input) => {
    const url = String(input instanceof Request ? input.url : input);
    fetched.push(url);
    return new Response(JSON.stringify({ keys }), { status: 200, headers: { 'content-type': 'application/json' } });
  };
  const verifier = new ServerTokenVerifier({
    fetch: fetchImpl,
    baseUrl: BASE,
    now: () => clock.now,
    cacheMs: options.cacheMs ?? 900_000,
    clockToleranceMs: 60_000,
  });
  return { verifier, fetched, clock, setKeys: (k: typeof keys) => (keys = k) };
}

function sign(payload: Record<string, unknown>, header: Record<string, unknown>, key = server.privateKey) {
  return new SignJWT(payload).setProtectedHeader({ alg: 'PS512', typ: 'JWT', ...header }).sign(key);
}

async function reasonOf(promise: Promise<unknown>): Promise<string | undefined> {
  const error = await promise.catch((e: unknown) => e);
  expect(error).toBeInstanceOf(TokenVerificationError);
  return (error as TokenVerificationError).reason;
}

describe('server token verification', () => {
  it('verifies a PS512 token with the key named by kid, from the jku on the configured origin', async () => {
    const { verifier, fetched } = harness();
    const token = await sign({ preauthorization_code: 'x' }, { kid: 'a', jku: `${BASE}jwks/oauth` });
    await expect(verifier.verify(token)).resolves.toMatchObject({ preauthorization_code: 'x' });
    expect(fetched).toEqual([`${BASE}jwks/oauth`]);
  });

  it('uses the fixed JWKS path when there is no jku', async () => {
    const { verifier, fetched } = harness();
    await verifier.verify(await sign({}, { kid: 'a' }));
    expect(fetched).toEqual([`${BASE}jwks/oauth`]);
  });

  it('refuses a jku on another origin, without fetching it', async () => {
    const { verifier, fetched } = harness();
    for (const jku of ['https://evil.example/v1.7/jwks/oauth', 'http://api.example/v1.7/jwks/oauth', 'https://api.example:8443/jwks', 'not a url']) {
      const token = await sign({}, { kid: 'a', jku });
      expect(await reasonOf(verifier.verify(token))).toBe('untrusted-jku');
    }
    expect(fetched).toEqual([]);
  });

  it('refuses any algorithm but PS512', async () => {
    const { verifier } = harness();
    const rs512 = await new SignJWT({}).setProtectedHeader({ alg: 'RS512', kid: 'a' }).sign(server.privateKey);
    expect(await reasonOf(verifier.verify(rs512))).toBe('algorithm');
    const hs = await new SignJWT({}).setProtectedHeader({ alg: 'HS256', kid: 'a' }).sign(new Uint8Array(32));
    expect(await reasonOf(verifier.verify(hs))).toBe('algorithm');
    const none = `${Buffer.from('{"alg":"none","kid":"a"}').toString('base64url')}.${Buffer.from('{}').toString('base64url')}.`;
    expect(await reasonOf(verifier.verify(none))).toBe('algorithm');
  });

  it('refuses a bad signature and a malformed token', async () => {
    const { verifier } = harness();
    const forged = await sign({ a: 1 }, { kid: 'a' }, rotated.privateKey);
    expect(await reasonOf(verifier.verify(forged))).toBe('signature');
    expect(await reasonOf(verifier.verify('abc'))).toBe('malformed');
    expect(await reasonOf(verifier.verify(undefined))).toBe('malformed');
  });

  it('caches the key set', async () => {
    const { verifier, fetched } = harness();
    await verifier.verify(await sign({}, { kid: 'a' }));
    await verifier.verify(await sign({}, { kid: 'a' }));
    await Promise.all([1, 2, 3].map(async () => verifier.verify(await sign({}, { kid: 'a' }))));
    expect(fetched).toHaveLength(1);
  });

  it('fetches the key set again for an unknown kid (key rotation)', async () => {
    const { verifier, fetched, setKeys } = harness();
    await verifier.verify(await sign({}, { kid: 'a' }));
    setKeys([{ kid: 'a', pem: server.publicPem }, { kid: 'b', pem: rotated.publicPem }]);
    await expect(verifier.verify(await sign({ ok: true }, { kid: 'b' }, rotated.privateKey))).resolves.toMatchObject({ ok: true });
    expect(fetched).toHaveLength(2);
  });

  it('fails with unknown-kid when the kid is in no fresh key set', async () => {
    const { verifier, fetched } = harness();
    expect(await reasonOf(verifier.verify(await sign({}, { kid: 'zzz' })))).toBe('unknown-kid');
    expect(fetched).toHaveLength(1);
  });

  it('fetches the key set again once the cache has expired', async () => {
    const { verifier, fetched, clock } = harness({ cacheMs: 60_000 });
    await verifier.verify(await sign({}, { kid: 'a' }));
    clock.now += 61_000;
    await verifier.verify(await sign({}, { kid: 'a' }));
    expect(fetched).toHaveLength(2);
  });

  it('accepts keys given only as RSA JWK members', async () => {
    const { verifier, setKeys } = harness();
    const jwk = server.publicKey.export({ format: 'jwk' });
    setKeys([{ kid: 'a', kty: 'RSA', n: String(jwk.n), e: String(jwk.e) }]);
    await expect(verifier.verify(await sign({ v: 1 }, { kid: 'a' }))).resolves.toMatchObject({ v: 1 });
  });
});
