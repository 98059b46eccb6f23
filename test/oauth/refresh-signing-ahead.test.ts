/**
 * Access tokens signed ahead of the refreshes that hand them out (docs/protocol.md §6): a token
 * refreshed many times at once keeps several signed ahead, and none of that shows to a client.
 * A token refreshed again within a second has its next token response signed ahead too.
 */
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { afterEach, expect, it, vi } from 'vitest';
import { SigningKey } from '../../mock-server/core/index.js';
import { authorizeAndExchange, bearer, createHarness, refresh } from '../support/harness.js';
import { signRequest } from '../support/request-jwt.js';

const accessOf = (res: { body: { token: string } }) => (decodeJwt(res.body.token) as { access_token: { value: string } }).access_token.value;

it('waves of refreshes of one token at once each get their own working access token, signed with the current key', async () => {
  const h = await createHarness();
  const { payload } = await authorizeAndExchange(h);
  const handedOut: string[] = [];
  for (let wave = 0; wave < 4; wave++) {
    const results = await Promise.all(Array.from({ length: 12 }, () => refresh(h, payload.refresh_token.value)));
    expect(results.map((r) => r.status)).toEqual(Array(12).fill(201));
    handedOut.push(...results.map(accessOf));
  }
  expect(new Set(handedOut.map((v) => decodeJwt(v).jti)).size).toBe(handedOut.length);
  const kid = h.authority.overview().kid;
  for (const value of handedOut) {
    expect(decodeProtectedHeader(value).kid).toBe(kid);
    const res = await h.http.get('/v1.7/permission-access/accounts').set(bearer(await signRequest({ access_token: value })));
    expect(res.status).toBe(200);
  }

  // Tokens signed ahead with the replaced key are not handed out after a rotation.
  const { kid: rotated } = await h.authority.rotateKeys();
  const after = await Promise.all(Array.from({ length: 6 }, () => refresh(h, payload.refresh_token.value)));
  expect(after.map((r) => decodeProtectedHeader(accessOf(r)).kid)).toEqual(Array(6).fill(rotated));

  // Nor after the family is revoked: the refresh token is refused, and no access token comes out.
  h.authority.revokeTokens({ consentId: payload.consentid });
  expect((await refresh(h, payload.refresh_token.value)).status).toBe(401);
});

afterEach(() => void vi.restoreAllMocks());

/**
 * Every JWS the server has signed, once signed; `settled()` resolves once every signing started so
 * far has ended, and whatever those started in turn (an answer signed ahead starts when the access
 * token it names is signed). A PS512 signature is randomised: an answer signed on demand is never
 * one signed before.
 */
function recordSignings() {
  const signed = new Set<string>();
  const pending: Promise<unknown>[] = [];
  const signJws = SigningKey.prototype.signJws;
  vi.spyOn(SigningKey.prototype, 'signJws').mockImplementation(function (this: SigningKey, payload: object, jku?: string) {
    const signing = signJws.call(this, payload, jku).then((jws) => (signed.add(jws), jws));
    pending.push(signing);
    return signing;
  });
  const settled = async () => {
    for (let seen = -1; seen !== pending.length; ) {
      seen = pending.length;
      await Promise.allSettled(pending);
    }
  };
  return { signed, settled };
}

/**
 * Refreshes `refreshToken`: each answer must name the expiry its mock time gives and carry a working
 * access token; `signedBefore` tells whether its answer was signed before the request came (the
 * server's signing in the background is waited for first, so the answer is always there if it was).
 */
function refresher(h: Awaited<ReturnType<typeof createHarness>>, refreshToken: string, { signed, settled }: ReturnType<typeof recordSignings>) {
  return async () => {
    await settled();
    const before = new Set(signed);
    const res = await refresh(h, refreshToken);
    expect(res.status).toBe(201);
    const answer = decodeJwt(res.body.token) as { access_token: { value: string; expires_on: number } };
    const expiresOn = Math.floor(h.authority.clock.now() / 1000) + 86_400;
    expect(answer.access_token.expires_on).toBe(expiresOn);
    const works = await h.http.get('/v1.7/permission-access/accounts').set(bearer(await signRequest({ access_token: answer.access_token.value })));
    expect(works.status).toBe(200);
    return { signedBefore: before.has(res.body.token as string), access: answer.access_token.value };
  };
}

