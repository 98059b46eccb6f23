/**
 * Storages (docs/protocol.md §9.6): `POST storage` makes a provisional one for the app, `GET
 * storage` gives the user's, and `POST reference` with `{type: "cloudId"}` names a provisional
 * storage on the consent page (`storageRef`), where approval hands it to the user.
 */
import { decodeJwt } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { createReference } from '../support/accounts.js';
import { authorizeAndExchange, bearer, createHarness, REDIRECT_URI, type Harness } from '../support/harness.js';
import { newRsaKeyPair } from '../support/keys.js';
import { createStorage, userStorage } from '../support/push-storage.js';
import { pkce, signRequest } from '../support/request-jwt.js';

let h: Harness;

beforeAll(async () => {
  h = await createHarness();
});

/** authorize, then the consent page with these parameters; the exchange when it redirects with a code. */
async function consentWith(params: Record<string, string>, on: Harness = h) {
  const h = on;
  const { verifier, challenge } = pkce();
  const jwt = await signRequest({ code_challenge: challenge, code_challenge_method: 'S256', redirect_uri: REDIRECT_URI, response_type: 'code', state: 's' });
  const authorize = await h.http.post('/v1.7/oauth/authorize').set(bearer(jwt)).send({});
  const { preauthorization_code: code } = decodeJwt(authorize.body.token) as { preauthorization_code: string };
  const page = await h.http.get('/apps/saas/authorize').query({ code, sourceType: 'pull', ...params });
  const location = page.headers.location as string | undefined;
  const redirectCode = location ? new URL(location).searchParams.get('code') : null;
  if (!redirectCode) return { page, code };
  const token = await h.http.post('/v1.7/oauth/token').set(bearer(await signRequest({ code: redirectCode, code_verifier: verifier, grant_type: 'authorization_code' })));
  return { page, code, accessToken: (decodeJwt(token.body.token) as { access_token: { value: string } }).access_token.value };
}

const storageReference = (storageId: string, on: Harness = h) => createReference(on, { type: 'cloudId', value: storageId });

describe('POST storage (app JWT)', () => {
  it('makes a provisional storage: 201 a bare {id, kid}, a new one each time', async () => {
    const a = await createStorage(h);
    const b = await createStorage(h);
    expect(a.status).toBe(201);
    expect(Object.keys(a.body).sort()).toEqual(['id', 'kid']);
    expect(typeof a.body.id).toBe('string');
    expect(typeof a.body.kid).toBe('string');
    expect(b.body.id).not.toBe(a.body.id);
  });

  it('needs a valid request JWT: unknown client 403 InvalidClient, none 406', async () => {
    expect((await createStorage(h, { clientId: 'nobody_none' })).status).toBe(403);
    const res = await h.http.post('/v1.7/storage');
    expect(res.status).toBe(406);
    expect(res.body.error.code).toBe('ValidationErrors');
  });
});

describe('GET storage (user JWT)', () => {
  it("gives the user's storage, made on the first call and the same after", async () => {
    const token = (await authorizeAndExchange(h, { user: 'alex' })).payload.access_token.value;
    const first = await userStorage(h, token);
    expect(first.status).toBe(200);
    expect(Object.keys(first.body).sort()).toEqual(['id', 'kid']);
    expect((await userStorage(h, token)).body).toEqual(first.body);
    const again = (await authorizeAndExchange(h, { user: 'alex' })).payload.access_token.value;
    expect((await userStorage(h, again)).body).toEqual(first.body);
    const other = (await authorizeAndExchange(h, { user: 'demo' })).payload.access_token.value;
    expect((await userStorage(h, other)).body.id).not.toBe(first.body.id);
  });

  it('an expired access token: 401 InvalidToken, so clients refresh', async () => {
    const { payload } = await authorizeAndExchange(h);
    h.authority.expireTokens({ token: 'access', consentId: payload.consentid });
    const res = await userStorage(h, payload.access_token.value);
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('InvalidToken');
  });
});

