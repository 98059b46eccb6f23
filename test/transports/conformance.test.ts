/**
 * One scenario list, two transports: the Express server over real HTTP and the msw handlers
 * in-process. Each scenario records what a client observes (statuses, error codes, decrypted data)
 * and must observe the same through both.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt, UnsecuredJWT } from 'jose';
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Authority, SigningKey } from '../../mock-server/core/index.js';
import { createDigimeMock } from '../../mock-server/msw/index.js';
import { startMockServer, type RunningMockServer } from '../../mock-server/server.js';
import { decodeMetadata, decryptFile } from '../support/data.js';
import { DEMO_CLIENT_ID, newRsaKeyPair, testServerKeyPem } from '../support/keys.js';
import { nonce, pkce, signRequest, type SignOptions } from '../support/request-jwt.js';

interface Driver {
  name: string;
  authority: Authority;
  /** Like fetch, with a path on the mock's origin; never follows redirects. */
  send(path: string, init?: RequestInit): Promise<Response>;
}

const REDIRECT = 'http://localhost:3000/callback';
const DAY = 86_400;

let express: RunningMockServer;
let msw: ReturnType<typeof setupServer>;
const drivers: Driver[] = [];

beforeAll(async () => {
  const signingKey = await SigningKey.fromPem(testServerKeyPem());
  const keyFile = join(mkdtempSync(join(tmpdir(), 'conf-')), 'k.pem');
  express = await startMockServer({ port: 0, logLevel: 'silent', keyFile }, { signingKey });
  const origin = 'http://digime.conformance';
  const mock = await createDigimeMock({ baseUrl: `${origin}/v1.7/`, onboardUrl: `${origin}/apps/saas/`, keyFile }, { signingKey });
  msw = setupServer(...mock.handlers);
  msw.listen({ onUnhandledRequest: 'bypass' });
  drivers.push(
    { name: 'express', authority: express.authority, send: (p, i) => fetch(express.url + p, { redirect: 'manual', ...i }) },
    { name: 'msw', authority: mock.authority, send: (p, i) => fetch(origin + p, { redirect: 'manual', ...i }) },
  );
});

afterAll(async () => {
  msw?.close();
  await express?.close();
});

// ---- client steps, over whichever transport ----

