/**
 * The scenario control plane over HTTP: reset, state snapshots, key rotation, users made at run
 * time and their scenarios, Pact provider states (docs/protocol.md §8.10).
 */
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { authorizeAndExchange, bearer, consent, createHarness, manualWallClock, refresh, type Harness } from '../support/harness.js';
import { newRsaKeyPair, testServerKeyPem } from '../support/keys.js';
import { signRequest } from '../support/request-jwt.js';

const trigger = async (h: Harness, access: string) =>
  h.http.post('/v1.7/permission-access/trigger').set(bearer(await signRequest({ access_token: access }))).send({});

const accounts = async (h: Harness, access: string) =>
  h.http.get('/v1.7/permission-access/accounts').set(bearer(await signRequest({ access_token: access })));

describe('POST /__admin/reset', () => {
  it('goes back to the state at start: tokens, runtime apps and users, faults, journal and clock go; the keys stay', async () => {
    const h = await createHarness();
    const jwks = (await h.http.get('/v1.7/jwks/oauth')).body;
    const { payload } = await authorizeAndExchange(h);
    await h.http.post('/__admin/apps').send({ appId: 'extra', contractId: 'c', publicKey: newRsaKeyPair().publicKeyPem }).expect(201);
    await h.http.post('/__admin/users').send({ id: 'tester-1' }).expect(201);
    await h.http.post('/__admin/faults').send({ match: { path: 'storage' }, respond: { status: 503 } }).expect(201);
    await h.http.post('/__admin/clock').send({ advance: 3600, freeze: true }).expect(200);
    expect((await h.http.get('/__admin/requests')).body.requests.length).toBeGreaterThan(0);

    const res = await h.http.post('/__admin/reset').expect(200);
    expect(res.body).toMatchObject({ reset: true, clock: { frozen: false, offsetMs: 0 } });
    expect((await h.http.get('/__admin/requests')).body).toEqual({ requests: [] });

    expect((await trigger(h, payload.access_token.value)).status).toBe(401);
    expect((await refresh(h, payload.refresh_token.value)).status).toBe(401);
    expect(h.authority.app('extra_c')).toBeUndefined();
    expect(h.authority.app('demo-app_demo-ongoing')).toBeDefined();
    expect(h.authority.user('tester-1')).toBeUndefined();
    expect((await h.http.get('/__admin/faults')).body).toEqual({ faults: [] });
    expect((await h.http.get('/v1.7/jwks/oauth')).body).toEqual(jwks);
    // A fresh start works as before.
    const again = await authorizeAndExchange(h);
    expect((await trigger(h, again.payload.access_token.value)).status).toBe(202);
  });

  it('takes no body but an empty JSON object', async () => {
    const h = await createHarness();
    const res = await h.http.post('/__admin/reset').send({ everything: true });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('ValidationErrors');
  });
});

