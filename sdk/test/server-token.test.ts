import { errors as joseErrors, SignJWT } from 'jose';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { InvalidArgumentError, NetworkError, ServerError, ServerTokenVerifier, TokenVerificationError } from '../src/index.js';
import { testKeyPair } from './helpers/keys.js';

const BASE = 'https://api.example/v1.7/';
const server = testKeyPair('jwks-server-a');
const rotated = testKeyPair('jwks-server-b');

/** The key-set endpoint's answer; undefined for the normal one (the current `keys`). */
type Respond = (url: string) => Promise<Response | undefined> | Response | undefined;

function harness(options: { cacheMs?: number; respond?: Respond } = {}) {
  const clock = { now: 1_700_000_000_000 };
  const fetched: string[] = [];
  const headers: Headers[] = [];
  let keys: unknown[] = [{ kid: 'a', pem: server.publicPem }];
  const fetchImpl: typeof fetch = async (input, init) => {
    const url = String(input instanceof Request ? input.url : input);
    fetched.push(url);
    headers.push(new Headers(init?.headers));
    const answer = await options.respond?.(url);
    return answer ?? new Response(JSON.stringify({ keys }), { status: 200, headers: { 'content-type': 'application/json' } });
  };
  const verifier = new ServerTokenVerifier({
    fetch: fetchImpl,
    baseUrl: BASE,
    now: () => clock.now,
    cacheMs: options.cacheMs ?? 900_000,
    clockToleranceMs: 60_000,
  });
  return { verifier, fetched, headers, clock, setKeys: (k: typeof keys) => (keys = k) };
}

function sign(payload: Record<string, unknown>, header: Record<string, unknown>, key = server.privateKey) {
  return new SignJWT(payload).setProtectedHeader({ alg: 'PS512', typ: 'JWT', ...header }).sign(key);
}

async function reasonOf(promise: Promise<unknown>): Promise<string | undefined> {
  const error = await promise.catch((e: unknown) => e);
  expect(error).toBeInstanceOf(TokenVerificationError);
  return (error as TokenVerificationError).reason;
}

