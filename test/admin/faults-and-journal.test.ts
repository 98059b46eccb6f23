/**
 * Faults (error answers, delays, dropped connections, matched by method, path, grant type, client
 * and user) and the request journal (what apps sent, newest first, every secret fingerprinted),
 * over the Express server.
 */
import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { SigningKey } from '../../mock-server/core/index.js';
import { startMockServer, type RunningMockServer } from '../../mock-server/index.js';
import { authorizeAndExchange, bearer, createHarness, refresh, type Harness } from '../support/harness.js';
import { testServerKeyPem } from '../support/keys.js';
import { signRequest } from '../support/request-jwt.js';

const fp = (value: string) => `sha256:${createHash('sha256').update(value).digest('base64url').slice(0, 12)}`;

const trigger = async (h: Harness, access: string) =>
  h.http.post('/v1.7/permission-access/trigger').set(bearer(await signRequest({ access_token: access }))).send({});

describe('/__admin/faults', () => {
  it('answers the next matching requests with the fault, counting down `times`, then the real answer', async () => {
    const h = await createHarness();
    const { payload } = await authorizeAndExchange(h);
    const created = await h.http
      .post('/__admin/faults')
      .send({ match: { method: 'post', path: 'oauth/token', grantType: 'refresh_token' }, respond: { status: 429, headers: { 'Retry-After': '2' } }, times: 2 })
      .expect(201);
    expect(created.body).toEqual({ id: expect.any(String) });
    for (let i = 0; i < 2; i++) {
      const res = await refresh(h, payload.refresh_token.value);
      expect(res.status).toBe(429);
      expect(res.headers['retry-after']).toBe('2');
      expect(res.body.error).toMatchObject({ code: 'TooManyRequests', reference: expect.any(String) });
    }
    expect((await refresh(h, payload.refresh_token.value)).status).toBe(201);
    expect((await h.http.get('/__admin/faults')).body).toEqual({
      faults: [
        {
          id: created.body.id,
          match: { method: 'post', path: 'oauth/token', grantType: 'refresh_token' },
          respond: { status: 429, headers: { 'Retry-After': '2' } },
          times: 2,
          remaining: 0,
          hits: 2,
        },
      ],
    });
  });

  it('matches by grant type, client, user and path prefix; other requests pass', async () => {
    const h = await createHarness();
    const demo = await authorizeAndExchange(h);
    const alex = await authorizeAndExchange(h, { user: 'alex' });
    await h.http.post('/__admin/faults').send({ match: { userId: 'alex', path: '/v1.7/permission-access/*' }, respond: { status: 503, error: { code: 'Maintenance', message: 'Back soon' } } }).expect(201);
    await h.http.post('/__admin/faults').send({ match: { grantType: 'authorization_code', clientId: 'demo-app_demo-ongoing' }, respond: { status: 500 }, times: 1 }).expect(201);
    const refused = await trigger(h, alex.payload.access_token.value);
    expect(refused.status).toBe(503);
    expect(refused.body.error).toMatchObject({ code: 'Maintenance', message: 'Back soon' });
    expect((await trigger(h, demo.payload.access_token.value)).status).toBe(202);
    expect((await refresh(h, alex.payload.refresh_token.value)).status).toBe(201);
    await expect(authorizeAndExchange(h)).rejects.toThrow(/token answered 500/);
    await expect(authorizeAndExchange(h)).resolves.toBeDefined();
  });

  it('DELETE removes one fault or all; an unknown one is 404', async () => {
    const h = await createHarness();
    const a = (await h.http.post('/__admin/faults').send({ match: { path: 'jwks/oauth' }, respond: { status: 503 } })).body.id;
    await h.http.post('/__admin/faults').send({ match: {}, delayMs: 1 }).expect(201);
    expect((await h.http.get('/v1.7/jwks/oauth')).status).toBe(503);
    await h.http.delete(`/__admin/faults/${a}`).expect(204);
    expect((await h.http.get('/v1.7/jwks/oauth')).status).toBe(200);
    expect((await h.http.get('/__admin/faults')).body.faults).toHaveLength(1);
    expect((await h.http.delete(`/__admin/faults/${a}`)).status).toBe(404);
    await h.http.delete('/__admin/faults').expect(204);
    expect((await h.http.get('/__admin/faults')).body).toEqual({ faults: [] });
  });

  it('refuses a fault that does nothing, or bad fields, with 400 naming them', async () => {
    const h = await createHarness();
    for (const [body, field] of [
      [{ match: {} }, 'give respond, delayMs or drop'],
      [{ respond: { status: 503 } }, 'match'],
      [{ match: { grantType: 'password' }, drop: true }, 'match.grantType'],
      [{ match: {}, respond: { status: 503, headers: { 'content-length': '1' } } }, 'respond.headers'],
      [{ match: {}, drop: false }, 'drop'],
      [{ match: {}, delayMs: -1 }, 'delayMs'],
      [{ match: {}, drop: true, times: 0 }, 'times'],
    ] as const) {
      const res = await h.http.post('/__admin/faults').send(body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.message).toContain(field);
    }
  });
});