describe('GET and PUT /__admin/state', () => {
  it('holds apps, users, consents, token records, codes, sessions, the clock and the public keys; never a token value or a private key', async () => {
    const h = await createHarness();
    const { payload } = await authorizeAndExchange(h);
    await h.http.post('/__admin/users').send({ id: 'snap-user', template: 'alex' }).expect(201);
    const state = (await h.http.get('/__admin/state').expect(200)).body;
    expect(state).toMatchObject({ format: 'digime-mock-state', version: 1, clock: { frozen: false } });
    expect(Object.keys(state.store)).toEqual(expect.arrayContaining(['apps', 'consents', 'tokens', 'authorizationCodes', 'preauthorizationCodes', 'sessions', 'runtimeUsers']));
    expect(Object.keys(state.store.tokens)).toHaveLength(2);
    expect(state.store.runtimeUsers['snap-user']).toMatchObject({ template: 'alex' });
    expect(state.keys).toEqual([{ kid: h.authority.overview().kid, status: 'current', jwk: expect.objectContaining({ kty: 'RSA' }) }]);
    const text = JSON.stringify(state);
    expect(text).not.toContain(payload.access_token.value);
    expect(text).not.toContain(payload.refresh_token.value);
    expect(text).not.toMatch(/PRIVATE KEY/);
    expect(text).not.toContain(testServerKeyPem().split('\n')[1]);
  });

  it('restores exactly: tokens issued before the snapshot work again, tokens issued after it do not', async () => {
    const h = await createHarness();
    const before = await authorizeAndExchange(h);
    const snapshot = (await h.http.get('/__admin/state')).body;
    const after = await authorizeAndExchange(h, { user: 'alex' });
    await h.http.post('/__admin/tokens/revoke').send({}).expect(200);
    expect((await trigger(h, before.payload.access_token.value)).status).toBe(401);

    const res = await h.http.put('/__admin/state').send(snapshot).expect(200);
    expect(res.body.restored).toBe(true);
    expect((await trigger(h, before.payload.access_token.value)).status).toBe(202);
    expect((await refresh(h, before.payload.refresh_token.value)).status).toBe(201);
    expect((await trigger(h, after.payload.access_token.value)).status).toBe(401);
    expect((await refresh(h, after.payload.refresh_token.value)).status).toBe(401);
  });

  it('restores the clock: a frozen clock at its time, a running one at its distance from real time', async () => {
    const wall = manualWallClock(Date.parse('2026-01-01T00:00:00Z'));
    const h = await createHarness({}, { wallClock: wall });
    await h.http.post('/__admin/clock').send({ set: '2030-05-06T07:08:09.000Z', freeze: true }).expect(200);
    const frozen = (await h.http.get('/__admin/state')).body;
    await h.http.post('/__admin/clock').send({ reset: true, advance: 86_400 }).expect(200);
    const running = (await h.http.get('/__admin/state')).body;
    await h.http.post('/__admin/reset').expect(200);
    wall.advance(60_000);

    await h.http.put('/__admin/state').send(frozen).expect(200);
    expect((await h.http.get('/__admin/clock')).body).toMatchObject({ now: '2030-05-06T07:08:09.000Z', frozen: true });
    await h.http.put('/__admin/state').send(running).expect(200);
    expect((await h.http.get('/__admin/clock')).body).toMatchObject({ frozen: false, offsetMs: 86_400_000 });
  });

  it('refuses another version or a damaged snapshot with 400 naming what is wrong, and changes nothing', async () => {
    const h = await createHarness();
    const { payload } = await authorizeAndExchange(h);
    const snapshot = (await h.http.get('/__admin/state')).body;
    const jti = Object.keys(snapshot.store.tokens)[0]!;
    const cases: [unknown, RegExp][] = [
      [{ ...snapshot, version: 2 }, /version: this mock reads state version 1, not 2/],
      [{ ...snapshot, format: 'something-else' }, /format/],
      [{ ...snapshot, clock: { nowMs: 'noon' } }, /clock/],
      [{ ...snapshot, store: { ...snapshot.store, nope: {} } }, /store\.nope: this mock keeps no such records/],
      [{ ...snapshot, store: { ...snapshot.store, tokens: { [jti]: { ...snapshot.store.tokens[jti], expiresAt: 'soon' } } } }, new RegExp(`store\\.tokens\\.${jti}\\.expiresAt`)],
      [{ ...snapshot, store: { ...snapshot.store, apps: { x_y: { clientId: 'x_y', appId: 'x', contractId: 'y', name: 'x', publicKeyPem: 'no', publicKey: { $publicKey: 'no' } } } } }, /store\.apps\.x_y\.publicKey: \$publicKey is not a readable PEM public key/],
      [{ ...snapshot, store: { ...snapshot.store, runtimeUsers: { u: { id: 'u', name: 'u', template: 'ghost', createdAt: 1 } } } }, /store\.runtimeUsers\.u\.template: there is no fixture user "ghost"/],
      [[], /\(body\)/],
    ];
    for (const [body, message] of cases) {
      const res = await h.http.put('/__admin/state').send(body as object);
      expect(res.status, JSON.stringify(res.body)).toBe(400);
      expect(res.body.error.code).toBe('ValidationErrors');
      expect(res.body.error.message).toMatch(message);
    }
    const malformed = await h.http.put('/__admin/state').set('content-type', 'application/json').send('{"format": ');
    expect(malformed.status).toBe(400);
    // Nothing changed: the token still works, and the state reads as before.
    expect((await trigger(h, payload.access_token.value)).status).toBe(202);
    const now = (await h.http.get('/__admin/state')).body;
    expect(Object.keys(now.store.tokens)).toEqual(Object.keys(snapshot.store.tokens));
    expect(now.store.apps).toEqual(snapshot.store.apps);
  });

  it('carries users made at run time and their scenarios', async () => {
    const h = await createHarness();
    await h.http.post('/__admin/users').send({ id: 'kept', template: 'demo' }).expect(201);
    await h.http.put('/__admin/users/kept/scenario').send({ reauthAccounts: ['acc-demo-bank-0001'] }).expect(200);
    const snapshot = (await h.http.get('/__admin/state')).body;
    await h.http.post('/__admin/reset').expect(200);
    expect(h.authority.user('kept')).toBeUndefined();
    await h.http.put('/__admin/state').send(snapshot).expect(200);
    expect(h.authority.user('kept')?.scenarios).toEqual({ partialAccounts: [], reauthAccounts: ['acc-kept-bank-0001'] });
  });
});