async function failureOf(promise: Promise<unknown>): Promise<TokenVerificationError> {
  const error = await promise.catch((e: unknown) => e);
  expect(error).toBeInstanceOf(TokenVerificationError);
  return error as TokenVerificationError;
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
/** A compact JWS with this header and a made-up signature (for checks that come before any signature check). */
const unsigned = (header: Record<string, unknown>, payload: Record<string, unknown> = {}) =>
  `${b64(header)}.${b64(payload)}.${Buffer.from('not a signature').toString('base64url')}`;

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

describe('a verifier built by hand', () => {
  it('refuses bad options at once with InvalidArgument naming the field', () => {
    const good = { fetch, baseUrl: BASE, now: () => 0, cacheMs: 0, clockToleranceMs: 0 };
    const bad: [string, Record<string, unknown>][] = [
      ['baseUrl', { baseUrl: 'not a url' }],
      ['cacheMs', { cacheMs: -1 }],
      ['clockToleranceMs', { clockToleranceMs: Number.NaN }],
      ['fetch', { fetch: 'https://api.example' }],
    ];
    expect(() => new ServerTokenVerifier(good)).not.toThrow();
    for (const [field, change] of bad) {
      const error = (() => {
        try {
          new ServerTokenVerifier({ ...good, ...change } as unknown as ConstructorParameters<typeof ServerTokenVerifier>[0]);
        } catch (e) {
          return e;
        }
        return undefined;
      })();
      expect(error, field).toBeInstanceOf(InvalidArgumentError);
      expect((error as InvalidArgumentError).issues.map((i) => i.path), field).toContain(field);
    }
  });
});

describe('server token verification: what is refused before any key is fetched', () => {
  it('refuses a response without a compact JWS (missing, not a string, not three parts) as malformed, saying so', async () => {
    const { verifier, fetched } = harness();
    const signed = await sign({}, { kid: 'a' });
    // A JWE-shaped token (five parts) whose header claims PS512 is not a JWS either.
    for (const token of [undefined, null, 42, '', 'abc', 'a.b', `${signed}.extra.part`]) {
      const error = await failureOf(verifier.verify(token));
      expect(error.reason).toBe('malformed');
      expect(error.message).toMatch(/no compact JWS token/);
    }
    expect(fetched).toEqual([]);
  });

  it('refuses a token whose header does not decode as malformed, with the decoding error as cause', async () => {
    const { verifier, fetched } = harness();
    const error = await failureOf(verifier.verify('!!!.e30.c2ln'));
    expect(error.reason).toBe('malformed');
    expect(error.message).toMatch(/header cannot be decoded/);
    expect(error.cause).toBeInstanceOf(Error);
    expect(fetched).toEqual([]);
  });

  it('refuses a token without a kid (missing, empty or not a string) as malformed, without fetching a key set', async () => {
    const { verifier, fetched } = harness();
    for (const kid of [undefined, '', 7, ['a']]) {
      const error = await failureOf(verifier.verify(unsigned({ alg: 'PS512', ...(kid === undefined ? {} : { kid }) })));
      expect(error.reason).toBe('malformed');
      expect(error.message).toMatch(/no kid/);
    }
    expect(fetched).toEqual([]);
  });

  it('names the algorithm it refused', async () => {
    const { verifier } = harness();
    const rs512 = await new SignJWT({}).setProtectedHeader({ alg: 'RS512', kid: 'a' }).sign(server.privateKey);
    const error = await failureOf(verifier.verify(rs512));
    expect(error.message).toMatch(/RS512, not PS512/);
  });

  it('names the refused jku and the trusted origin', async () => {
    const { verifier } = harness();
    const offOrigin = await failureOf(verifier.verify(await sign({}, { kid: 'a', jku: 'https://evil.example/jwks' })));
    expect(offOrigin.message).toContain('https://evil.example/jwks');
    expect(offOrigin.message).toContain('https://api.example');
    const notUrl = await failureOf(verifier.verify(await sign({}, { kid: 'a', jku: 'not a url' })));
    expect(notUrl.message).toContain('"not a url"');
  });
});

describe('server token verification: signature and claims', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('a bad signature is "signature", naming the failure, with the verification error as cause', async () => {
    const { verifier } = harness();
    const forged = await sign({ a: 1 }, { kid: 'a' }, rotated.privateKey);
    const error = await failureOf(verifier.verify(forged));
    expect(error.reason).toBe('signature');
    expect(error.message).toMatch(/does not verify: signature verification failed/);
    expect(error.cause).toBeInstanceOf(joseErrors.JWSSignatureVerificationFailed);
  });

  it('checks exp and nbf against real time with the configured tolerance (60 s here), no more', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const nowSeconds = 1_800_000_000;
    vi.setSystemTime(nowSeconds * 1000);
    const { verifier } = harness();
    const signAt = (claims: { exp?: number; nbf?: number }) => {
      const jwt = new SignJWT({ v: 1 }).setProtectedHeader({ alg: 'PS512', kid: 'a' });
      if (claims.exp !== undefined) jwt.setExpirationTime(claims.exp);
      if (claims.nbf !== undefined) jwt.setNotBefore(claims.nbf);
      return jwt.sign(server.privateKey);
    };

    await expect(verifier.verify(await signAt({ exp: nowSeconds - 30 }))).resolves.toMatchObject({ v: 1 });
    await expect(verifier.verify(await signAt({ nbf: nowSeconds + 30 }))).resolves.toMatchObject({ v: 1 });

    const expired = await failureOf(verifier.verify(await signAt({ exp: nowSeconds - 90 })));
    expect(expired.reason).toBe('claims');
    expect(expired.cause).toBeInstanceOf(joseErrors.JWTExpired);
    const early = await failureOf(verifier.verify(await signAt({ nbf: nowSeconds + 90 })));
    expect(early.reason).toBe('claims');
    expect(early.cause).toBeInstanceOf(joseErrors.JWTClaimValidationFailed);
  });
});

