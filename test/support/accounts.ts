/**
 * The calls that manage one account of a user's library (docs/protocol.md §9.2, §9.3), made over
 * HTTP the way a digi.me client makes them: delete, the revoke URL and its page, a token
 * reference and an account reference for the reauthorize page.
 */
import { decodeJwt } from 'jose';
import { bearer, REDIRECT_URI, type Harness } from './harness.js';
import { signRequest, type SignOptions } from './request-jwt.js';

const AGENT = { agent: { sdk: { name: 'test', version: '1', meta: {} } } };

/** A location's path and query, to follow it on the harness's app. */
export const pathOf = (location: string) => {
  const url = new URL(location);
  return url.pathname + url.search;
};

export async function deleteAccount(h: Harness, accessToken: string, accountId?: string, sign?: SignOptions) {
  const req = h.http
    .delete('/v1.7/permission-access/service/h:accountId')
    .set(bearer(await signRequest({ access_token: accessToken }, sign)))
    .set('content-type', 'application/json');
  return accountId === undefined ? req : req.set('accountId', accountId);
}

export async function revokeUrl(
  h: Harness,
  accessToken: string,
  headers: { accountId?: string; redirectUri?: string },
  sign?: SignOptions,
) {
  let req = h.http
    .get('/v1.7/permission-access/revoke/h:accountId')
    .set(bearer(await signRequest({ access_token: accessToken }, sign)))
    .set('accept', 'application/json');
  if (headers.accountId !== undefined) req = req.set('accountId', headers.accountId);
  if (headers.redirectUri !== undefined) req = req.set('redirectUri', headers.redirectUri);
  return req;
}

/** The revoke page's path for an account, from a successful revoke-URL call. */
export async function revokePagePath(h: Harness, accessToken: string, accountId: string, redirectUri = REDIRECT_URI) {
  const res = await revokeUrl(h, accessToken, { accountId, redirectUri });
  if (res.status !== 200) throw new Error(`revoke URL answered ${res.status} ${JSON.stringify(res.body)}`);
  return pathOf(res.body.location as string);
}

/** `POST reference` with an app JWT (no access token). */
export async function createReference(h: Harness, body: unknown, sign?: SignOptions) {
  const req = h.http.post('/v1.7/reference').set(bearer(await signRequest({}, sign)));
  return body === undefined ? req : req.send(body as object);
}

/** `POST oauth/token/reference` as getReauthorizeAccountUrl sends it: no state, no PKCE. */
export async function tokenReference(h: Harness, accessToken: string, claims: Record<string, unknown> = {}) {
  const res = await h.http
    .post('/v1.7/oauth/token/reference')
    .set(bearer(await signRequest({ access_token: accessToken, redirect_uri: REDIRECT_URI, ...claims })))
    .send(AGENT);
  if (res.status !== 201) throw new Error(`token reference answered ${res.status} ${JSON.stringify(res.body)}`);
  const { reference_code } = decodeJwt(res.body.token) as { reference_code: string };
  return { code: reference_code, session: res.body.session as { key: string; expiry: number } };
}

/** What getReauthorizeAccountUrl builds: the reauthorize page's path, and the session it hands out. */
export async function reauthorizePagePath(h: Harness, accessToken: string, accountId: string) {
  const { code, session } = await tokenReference(h, accessToken);
  const ref = await createReference(h, { type: 'accountId', value: accountId });
  if (ref.status !== 201) throw new Error(`reference answered ${ref.status} ${JSON.stringify(ref.body)}`);
  const query = new URLSearchParams({ code, accountRef: ref.body.id as string });
  return { path: `/apps/saas/reauthorize?${query}`, session, accountRef: ref.body.id as string, code };
}

/** Follows a page link with `autoConsent`, returning the redirect's parameters. */
export async function decideAtOnce(h: Harness, path: string, decision: 'accept' | 'deny') {
  const res = await h.http.get(`${path}&autoConsent=${decision}`);
  if (res.status !== 302) throw new Error(`the page answered ${res.status}: ${res.text}`);
  const url = new URL(res.headers.location as string);
  return { url, params: Object.fromEntries(url.searchParams) };
}