describe('POST /__admin/keys/rotate and GET /__admin/keys', () => {
  it('signs new tokens with the new key; the JWKS serves both until the previous key is retired', async () => {
    const h = await createHarness();
    const first = h.authority.overview().kid;
    expect((await h.http.get('/__admin/keys')).body).toEqual({ keys: [{ kid: first, status: 'current' }] });
    const old = await authorizeAndExchange(h);

    const rotated = (await h.http.post('/__admin/keys/rotate').send({}).expect(200)).body;
    expect(rotated).toEqual({ kid: expect.any(String), previous: first });
    expect(rotated.kid).not.toBe(first);
    expect((await h.http.get('/__admin/keys')).body).toEqual({ keys: [{ kid: rotated.kid, status: 'current' }, { kid: first, status: 'previous' }] });
    const jwks = (await h.http.get('/v1.7/jwks/oauth')).body;
    expect(jwks.keys.map((k: { kid: string }) => k.kid)).toEqual([rotated.kid, first]);

    const fresh = await authorizeAndExchange(h);
    expect(decodeProtectedHeader(fresh.token).kid).toBe(rotated.kid);
    expect(decodeProtectedHeader(fresh.payload.access_token.value).kid).toBe(rotated.kid);
    // Both the old and the new token responses verify through the JWKS.
    const keySet = createLocalJWKSet(jwks);
    await expect(jwtVerify(old.token, keySet)).resolves.toBeDefined();
    await expect(jwtVerify(fresh.token, keySet)).resolves.toBeDefined();
    // A refresh of the old family gets an access token signed with the new key.
    const refreshed = await refresh(h, old.payload.refresh_token.value);
    expect(refreshed.status).toBe(201);
    expect(decodeProtectedHeader(refreshed.body.token).kid).toBe(rotated.kid);

    const retired = (await h.http.post('/__admin/keys/rotate').send({ retirePrevious: true }).expect(200)).body;
    expect(retired.previous).toBeUndefined();
    const after = (await h.http.get('/v1.7/jwks/oauth')).body;
    expect(after.keys.map((k: { kid: string }) => k.kid)).toEqual([retired.kid]);
    await expect(jwtVerify(old.token, createLocalJWKSet(after))).rejects.toThrow();
    expect((await h.http.get('/__admin/health')).body).toEqual({ status: 'ok', kid: retired.kid });
    // Tokens live in the store, not in their signature: the old one is still good.
    expect((await trigger(h, old.payload.access_token.value)).status).toBe(202);
  });
});