it('a token refreshed again within the second answers with a token response signed before the request came; a second later, with its own, naming the later expiry', async () => {
  // One origin for every request (supertest listens on a new port each time), so one key-set URL.
  const h = await createHarness({ publicUrl: 'http://mock.test' });
  h.authority.clock.freeze(true);
  const { payload } = await authorizeAndExchange(h);
  const refreshOnce = refresher(h, payload.refresh_token.value, recordSignings());
  // The clock stands still: each refresh comes 0 ms after the family's last tokens, so each signs the next answer ahead.
  expect((await refreshOnce()).signedBefore).toBe(false); // the family's first refresh: the code exchange signed no answer ahead
  expect((await refreshOnce()).signedBefore).toBe(true);
  const third = await refreshOnce();
  expect(third.signedBefore).toBe(true);
  expect((await refreshOnce()).signedBefore).toBe(true);

  // A second later the answer signed ahead names an expiry a second too early: it is not used.
  h.authority.clock.advance(1);
  const later = await refreshOnce();
  expect(later.signedBefore).toBe(false);
  expect(later.access).not.toBe(third.access);

  // That refresh came a second after the last: it signed no answer ahead; the next does again.
  expect((await refreshOnce()).signedBefore).toBe(false);
  expect((await refreshOnce()).signedBefore).toBe(true);
  // A key rotation drops the answer signed ahead: the next is signed with the new key.
  const { kid } = await h.authority.rotateKeys();
  const res = await refresh(h, payload.refresh_token.value);
  expect(decodeProtectedHeader(res.body.token).kid).toBe(kid);
  expect(decodeProtectedHeader(accessOf(res)).kid).toBe(kid);
});

it('a family refreshed about once a second has no answer signed ahead that the next second would waste', async () => {
  // One origin for every request (supertest listens on a new port each time), so one key-set URL.
  const h = await createHarness({ publicUrl: 'http://mock.test' });
  h.authority.clock.freeze(true);
  h.authority.clock.set(Date.UTC(2030, 0, 1, 0, 0, 0, 100));
  const { payload } = await authorizeAndExchange(h);
  const refreshOnce = refresher(h, payload.refresh_token.value, recordSignings());
  // 600 ms after the code exchange with 300 ms left in the second: the next would likely come in the next second.
  h.authority.clock.advance(0.6);
  expect((await refreshOnce()).signedBefore).toBe(false);
  h.authority.clock.advance(0.05);
  expect((await refreshOnce()).signedBefore).toBe(false);
  // 50 ms after the last with 250 ms left: its answer was signed ahead.
  h.authority.clock.advance(0.05);
  expect((await refreshOnce()).signedBefore).toBe(true);
});

it('an answer signed ahead for one origin is not handed to a request at another: its header names the key set there', async () => {
  const h = await createHarness();
  h.authority.clock.freeze(true);
  const { payload } = await authorizeAndExchange(h);
  const refreshAt = async (host: string) => {
    const jwt = await signRequest({ grant_type: 'refresh_token', refresh_token: payload.refresh_token.value });
    const res = await h.http.post('/v1.7/oauth/token').set(bearer(jwt)).set('Host', host);
    expect(res.status).toBe(201);
    return decodeProtectedHeader(res.body.token).jku;
  };
  expect(await refreshAt('a.example')).toBe('http://a.example/v1.7/jwks/oauth');
  expect(await refreshAt('a.example')).toBe('http://a.example/v1.7/jwks/oauth');
  expect(await refreshAt('b.example')).toBe('http://b.example/v1.7/jwks/oauth');
});

it('with rotating refresh tokens each answer names the refresh token it made', async () => {
  const h = await createHarness({ refreshPolicy: 'rotate', publicUrl: 'http://mock.test' });
  h.authority.clock.freeze(true);
  const { payload } = await authorizeAndExchange(h);
  let token = payload.refresh_token.value;
  for (let i = 0; i < 4; i++) {
    const res = await refresh(h, token);
    expect(res.status).toBe(201);
    const next = (decodeJwt(res.body.token) as { refresh_token: { value: string } }).refresh_token.value;
    expect(next).not.toBe(token);
    token = next;
  }
});