describe('server token verification: the key set', () => {
  it('asks for the key set as JSON', async () => {
    const { verifier, headers } = harness();
    await verifier.verify(await sign({}, { kid: 'a' }));
    expect(headers[0]?.get('accept')).toBe('application/json');
  });

  it('uses a fetched key set for cacheMs and not a moment longer', async () => {
    const { verifier, fetched, clock } = harness({ cacheMs: 60_000 });
    const token = await sign({}, { kid: 'a' });
    await verifier.verify(token);
    clock.now += 59_999;
    await verifier.verify(token);
    expect(fetched).toHaveLength(1);
    clock.now += 1;
    await verifier.verify(token);
    expect(fetched).toHaveLength(2);
  });

  it('concurrent verifications with no key set yet share one fetch', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const { verifier, fetched } = harness({ respond: () => gate.then(() => undefined) });
    const tokens = await Promise.all([1, 2, 3].map((n) => sign({ n }, { kid: 'a' })));
    const verifications = Promise.all(tokens.map((t) => verifier.verify(t)));
    expect(fetched).toHaveLength(1);
    release();
    expect((await verifications).map((p) => p.n)).toEqual([1, 2, 3]);
    expect(fetched).toHaveLength(1);
  });

  it('names the unknown kid and where it looked', async () => {
    const { verifier } = harness();
    const error = await failureOf(verifier.verify(await sign({}, { kid: 'zzz' })));
    expect(error.reason).toBe('unknown-kid');
    expect(error.message).toBe(`No key with kid "zzz" at ${BASE}jwks/oauth`);
  });

  it('a key set that cannot be fetched is "jwks", with the network error as cause; the next verification fetches again', async () => {
    let down = true;
    const { verifier, fetched } = harness({
      respond: () => {
        if (down) throw new TypeError('fetch failed');
        return undefined;
      },
    });
    const token = await sign({ ok: true }, { kid: 'a' });
    const error = await failureOf(verifier.verify(token));
    expect(error.reason).toBe('jwks');
    expect(error.message).toBe(`Could not fetch the key set ${BASE}jwks/oauth`);
    expect(error.cause).toBeInstanceOf(NetworkError);
    down = false;
    await expect(verifier.verify(token)).resolves.toMatchObject({ ok: true });
    expect(fetched).toHaveLength(2);
  });

  it('a key set answered with an error status is not used, even when its body holds keys', async () => {
    let status = 500;
    const { verifier, fetched } = harness({
      respond: () =>
        status === 200
          ? undefined
          : new Response(JSON.stringify({ keys: [{ kid: 'a', pem: server.publicPem }] }), { status }),
    });
    const token = await sign({ ok: true }, { kid: 'a' });
    for (const failing of [500, 404, 301]) {
      status = failing;
      const error = await failureOf(verifier.verify(token));
      expect(error.reason).toBe('jwks');
      expect(error.message).toBe(`The key set ${BASE}jwks/oauth answered ${failing}`);
      expect(error.cause).toBeInstanceOf(ServerError);
      expect(error.cause).toMatchObject({ status: failing, request: `GET ${BASE}jwks/oauth` });
    }
    status = 200;
    await expect(verifier.verify(token)).resolves.toMatchObject({ ok: true });
    expect(fetched).toHaveLength(4);
  });

  it('a key set that is not JSON is "jwks", with the parse error as cause', async () => {
    const { verifier } = harness({ respond: () => new Response('<html>maintenance</html>', { status: 200 }) });
    const error = await failureOf(verifier.verify(await sign({}, { kid: 'a' })));
    expect(error.reason).toBe('jwks');
    expect(error.message).toBe(`The key set ${BASE}jwks/oauth is not JSON`);
    expect(error.cause).toBeInstanceOf(SyntaxError);
  });

  it('a key set without a "keys" array is "jwks"', async () => {
    let body: unknown;
    const { verifier } = harness({ respond: () => new Response(JSON.stringify(body), { status: 200 }) });
    const token = await sign({}, { kid: 'a' });
    for (const shape of [null, [], 'keys', {}, { keys: 'a' }, { keys: { a: server.publicPem } }]) {
      body = shape;
      const error = await failureOf(verifier.verify(token));
      expect(error.reason).toBe('jwks');
      expect(error.message).toBe(`The key set ${BASE}jwks/oauth has no "keys" array`);
    }
  });

  it('skips key-set entries that are not usable keys; the usable ones still verify', async () => {
    const { verifier, setKeys } = harness();
    const jwk = server.publicKey.export({ format: 'jwk' });
    setKeys([
      null,
      'a',
      7,
      { pem: server.publicPem },
      { kid: 5, pem: server.publicPem },
      { kid: 'garbage', pem: '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n' },
      // RSA members under another key type are not read as an RSA key.
      { kid: 'ec', kty: 'EC', n: String(jwk.n), e: String(jwk.e) },
      { kid: 'a', pem: server.publicPem },
      // A later entry that does not import does not replace a usable key with the same kid.
      { kid: 'a', pem: 'not a key' },
    ]);
    await expect(verifier.verify(await sign({ v: 1 }, { kid: 'a' }))).resolves.toMatchObject({ v: 1 });
    expect(await reasonOf(verifier.verify(await sign({}, { kid: 'garbage' })))).toBe('unknown-kid');
    expect(await reasonOf(verifier.verify(await sign({}, { kid: 'ec' })))).toBe('unknown-kid');
  });
});