describe('/__admin/users', () => {
  it("makes a user with a copy of a template's accounts and data, under ids of its own", async () => {
    const h = await createHarness();
    const res = await h.http.post('/__admin/users').send({ id: 'test-42', name: 'Test 42', template: 'alex' }).expect(201);
    expect(res.body).toEqual({
      id: 'test-42',
      name: 'Test 42',
      template: 'alex',
      accounts: [
        { id: '5_19_test-42-spotify', reference: 'acc-test-42-spotify-0001', serviceTypeName: 'Spotify' },
        { id: '1_4_test-42-instagram', reference: 'acc-test-42-instagram-0001', serviceTypeName: 'Instagram' },
      ],
    });
    const { payload } = await authorizeAndExchange(h, { user: 'test-42' });
    expect(payload.sub).toBe('test-42');
    const listed = (await accounts(h, payload.access_token.value)).body as { id: string; accessTokenStatus: { authorized: boolean } }[];
    expect(listed.map((a) => a.id)).toEqual(['5_19_test-42-spotify', '1_4_test-42-instagram']);
    // alex's Instagram asks for re-authorisation; so does the copy's.
    expect(listed.map((a) => a.accessTokenStatus.authorized)).toEqual([true, false]);
    // The data came too: a session of the copy lists files once synced.
    const session = (await trigger(h, payload.access_token.value)).body.session.key as string;
    await h.http.post('/__admin/clock').send({ advance: 3600 - 60 }).expect(200);
    const list = await h.http.get(`/v1.7/permission-access/query/${session}`).set(bearer(await signRequest({ access_token: payload.access_token.value })));
    expect(list.status).toBe(200);
    expect(list.body.status.state).toBe('partial');
    expect(list.body.fileList.length).toBeGreaterThan(0);
  });

  it('gives each test its own user: deleting one user does not touch another', async () => {
    const h = await createHarness();
    await h.http.post('/__admin/users').send({ id: 'a' }).expect(201);
    await h.http.post('/__admin/users').send({ id: 'b' }).expect(201);
    const a = await authorizeAndExchange(h, { user: 'a' });
    const b = await authorizeAndExchange(h, { user: 'b' });
    expect((await h.http.delete('/v1.7/user').set(bearer(await signRequest({ access_token: a.payload.access_token.value })))).status).toBe(204);
    expect((await trigger(h, a.payload.access_token.value)).status).toBe(401);
    expect((await trigger(h, b.payload.access_token.value)).status).toBe(202);
  });

  it('defaults: an id of its own, the default user as template', async () => {
    const h = await createHarness();
    const res = await h.http.post('/__admin/users').send({}).expect(201);
    expect(res.body.id).toMatch(/^user-[a-z0-9]{8}$/);
    expect(res.body.template).toBe('demo');
    expect(res.body.accounts).toHaveLength(3);
  });

  it('refuses a taken id, an unknown template and bad fields with 400 naming the field', async () => {
    const h = await createHarness();
    for (const [body, field] of [
      [{ id: 'demo' }, 'id'],
      [{ template: 'ghost' }, 'template'],
      [{ id: 'bad id' }, 'id'],
      [{ nickname: 'x' }, 'nickname'],
      [{ scenario: { reauthAccounts: ['acc-nobody'] } }, 'scenario'],
    ] as const) {
      const res = await h.http.post('/__admin/users').send(body);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('ValidationErrors');
      expect(res.body.error.message).toContain(field);
    }
  });

  it('DELETE removes a user made at run time with their consents and tokens; fixture users stay', async () => {
    const h = await createHarness();
    await h.http.post('/__admin/users').send({ id: 'gone' }).expect(201);
    const { payload } = await authorizeAndExchange(h, { user: 'gone' });
    await h.http.delete('/__admin/users/gone').expect(204);
    expect((await trigger(h, payload.access_token.value)).status).toBe(401);
    expect((await refresh(h, payload.refresh_token.value)).status).toBe(401);
    expect(h.authority.user('gone')).toBeUndefined();
    expect((await h.http.delete('/__admin/users/gone')).status).toBe(404);
    const fixture = await h.http.delete('/__admin/users/demo');
    expect(fixture.status).toBe(400);
    expect(fixture.body.error.message).toContain('fixture user');
    // The id can be taken again, with another template.
    expect((await h.http.post('/__admin/users').send({ id: 'gone', template: 'alex' })).body.accounts).toHaveLength(2);
  });

  it("PUT …/scenario changes at run time what a user's syncs do", async () => {
    const h = await createHarness();
    await h.http.post('/__admin/users').send({ id: 'sc', template: 'demo' }).expect(201);
    const { payload } = await authorizeAndExchange(h, { user: 'sc' });
    const authorized = async () =>
      ((await accounts(h, payload.access_token.value)).body as { reference: string; accessTokenStatus: { authorized: boolean } }[]).map(
        (a) => `${a.reference}:${a.accessTokenStatus.authorized}`,
      );
    expect(await authorized()).toEqual(['acc-sc-spotify-0001:true', 'acc-sc-instagram-0001:true', 'acc-sc-bank-0001:true']);

    // Accounts may be named as the template's: the copy's are meant.
    const set = await h.http.put('/__admin/users/sc/scenario').send({ reauthAccounts: ['acc-demo-spotify-0001'], partialAccounts: ['acc-sc-bank-0001'] });
    expect(set.status).toBe(200);
    expect(set.body).toEqual({ id: 'sc', scenario: { reauthAccounts: ['acc-sc-spotify-0001'], partialAccounts: ['acc-sc-bank-0001'] } });
    expect(await authorized()).toEqual(['acc-sc-spotify-0001:false', 'acc-sc-instagram-0001:true', 'acc-sc-bank-0001:false']);
    const session = (await trigger(h, payload.access_token.value)).body.session.key as string;
    await h.http.post('/__admin/clock').send({ advance: 60 }).expect(200);
    const list = await h.http.get(`/v1.7/permission-access/query/${session}`).set(bearer(await signRequest({ access_token: payload.access_token.value })));
    expect(list.body.status.state).toBe('partial');
    expect(Object.entries(list.body.status.details).filter(([, d]) => (d as { state: string }).state === 'partial').map(([id]) => id).sort()).toEqual([
      '3_138_sc-bank',
      '5_19_sc-spotify',
    ]);

    // Back to normal, for the same live session.
    await h.http.put('/__admin/users/sc/scenario').send({}).expect(200);
    expect(await authorized()).toEqual(['acc-sc-spotify-0001:true', 'acc-sc-instagram-0001:true', 'acc-sc-bank-0001:true']);
    const again = await h.http.get(`/v1.7/permission-access/query/${session}`).set(bearer(await signRequest({ access_token: payload.access_token.value })));
    expect(again.body.status.state).toBe('completed');

    expect((await h.http.put('/__admin/users/nobody/scenario').send({})).status).toBe(404);
    expect((await h.http.put('/__admin/users/sc/scenario').send({ reauthAccounts: ['acc-other'] })).status).toBe(400);
    expect((await h.http.put('/__admin/users/sc/scenario').send({ partial: [] })).status).toBe(400);
  });

  it("PUT …/scenario works on fixture users too, until reset", async () => {
    const h = await createHarness();
    const { payload } = await authorizeAndExchange(h, { user: 'alex' });
    await h.http.put('/__admin/users/alex/scenario').send({}).expect(200);
    const listed = (await accounts(h, payload.access_token.value)).body as { accessTokenStatus: { authorized: boolean } }[];
    expect(listed.map((a) => a.accessTokenStatus.authorized)).toEqual([true, true]);
    await h.http.post('/__admin/reset').expect(200);
    expect(h.authority.user('alex')?.scenarios?.partialAccounts).toHaveLength(1);
  });
});