const post = async (d: Driver, path: string, jwt: string, body?: object) =>
  d.send(path, {
    method: 'POST',
    headers: { authorization: `Bearer ${jwt}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
const get = (d: Driver, path: string, jwt: string, method = 'GET') =>
  d.send(path, { method, headers: { authorization: `Bearer ${jwt}` } });

async function outcome(res: Response) {
  const type = res.headers.get('content-type') ?? '';
  const body = type.includes('json') ? await res.json() : undefined;
  return { status: res.status, code: (body as { error?: { code: string } } | undefined)?.error?.code };
}

async function authorize(d: Driver, sign?: SignOptions) {
  const { verifier, challenge } = pkce();
  const res = await post(d, '/v1.7/oauth/authorize', await signRequest({ code_challenge: challenge, code_challenge_method: 'S256', redirect_uri: REDIRECT, response_mode: 'query', response_type: 'code', state: 'st' }, sign), {});
  const body = (await res.json()) as { token: string; session: { key: string } };
  return { status: res.status, verifier, code: (decodeJwt(body.token) as { preauthorization_code: string }).preauthorization_code, session: body.session };
}

async function consent(d: Driver, code: string, decision: 'accept' | 'deny') {
  const res = await d.send(`/apps/saas/authorize?code=${encodeURIComponent(code)}&autoConsent=${decision}`);
  return { status: res.status, params: new URL(res.headers.get('location') ?? 'http://none/').searchParams };
}

async function exchange(d: Driver, code: string | null, verifier: string, sign?: SignOptions) {
  return post(d, '/v1.7/oauth/token', await signRequest({ code, code_verifier: verifier, grant_type: 'authorization_code' }, sign));
}

async function tokens(d: Driver) {
  const a = await authorize(d);
  const c = await consent(d, a.code, 'accept');
  const res = await exchange(d, c.params.get('code'), a.verifier);
  const payload = decodeJwt(((await res.json()) as { token: string }).token) as {
    access_token: { value: string }; refresh_token: { value: string };
  };
  return { access: payload.access_token.value, refresh: payload.refresh_token.value, session: a.session.key };
}

const refresh = async (d: Driver, value: string) =>
  post(d, '/v1.7/oauth/token', await signRequest({ grant_type: 'refresh_token', refresh_token: value }));
const trigger = async (d: Driver, access: string, body: object = {}) =>
  post(d, '/v1.7/permission-access/trigger', await signRequest({ access_token: access }), body);

// ---- the scenarios: each returns what a client observed ----

const scenarios: Record<string, (d: Driver) => Promise<unknown>> = {
  'JWKS serves one PS512 key with pem': async (d) => {
    const res = await d.send('/v1.7/jwks/oauth');
    const { keys } = (await res.json()) as { keys: { kid: string; alg: string; pem: string }[] };
    return { status: res.status, kid: keys[0]?.kid, alg: keys[0]?.alg, pem: keys[0]?.pem.includes('PUBLIC KEY') };
  },
  'consent accepted, code exchanged, tokens issued': async (d) => {
    const a = await authorize(d);
    const c = await consent(d, a.code, 'accept');
    const res = await exchange(d, c.params.get('code'), a.verifier);
    const payload = decodeJwt(((await res.json()) as { token: string }).token);
    return { authorize: a.status, consent: c.status, success: c.params.get('success'), state: c.params.get('state'), exchange: res.status, keys: Object.keys(payload).sort() };
  },
  'consent denied': async (d) => {
    const a = await authorize(d);
    const c = await consent(d, a.code, 'deny');
    return { status: c.status, params: Object.fromEntries(c.params) };
  },
  'unknown consent code: an HTML error page': async (d) => {
    const res = await d.send('/apps/saas/authorize?code=nope&autoConsent=accept');
    return { status: res.status, html: (res.headers.get('content-type') ?? '').startsWith('text/html') };
  },
  'alg none, another key, unknown client, no bearer': async (d) => {
    const claims = { code_challenge: pkce().challenge, redirect_uri: REDIRECT };
    const unsigned = new UnsecuredJWT({ client_id: DEMO_CLIENT_ID, nonce: nonce(), timestamp: Date.now(), ...claims }).encode();
    return {
      none: await outcome(await post(d, '/v1.7/oauth/authorize', unsigned)),
      otherKey: await outcome(await post(d, '/v1.7/oauth/authorize', await signRequest(claims, { key: newRsaKeyPair().privateKey }))),
      unknownClient: await outcome(await post(d, '/v1.7/oauth/authorize', await signRequest(claims, { clientId: 'x_y' }))),
      noBearer: await outcome(await d.send('/v1.7/oauth/authorize', { method: 'POST' })),
    };
  },
  'replayed nonce, stale timestamp': async (d) => {
    const jwt = await signRequest({ code_challenge: pkce().challenge, redirect_uri: REDIRECT });
    return {
      first: await outcome(await post(d, '/v1.7/oauth/authorize', jwt, {})),
      replay: await outcome(await post(d, '/v1.7/oauth/authorize', jwt, {})),
      stale: await outcome(await post(d, '/v1.7/oauth/authorize', await signRequest({ code_challenge: pkce().challenge, redirect_uri: REDIRECT }, { timestamp: Date.now() - 3_600_000 }))),
    };
  },
  'wrong verifier, reused code, expired code': async (d) => {
    const a = await authorize(d);
    const c = await consent(d, a.code, 'accept');
    const wrong = await outcome(await exchange(d, c.params.get('code'), pkce().verifier));
    const right = await outcome(await exchange(d, c.params.get('code'), a.verifier));
    const reused = await outcome(await exchange(d, c.params.get('code'), a.verifier));
    const b = await authorize(d);
    const c2 = await consent(d, b.code, 'accept');
    d.authority.clock.advance(d.authority.config.ttl.authorizationCode + 1);
    const expired = await outcome(await exchange(d, c2.params.get('code'), b.verifier));
    d.authority.clock.reset();
    return { wrong, right, reused, expired };
  },
  'refresh, then access and refresh token expiry by the clock': async (d) => {
    const t = await tokens(d);
    const triggered = await outcome(await trigger(d, t.access));
    const refreshed = await outcome(await refresh(d, t.refresh));
    d.authority.clock.advance(DAY + 1);
    const accessExpired = await outcome(await trigger(d, t.access));
    const refreshedAfter = await outcome(await refresh(d, t.refresh));
    d.authority.clock.advance(30 * DAY);
    const refreshExpired = await outcome(await refresh(d, t.refresh));
    d.authority.clock.reset();
    return { triggered, refreshed, accessExpired, refreshedAfter, refreshExpired };
  },
  'targeted expiry of one user\'s access tokens': async (d) => {
    const t = await tokens(d);
    const expired = d.authority.expireTokens({ token: 'access', userId: 'demo' });
    return { expiredSome: expired > 0, trigger: await outcome(await trigger(d, t.access)), refresh: await outcome(await refresh(d, t.refresh)) };
  },
  'file list progression and decrypted files': async (d) => {
    const t = await tokens(d);
    const res = await trigger(d, t.access, { scope: { serviceGroups: [{ id: 5 }] } });
    const { session } = (await res.json()) as { session: { key: string } };
    const list = async () =>
      (await (await get(d, `/v1.7/permission-access/query/${session.key}`, await signRequest({ access_token: t.access }))).json()) as {
        status: { state: string }; fileList: { name: string }[];
      };
    const states = [(await list()).status.state];
    d.authority.clock.advance(600);
    const done = await list();
    states.push(done.status.state);
    const names = done.fileList.map((f) => f.name).sort();
    const files: Record<string, unknown> = {};
    for (const name of names.slice(0, 3)) {
      const r = await get(d, `/v1.7/permission-access/query/${session.key}/${name}`, await signRequest({ access_token: t.access }));
      const meta = decodeMetadata(r.headers.get('x-metadata'));
      const plain = decryptFile(Buffer.from(await r.arrayBuffer()), meta.compression);
      files[name] = { status: r.status, compression: meta.compression ?? 'none', metadata: meta.metadata, data: JSON.parse(plain.toString('utf8')) };
    }
    const missing = await outcome(await get(d, `/v1.7/permission-access/query/${session.key}/18_nope.json`, await signRequest({ access_token: t.access })));
    const unknownSession = await outcome(await get(d, `/v1.7/permission-access/query/nope`, await signRequest({ access_token: t.access })));
    d.authority.clock.reset();
    return { states, names, files, missing, unknownSession };
  },
  'accounts, then delete user': async (d) => {
    const t = await tokens(d);
    const res = await get(d, '/v1.7/permission-access/accounts', await signRequest({ access_token: t.access }));
    const accounts = ((await res.json()) as { reference: string; serviceTypeName: string }[]).map((a) => `${a.serviceTypeName}:${a.reference}`).sort();
    const del = await d.send('/v1.7/user', { method: 'DELETE', headers: { authorization: `Bearer ${await signRequest({ access_token: t.access })}` } });
    return { status: res.status, accounts, deleted: del.status, after: await outcome(await trigger(d, t.access)), refreshAfter: await outcome(await refresh(d, t.refresh)) };
  },
  'admin clock and unknown routes': async (d) => {
    const clock = await d.send('/__admin/clock', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ advance: 60 }) });
    const state = (await clock.json()) as { offsetMs: number };
    d.authority.clock.reset();
    return {
      clock: clock.status,
      moved: state.offsetMs >= 59_000,
      unknown: await outcome(await d.send('/v1.7/nothing')),
      method: await outcome(await d.send('/v1.7/oauth/token')),
    };
  },
};

const expected: Record<string, unknown> = {
  'consent denied': { status: 302, params: { success: 'false', errorCode: 'ConsentDenied', errorMessage: expect.any(String), state: 'st' } },
  'unknown consent code: an HTML error page': { status: 400, html: true },
  'alg none, another key, unknown client, no bearer': {
    none: { status: 406, code: 'ValidationErrors' },
    otherKey: { status: 406, code: 'ValidationErrors' },
    unknownClient: { status: 403, code: 'InvalidClient' },
    noBearer: { status: 406, code: 'ValidationErrors' },
  },
  'replayed nonce, stale timestamp': {
    first: { status: 201 },
    replay: { status: 406, code: 'InvalidRequest' },
    stale: { status: 406, code: 'InvalidRequest' },
  },
  'wrong verifier, reused code, expired code': {
    wrong: { status: 400, code: 'InvalidGrant' },
    right: { status: 201 },
    reused: { status: 400, code: 'InvalidGrant' },
    expired: { status: 400, code: 'InvalidGrant' },
  },
  'refresh, then access and refresh token expiry by the clock': {
    triggered: { status: 202 },
    refreshed: { status: 201 },
    accessExpired: { status: 401, code: 'InvalidToken' },
    refreshedAfter: { status: 201 },
    refreshExpired: { status: 401, code: 'InvalidToken' },
  },
  "targeted expiry of one user's access tokens": {
    expiredSome: true,
    trigger: { status: 401, code: 'InvalidToken' },
    refresh: { status: 201 },
  },
};

describe('Express and msw transports behave the same', () => {
  for (const [name, scenario] of Object.entries(scenarios)) {
    it(name, async () => {
      const seen: Record<string, unknown> = {};
      for (const d of drivers) seen[d.name] = await scenario(d);
      expect(seen.msw).toEqual(seen.express);
      if (expected[name]) expect(seen.express).toEqual(expected[name]);
    });
  }

  it('the data scenario saw real progress and real content', async () => {
    const d = drivers[1]!;
    const seen = (await scenarios['file list progression and decrypted files']!(d)) as {
      states: string[]; names: string[]; files: Record<string, { data: unknown; compression: string }>; missing: unknown; unknownSession: unknown;
    };
    expect(seen.states).toEqual(['pending', 'completed']);
    expect(seen.names.length).toBeGreaterThanOrEqual(12);
    expect(seen.names.every((n) => n.startsWith('18_5_19_'))).toBe(true);
    expect(new Set(Object.values(seen.files).map((f) => f.compression)).size).toBe(3);
    for (const f of Object.values(seen.files)) expect(Array.isArray(f.data) ? f.data.length : 0).toBeGreaterThan(0);
    expect(seen.missing).toEqual({ status: 404, code: 'NotFound' });
    expect(seen.unknownSession).toEqual({ status: 404, code: 'NotFound' });
  });

  it('accounts and deletion through msw', async () => {
    const seen = (await scenarios['accounts, then delete user']!(drivers[1]!)) as Record<string, unknown>;
    expect(seen).toMatchObject({ status: 200, deleted: 204, after: { status: 401, code: 'InvalidToken' }, refreshAfter: { status: 401, code: 'InvalidToken' } });
    expect((seen.accounts as string[]).length).toBe(3);
  });
});