describe('POST reference {type: "cloudId"} and storageRef on the consent page', () => {
  it("names the app's provisional storage: 2xx {id}", async () => {
    const { id } = (await createStorage(h)).body;
    const res = await storageReference(id);
    expect(res.status).toBeGreaterThanOrEqual(200);
    expect(res.status).toBeLessThan(300);
    expect(typeof res.body.id).toBe('string');
    expect(res.body.id).not.toBe(id);
  });

  it("an unknown storage, or another app's: 404 NotFound", async () => {
    expect((await storageReference('nope')).status).toBe(404);
    const keys = newRsaKeyPair();
    h.authority.registerApp({ appId: 'other', contractId: 'c1', publicKey: keys.publicKeyPem });
    const theirs = (await createStorage(h, { key: keys.privateKey, clientId: 'other_c1' })).body.id;
    const res = await storageReference(theirs);
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('NotFound');
  });

  it("approval makes the provisional storage the user's", async () => {
    const f = await createHarness();
    const { id } = (await createStorage(f)).body;
    const ref = (await storageReference(id, f)).body.id;
    const { accessToken } = await consentWith({ storageRef: ref, autoConsent: 'accept', user: 'demo' }, f);
    expect((await userStorage(f, accessToken!)).body.id).toBe(id);
  });

  it('the page carries storageRef through its form to the decision', async () => {
    const f = await createHarness();
    const { id } = (await createStorage(f)).body;
    const ref = (await storageReference(id, f)).body.id;
    const { page, code } = await consentWith({ storageRef: ref }, f);
    expect(page.status).toBe(200);
    expect(page.text).toContain(`name="storageRef" value="${ref}"`);
    const post = await f.http.post('/apps/saas/authorize').type('form').send({ code, decision: 'accept', user: 'alex', storageRef: ref });
    expect(post.status).toBe(303);
    const token = (await authorizeAndExchange(f, { user: 'alex' })).payload.access_token.value;
    expect((await userStorage(f, token)).body.id).toBe(id);
  });

  it('a user who has a storage keeps it; the provisional one stays the app\'s', async () => {
    const token = (await authorizeAndExchange(h, { user: 'alex' })).payload.access_token.value;
    const theirs = (await userStorage(h, token)).body.id;
    const { id } = (await createStorage(h)).body;
    const ref = (await storageReference(id)).body.id;
    const { accessToken } = await consentWith({ storageRef: ref, autoConsent: 'accept', user: 'alex' });
    expect((await userStorage(h, accessToken!)).body.id).toBe(theirs);
    expect((await storageReference(id)).status).toBeLessThan(300);
  });

  it('only the authorize page hands a storage over: on the onboard page storageRef is ignored', async () => {
    const f = await createHarness();
    const { payload } = await authorizeAndExchange(f, { user: 'demo' });
    const { id } = (await createStorage(f)).body;
    const ref = (await storageReference(id, f)).body.id;
    const reference = await f.http
      .post('/v1.7/oauth/token/reference')
      .set(bearer(await signRequest({ access_token: payload.access_token.value, redirect_uri: REDIRECT_URI })))
      .send({});
    const { reference_code: code } = decodeJwt(reference.body.token) as { reference_code: string };
    const onboard = await f.http.get('/apps/saas/onboard').query({ code, storageRef: ref, autoConsent: 'accept' });
    expect(new URL(onboard.headers.location as string).searchParams.get('success')).toBe('true');
    expect((await userStorage(f, payload.access_token.value)).body.id).not.toBe(id);
    expect((await storageReference(id, f)).status).toBeLessThan(300);
  });

  it('a denied consent leaves the storage provisional', async () => {
    const f = await createHarness();
    const { id } = (await createStorage(f)).body;
    const ref = (await storageReference(id, f)).body.id;
    const denied = await consentWith({ storageRef: ref, autoConsent: 'deny', user: 'demo' }, f);
    expect(new URL(denied.page.headers.location as string).searchParams.get('success')).toBe('false');
    const { accessToken } = await consentWith({ autoConsent: 'accept', user: 'demo' }, f);
    expect((await userStorage(f, accessToken!)).body.id).not.toBe(id);
  });

  it('an unknown or expired storageRef: the 400 error page, the code unspent', async () => {
    const unknown = await consentWith({ storageRef: 'nope', autoConsent: 'accept' });
    expect(unknown.page.status).toBe(400);
    expect(unknown.page.text).toContain('This storage link is not valid.');
    expect((await h.http.get('/apps/saas/authorize').query({ code: unknown.code })).status).toBe(200);
    const { id } = (await createStorage(h)).body;
    const ref = (await storageReference(id)).body.id;
    h.authority.clock.advance(h.authority.config.ttl.referenceCode + 1);
    const expired = await consentWith({ storageRef: ref, autoConsent: 'accept' });
    h.authority.clock.reset();
    expect(expired.page.status).toBe(400);
  });
});