describe('POST /__admin/pact/states', () => {
  it("sets up the provider kit's states and answers what they produced", async () => {
    const h = await createHarness();
    const app = await h.http.post('/__admin/pact/states').send({ state: 'an app contract demo-ongoing is registered', action: 'setup' });
    expect(app.status).toBe(200);
    expect(app.body).toEqual({});
    const tokens = await h.http.post('/__admin/pact/states').send({ state: 'the user has a valid access token', params: { userId: 'alex' }, action: 'setup' });
    expect(tokens.status).toBe(200);
    expect(tokens.body).toEqual({ userId: 'alex', accessToken: expect.any(String), refreshToken: expect.any(String) });
    expect((await trigger(h, tokens.body.accessToken)).status).toBe(202);
    await h.http.post('/__admin/pact/states').send({ state: 'the user has a valid access token', action: 'teardown' }).expect(200);

    const code = (await h.http.post('/__admin/pact/states').send({ state: 'the user has given consent and an authorization code has been issued' })).body;
    expect(code).toMatchObject({ code: expect.any(String), codeVerifier: expect.any(String) });
    const exchange = await h.http
      .post('/v1.7/oauth/token')
      .set(bearer(await signRequest({ grant_type: 'authorization_code', code: code.code, code_verifier: code.codeVerifier })));
    expect(exchange.status).toBe(201);
  });

  it('moves the clock for expiry states and puts it back on teardown', async () => {
    const h = await createHarness();
    const { accessToken, refreshToken } = (await h.http.post('/__admin/pact/states').send({ state: 'the access token has expired', action: 'setup' }).expect(200)).body;
    expect((await trigger(h, accessToken)).status).toBe(401);
    expect((await refresh(h, refreshToken)).status).toBe(201);
    expect((await h.http.get('/__admin/clock')).body.offsetMs).toBeGreaterThan(86_400_000);
    await h.http.post('/__admin/pact/states').send({ state: 'the access token has expired', action: 'teardown' }).expect(200);
    expect(Math.abs((await h.http.get('/__admin/clock')).body.offsetMs)).toBeLessThan(1000);
  });

  it('refuses an unknown state, naming the ones there are', async () => {
    const h = await createHarness();
    const res = await h.http.post('/__admin/pact/states').send({ state: 'the moon is full', action: 'setup' });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toContain('"the moon is full" is not a provider state');
    expect(res.body.error.message).toContain('the user has a valid access token');
    expect((await h.http.post('/__admin/pact/states').send({ action: 'setup' })).status).toBe(400);
  });
});
