/**
 * Access tokens signed ahead of the refreshes that hand them out (docs/protocol.md §6): a token
 * refreshed many times at once keeps several signed ahead, and none of that shows to a client.
 */
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { expect, it } from 'vitest';
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