describe('faults over a real connection', () => {
  let mock: RunningMockServer | undefined;
  afterEach(async () => {
    await mock?.close();
    mock = undefined;
  });

  it('drop closes the connection without an answer; delayMs delays the real answer', async () => {
    mock = await startMockServer({ port: 0, logLevel: 'silent' }, { signingKey: await SigningKey.fromPem(testServerKeyPem()) });
    const add = (spec: object) =>
      fetch(`${mock!.url}/__admin/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(spec) });
    expect((await add({ match: { path: 'jwks/oauth' }, drop: true, times: 1 })).status).toBe(201);
    await expect(fetch(`${mock.baseUrl}jwks/oauth`)).rejects.toThrow();
    expect((await fetch(`${mock.baseUrl}jwks/oauth`)).status).toBe(200);

    expect((await add({ match: { path: 'jwks/oauth' }, delayMs: 400, times: 1 })).status).toBe(201);
    const started = performance.now();
    const delayed = await fetch(`${mock.baseUrl}jwks/oauth`);
    expect(delayed.status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(390);
    const [entry] = ((await (await fetch(`${mock.url}/__admin/requests?limit=1`)).json()) as { requests: { fault?: object; durationMs: number }[] }).requests;
    expect(entry!.fault).toEqual({ id: expect.any(String), delayMs: 400 });
    expect(entry!.durationMs).toBeGreaterThanOrEqual(390);
    const dropped = ((await (await fetch(`${mock.url}/__admin/requests?status=0`)).json()) as { requests: { fault?: object }[] }).requests;
    expect(dropped).toEqual([expect.objectContaining({ status: 0, fault: { id: expect.any(String), drop: true } })]);
  });
});

describe('/__admin/requests', () => {
  it('journals API requests newest first, with who made them and how they ended; admin calls are not journaled', async () => {
    const h = await createHarness();
    const { payload } = await authorizeAndExchange(h);
    await h.http.post('/__admin/tokens/expire').send({ token: 'access' }).expect(200);
    await trigger(h, payload.access_token.value);
    await refresh(h, payload.refresh_token.value);
    const { requests } = (await h.http.get('/__admin/requests')).body;
    expect(requests.map((r: { method: string; path: string; status: number }) => `${r.method} ${r.path} ${r.status}`)).toEqual([
      'POST /v1.7/oauth/token 201',
      'POST /v1.7/permission-access/trigger 401',
      'POST /v1.7/oauth/token 201',
      'GET /apps/saas/authorize 302',
      'POST /v1.7/oauth/authorize 201',
    ]);
    expect(requests[0]).toMatchObject({ clientId: 'demo-app_demo-ongoing', userId: 'demo', grantType: 'refresh_token', id: expect.any(Number) });
    expect(Date.parse(requests[0].at)).not.toBeNaN();
    expect(Date.parse(requests[0].mockTime)).not.toBeNaN();
    expect(requests[0].durationMs).toBeGreaterThanOrEqual(0);
    expect(requests[1]).toMatchObject({ userId: 'demo', error: { code: 'InvalidToken' } });
    expect(requests[2]).toMatchObject({ grantType: 'authorization_code', userId: 'demo' });
    expect(requests.some((r: { path: string }) => r.path.startsWith('/__admin'))).toBe(false);
  });

  it('filters by limit, path, clientId, userId, status and since; DELETE empties it', async () => {
    const h = await createHarness();
    await authorizeAndExchange(h);
    const alex = await authorizeAndExchange(h, { user: 'alex' });
    await trigger(h, alex.payload.access_token.value);
    const get = async (query: string) => (await h.http.get(`/__admin/requests${query}`).expect(200)).body.requests as { path: string; userId?: string; status: number }[];
    expect(await get('?limit=2')).toHaveLength(2);
    expect((await get('?path=oauth/token')).map((r) => r.path)).toEqual(['/v1.7/oauth/token', '/v1.7/oauth/token']);
    expect((await get('?path=/v1.7/oauth/*')).length).toBe(4);
    expect((await get('?userId=alex')).map((r) => r.path)).toEqual(['/v1.7/permission-access/trigger', '/v1.7/oauth/token']);
    expect(await get('?clientId=someone_else')).toEqual([]);
    expect((await get('?status=202')).map((r) => r.path)).toEqual(['/v1.7/permission-access/trigger']);
    expect(await get(`?since=${new Date(Date.now() + 60_000).toISOString()}`)).toEqual([]);
    expect((await h.http.get('/__admin/requests?limit=many')).status).toBe(400);
    expect((await h.http.get('/__admin/requests?colour=red')).status).toBe(400);
    await h.http.delete('/__admin/requests').expect(204);
    expect(await get('')).toEqual([]);
  });

  it('keeps the newest journalSize requests', async () => {
    const h = await createHarness({ journalSize: 3 });
    for (let i = 0; i < 5; i++) await h.http.get('/v1.7/jwks/oauth');
    await h.http.get('/v1.7/nowhere');
    const { requests } = (await h.http.get('/__admin/requests')).body;
    expect(requests.map((r: { path: string }) => r.path)).toEqual(['/v1.7/nowhere', '/v1.7/jwks/oauth', '/v1.7/jwks/oauth']);
    expect(requests[0].id - requests[2].id).toBe(2);
  });

  it('holds no secret: access and refresh tokens, codes, verifiers and any JWT are fingerprinted', async () => {
    const h = await createHarness();
    const { payload, params, verifier, preauthorization_code } = await authorizeAndExchange(h);
    const code = params.get('code')!;
    await trigger(h, payload.access_token.value);
    await refresh(h, payload.refresh_token.value);
    // A reauthorisation carries the access token on authorize; a nested JWT under another name is a secret too.
    const odd = await signRequest({ access_token: payload.access_token.value, password: 'hunter2', extra: { id_token: payload.refresh_token.value } });
    await h.http.post('/v1.7/oauth/token/reference').set(bearer(odd)).send({});
    const journal = JSON.stringify((await h.http.get('/__admin/requests')).body);
    for (const secret of [payload.access_token.value, payload.refresh_token.value, code, verifier, preauthorization_code, 'hunter2', odd]) {
      expect(journal).not.toContain(secret);
    }
    const { requests } = (await h.http.get('/__admin/requests')).body as { requests: { grantType?: string; path: string; claims: Record<string, unknown> }[] };
    const exchange = requests.find((r) => r.grantType === 'authorization_code')!;
    expect(exchange.claims).toMatchObject({ code: fp(code), code_verifier: fp(verifier), grant_type: 'authorization_code', client_id: 'demo-app_demo-ongoing' });
    expect(requests.find((r) => r.grantType === 'refresh_token')!.claims.refresh_token).toBe(fp(payload.refresh_token.value));
    expect(requests.find((r) => r.path.endsWith('/trigger'))!.claims.access_token).toBe(fp(payload.access_token.value));
    const reference = requests.find((r) => r.path.endsWith('/token/reference'))!.claims;
    expect(reference).toMatchObject({ password: fp('hunter2'), extra: { id_token: fp(payload.refresh_token.value) } });
  });
});
