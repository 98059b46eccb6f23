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
import { decodeRawMetadata, DESCRIPTOR, signCloudToken, signFileDescriptor } from '../support/push-storage.js';
import { DEMO_CLIENT_ID, newRsaKeyPair, testServerKeyPem } from '../support/keys.js';
import { nonce, pkce, signRequest, type SignOptions } from '../support/request-jwt.js';

interface Driver {
  name: string;
  authority: Authority;
  /** Like fetch, with a path on the mock's origin; never follows redirects. */
  send(path: string, init?: RequestInit): Promise<Response>;
  /** Like send, with a path under the cloud storage base (docs/protocol.md §9.6). */
  cloud(path: string, init?: RequestInit): Promise<Response>;
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
  // The cloud stays on digi.me's own address: msw serves it on another origin than the API.
  const cloudBaseUrl = 'https://cloud.digi.me/v1/';
  const mock = await createDigimeMock({ baseUrl: `${origin}/v1.7/`, onboardUrl: `${origin}/apps/saas/`, cloudBaseUrl, keyFile }, { signingKey });
  msw = setupServer(...mock.handlers);
  msw.listen({ onUnhandledRequest: 'bypass' });
  drivers.push(
    {
      name: 'express',
      authority: express.authority,
      send: (p, i) => fetch(express.url + p, { redirect: 'manual', ...i }),
      cloud: (p, i) => fetch(express.cloudBaseUrl + p, { redirect: 'manual', ...i }),
    },
    {
      name: 'msw',
      authority: mock.authority,
      send: (p, i) => fetch(origin + p, { redirect: 'manual', ...i }),
      cloud: (p, i) => fetch(cloudBaseUrl + p, { redirect: 'manual', ...i }),
    },
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
  // Managing accounts (docs/protocol.md §9.2, §9.3). A deletion is for good, so it takes alex's account.
  'delete an account': async (d) => {
    const a = await authorize(d);
    const c = await d.send(`/apps/saas/authorize?code=${encodeURIComponent(a.code)}&autoConsent=accept&user=alex`);
    const exchanged = await exchange(d, new URL(c.headers.get('location')!).searchParams.get('code'), a.verifier);
    const access = (decodeJwt(((await exchanged.json()) as { token: string }).token) as { access_token: { value: string } }).access_token.value;
    const remove = async (accountId?: string, token = access) =>
      d.send('/v1.7/permission-access/service/h:accountId', {
        method: 'DELETE',
        headers: { authorization: `Bearer ${await signRequest({ access_token: token })}`, 'content-type': 'application/json', ...(accountId ? { accountId } : {}) },
      });
    const deleted = await remove('1_4_alex-instagram');
    const accounts = (await (await get(d, '/v1.7/permission-access/accounts', await signRequest({ access_token: access }))).json()) as { id: string }[];
    const { session } = (await (await trigger(d, access, { sourceFetch: false })).json()) as { session: { key: string } };
    const list = (await (await get(d, `/v1.7/permission-access/query/${session.key}`, await signRequest({ access_token: access }))).json()) as {
      status: { state: string; details: Record<string, unknown> }; fileList: { name: string }[];
    };
    return {
      deleted: { status: deleted.status, body: await deleted.text() },
      accounts: accounts.map((x) => x.id),
      next: { state: list.status.state, accounts: Object.keys(list.status.details), services: [...new Set(list.fileList.map((f) => f.name.split('_').slice(1, 3).join('_')))] },
      again: await outcome(await remove('1_4_alex-instagram')),
      noHeader: await outcome(await remove()),
      badToken: await outcome(await remove('5_19_alex-spotify', 'nope')),
    };
  },
  'revoke, then re-authorise one account': async (d) => {
    const t = await tokens(d);
    const bank = '3_138_demo-bank';
    const userJwt = () => signRequest({ access_token: t.access });
    const revokeUrl = async (headers: Record<string, string>) =>
      d.send('/v1.7/permission-access/revoke/h:accountId', { headers: { authorization: `Bearer ${await userJwt()}`, accept: 'application/json', ...headers } });
    const status = async () =>
      ((await (await get(d, '/v1.7/permission-access/accounts', await userJwt())).json()) as { id: string; accessTokenStatus: unknown }[]).find((x) => x.id === bank)!
        .accessTokenStatus;
    const sync = async () => {
      const { session } = (await (await trigger(d, t.access, { sourceFetch: false })).json()) as { session: { key: string } };
      const list = (await (await get(d, `/v1.7/permission-access/query/${session.key}`, await userJwt())).json()) as {
        status: { state: string; details: Record<string, unknown> };
      };
      return { state: list.status.state, bank: list.status.details[bank] };
    };
    const revoke = await revokeUrl({ accountId: bank, redirectUri: REDIRECT });
    const { location } = (await revoke.json()) as { location: string };
    // The location is absolute, on the consent client this transport serves.
    const withdraw = await fetch(`${location}&autoConsent=accept`, { redirect: 'manual' });
    const afterRevoke = { status: await status(), sync: await sync() };
    const reference = await post(d, '/v1.7/reference', await signRequest(), { type: 'accountId', value: bank });
    const { id } = (await reference.json()) as { id: string };
    const tokenReference = await post(d, '/v1.7/oauth/token/reference', await signRequest({ access_token: t.access, redirect_uri: REDIRECT }), {});
    const { reference_code } = decodeJwt(((await tokenReference.json()) as { token: string }).token) as { reference_code: string };
    const approve = await d.send(`/apps/saas/reauthorize?code=${reference_code}&accountRef=${encodeURIComponent(id)}&autoConsent=accept`);
    return {
      revoke: { status: revoke.status, page: new URL(location).pathname },
      withdraw: { status: withdraw.status, to: withdraw.headers.get('location') },
      afterRevoke,
      reference: reference.status,
      approve: { status: approve.status, to: approve.headers.get('location') },
      afterReauthorize: { status: await status(), sync: await sync() },
      errors: {
        badRedirectUri: await outcome(await revokeUrl({ accountId: bank, redirectUri: 'nope' })),
        unknownAccount: await outcome(await revokeUrl({ accountId: 'nope', redirectUri: REDIRECT })),
        badReferenceType: await outcome(await post(d, '/v1.7/reference', await signRequest(), { type: 'email', value: 'x' })),
        spentRevokePage: (await fetch(`${location}&autoConsent=accept`, { redirect: 'manual' })).status,
        badAccountRef: (await d.send(`/apps/saas/reauthorize?code=nope&accountRef=nope`)).status,
      },
    };
  },
  // Push and storage (docs/protocol.md §9.5, §9.6).
  'push to the library, then a later session reads it': async (d) => {
    // A pushed file stays in demo's library. Pushed a year ahead, it is only in sessions that
    // start later still, not in the other scenarios', which start now.
    d.authority.clock.advance(365 * DAY);
    const t = await tokens(d);
    const push = async (descriptor: string | undefined, token = t.access) =>
      d.send('/v1.7/permission-access/import', {
        method: 'POST',
        headers: {
          authorization: `Bearer ${await signRequest({ access_token: token })}`,
          'content-type': 'application/octet-stream',
          ...(descriptor ? { FileDescriptor: descriptor } : {}),
        },
        body: new Uint8Array(Buffer.from('a pushed note')),
      });
    const pushed = await push(await signFileDescriptor({ mimeType: 'text/plain', accounts: [{ accountId: 'u-1' }], tags: ['note'] }));
    const delivered = { status: pushed.status, body: await pushed.json() };
    const { session } = (await (await trigger(d, t.access, { sourceFetch: false })).json()) as { session: { key: string } };
    const list = (await (await get(d, `/v1.7/permission-access/query/${session.key}`, await signRequest({ access_token: t.access }))).json()) as {
      fileList: { name: string; updatedDate: number }[];
    };
    const raw = list.fileList.filter((f) => !f.name.startsWith('18_'));
    const file = await get(d, `/v1.7/permission-access/query/${session.key}/${raw.at(-1)!.name}`, await signRequest({ access_token: t.access }));
    const { metadata } = decodeRawMetadata(file.headers.get('x-metadata'));
    const { created: _created, ...stable } = metadata;
    const seen = {
      delivered,
      listed: raw.map((f) => Object.keys(f).sort()),
      download: { status: file.status, metadata: stable, text: decryptFile(Buffer.from(await file.arrayBuffer()), undefined).toString() },
      noDescriptor: await outcome(await push(undefined)),
      badToken: await outcome(await push(await signFileDescriptor(DESCRIPTOR), 'nope')),
    };
    d.authority.clock.reset();
    return seen;
  },
  'push to a provider: only push accounts': async (d) => {
    const t = await tokens(d);
    const push = async (accountId?: string) =>
      post(d, '/v1.7/permission-access/import/h:accountId/fhir/stu3', await signRequest({ access_token: t.access }), { resourceType: 'Patient' }).then(outcome);
    const withHeader = async (accountId: string) =>
      outcome(
        await d.send('/v1.7/permission-access/import/h:accountId/fhir/stu3', {
          method: 'POST',
          headers: { authorization: `Bearer ${await signRequest({ access_token: t.access })}`, 'content-type': 'application/json', accountId },
          body: JSON.stringify({ resourceType: 'Patient' }),
        }),
      );
    return { pullAccount: await withHeader('5_19_demo-spotify'), unknown: await withHeader('nope'), noHeader: await push() };
  },
  'storage: provisional, the user\'s, a reference, and a cloud round trip': async (d) => {
    const t = await tokens(d);
    const created = await post(d, '/v1.7/storage', await signRequest());
    const provisional = (await created.json()) as { id: string; kid: string };
    const mine = await get(d, '/v1.7/storage', await signRequest({ access_token: t.access }));
    const storage = (await mine.json()) as { id: string; kid: string };
    const reference = await post(d, '/v1.7/reference', await signRequest(), { type: 'cloudId', value: provisional.id });
    const cloud = async (method: string, path: string, body?: Buffer, token?: string) =>
      d.cloud(`clouds/${storage.id}/files/apps/demo-app${path}`, {
        method,
        headers: { authorization: `Bearer ${token ?? (await signCloudToken())}`, ...(body ? { 'content-type': 'application/octet-stream' } : {}) },
        body: body && new Uint8Array(body),
      });
    const cloudOutcome = async (res: Response) => {
      const body = (await res.json()) as { statusCode: number; error: string };
      return { status: res.status, statusCode: body.statusCode, error: body.error };
    };
    const bytes = Buffer.from(Array.from({ length: 600 }, (_, i) => i % 251));
    const upload = await cloud('POST', '/Docs/Report.BIN', bytes);
    const { id: _id, ...entry } = (await upload.json()) as Record<string, string>;
    const list = (await (await cloud('GET', '/docs/?recursive=false')).json()) as { files: Record<string, string>[]; total: number };
    const download = await cloud('GET', '/docs/report.bin');
    const downloaded = Buffer.from(await download.arrayBuffer());
    const deleted = await cloud('DELETE', '/docs/');
    return {
      created: { status: created.status, keys: Object.keys(provisional).sort() },
      mine: { status: mine.status, keys: Object.keys(storage).sort() },
      reference: { status: reference.status, hasId: typeof ((await reference.json()) as { id?: unknown }).id === 'string' },
      unknownReference: await outcome(await post(d, '/v1.7/reference', await signRequest(), { type: 'cloudId', value: 'nope' })),
      upload: { status: upload.status, entry },
      list: { total: list.total, names: list.files.map((f) => [f.name, f.originalName, f.path, f.originalPath]) },
      download: { status: download.status, same: downloaded.equals(bytes) },
      deleted: deleted.status,
      after: ((await (await cloud('GET', '/?recursive=true')).json()) as { total: number }).total,
      badToken: await cloudOutcome(await cloud('GET', '/?recursive=true', undefined, 'nope')),
      space: await cloudOutcome(await cloud('POST', '/a%20b.txt', Buffer.from('x'))),
      unknownStorage: await cloudOutcome(await d.cloud('clouds/nope/files/apps/demo-app/', { headers: { authorization: `Bearer ${await signCloudToken()}` } })),
    };
  },
  'contract details, discovery and sample data sets': async (d) => {
    const app = async () => signRequest();
    const json = async (res: Response) => ({ status: res.status, body: (await res.json()) as any });
    const contract = await json(await get(d, '/v1.7/permission-access/contract', await app()));
    const all = await json(await post(d, '/v1.7/discovery/sources', await app()));
    const defaults = await json(await post(d, '/v1.7/discovery/sources', await app(), { query: { filter: { type: { id: [1] }, publishedStatus: ['approved'] } } }));
    const push = await json(await post(d, '/v1.7/discovery/sources', await app(), { limit: 1, query: { filter: { type: { id: [2] } } } }));
    const list = async (what: string, body?: object) => ((await json(await post(d, `/v1.7/discovery/${what}`, await app(), body))).body.data as { id: number }[]).map((x) => x.id);
    return {
      contract: { status: contract.status, id: contract.body.id, application: contract.body.application.id },
      all: { status: all.status, ids: all.body.data.map((s: { id: number }) => s.id), total: all.body.total },
      defaults: defaults.body.data.map((s: { name: string }) => s.name),
      push: { names: push.body.data.map((s: { name: string }) => s.name), limit: push.body.limit, total: push.body.total },
      countries: await list('countries'),
      platforms: await list('platforms', { query: { filter: { id: [2] } } }),
      categories: await list('categories', {}),
      sets: Object.keys((await json(await get(d, '/v1.7/permission-access/sample/datasets/19', await app()))).body).sort(),
      noSets: (await json(await get(d, '/v1.7/permission-access/sample/datasets/28', await app()))).body,
      unknownSource: await outcome(await get(d, '/v1.7/permission-access/sample/datasets/999', await app())),
      badBody: await outcome(await post(d, '/v1.7/discovery/sources', await app(), { limit: 'all' })),
      noJwt: await outcome(await d.send('/v1.7/discovery/countries', { method: 'POST' })),
    };
  },
  'sample-data onboarding, triggerQuery=false and the consent-page parameters': async (d) => {
    const a = await authorize(d);
    const page = await d.send(`/apps/saas/authorize?code=${a.code}&sourceType=pull&service=19&sampleDataSet=alex&sampleDataAutoOnboard=true&lng=nl&includeSampleDataOnlySources=true&sourcesScope=${encodeURIComponent(encodeURIComponent('{"dataType":["vaccinations"]}'))}`);
    const params = new URL(page.headers.get('location') ?? 'http://none/').searchParams;
    const payload = decodeJwt(((await (await exchange(d, params.get('code'), a.verifier)).json()) as { token: string }).token) as { access_token: { value: string } };
    const access = payload.access_token.value;
    const accounts = (await (await get(d, '/v1.7/permission-access/accounts', await signRequest({ access_token: access }))).json()) as { sourceId: number; sample?: boolean; reference: string }[];
    d.authority.clock.advance(600);
    const files = (await (await get(d, `/v1.7/permission-access/query/${a.session.key}`, await signRequest({ access_token: access }))).json()) as { status: { state: string }; fileList: { name: string }[] };
    const first = files.fileList[0]!.name;
    const r = await get(d, `/v1.7/permission-access/query/${a.session.key}/${first}`, await signRequest({ access_token: access }));
    const meta = decodeMetadata(r.headers.get('x-metadata'));
    const plays = JSON.parse(decryptFile(Buffer.from(await r.arrayBuffer()), meta.compression).toString('utf8')) as unknown[];
    d.authority.clock.reset();

    const unknown = await authorize(d);
    const unknownSet = await d.send(`/apps/saas/authorize?code=${unknown.code}&service=19&sampleDataSet=nobody&autoConsent=accept`);
    const quiet = await authorize(d);
    const quietPage = await d.send(`/apps/saas/authorize?code=${quiet.code}&triggerQuery=false&autoConsent=accept`);
    const quietParams = new URL(quietPage.headers.get('location') ?? 'http://none/').searchParams;
    const quietToken = decodeJwt(((await (await exchange(d, quietParams.get('code'), quiet.verifier)).json()) as { token: string }).token) as { access_token: { value: string } };
    d.authority.clock.advance(600);
    const quietFiles = (await (await get(d, `/v1.7/permission-access/query/${quiet.session.key}`, await signRequest({ access_token: quietToken.access_token.value }))).json()) as { status: { state: string }; fileList?: unknown[] };
    d.authority.clock.reset();
    return {
      page: page.status,
      success: params.get('success'),
      accounts: accounts.map((x) => [x.sourceId, x.sample, x.reference === params.get('accountReference')]),
      files: { state: files.status.state, names: files.fileList.map((f) => f.name) },
      plays: plays.length,
      unknownSet: { status: unknownSet.status, html: (unknownSet.headers.get('content-type') ?? '').startsWith('text/html') },
      triggerQueryFalse: { state: quietFiles.status.state, files: quietFiles.fileList?.length ?? 0 },
    };
  },
  'portability report': async (d) => {
    const t = await tokens(d);
    const report = await d.send('/v1.7/export/medmij/report?format=xml&from=undefined&to=undefined', { headers: { authorization: `Bearer ${await signRequest({ access_token: t.access })}`, accept: 'application/octet-stream' } });
    const xml = await report.text();
    const err = async (path: string) => outcome(await get(d, path, await signRequest({ access_token: t.access })));
    return {
      status: report.status,
      type: report.headers.get('content-type'),
      root: /<portabilityReport serviceType="medmij" format="xml"/.test(xml),
      accounts: xml.match(/<account /g)?.length,
      otherService: await err('/v1.7/export/fhir/report?format=xml'),
      otherFormat: await err('/v1.7/export/medmij/report?format=json'),
      badPeriod: await err('/v1.7/export/medmij/report?format=xml&from=soon'),
      badToken: await outcome(await get(d, '/v1.7/export/medmij/report?format=xml', await signRequest({ access_token: 'nope' }))),
    };
  },
  'token reference: an expired token re-authorises, onboarding needs a live one, actions.pull scopes the session': async (d) => {
    const reference = async (access: string, extra: Record<string, unknown>, body: object = {}) =>
      post(d, '/v1.7/oauth/token/reference', await signRequest({ access_token: access, redirect_uri: REDIRECT, ...extra }), body);
    const t = await tokens(d);
    d.authority.clock.advance(31 * DAY);
    const reauth = await outcome(await reference(t.access, { code_challenge: pkce().challenge, code_challenge_method: 'S256' }));
    const onboard = await outcome(await reference(t.access, {}));
    d.authority.clock.reset();
    const live = await tokens(d);
    const scoped = await reference(live.access, {}, { actions: { pull: { scope: { serviceGroups: [{ id: 1 }] } } } });
    const { session } = (await scoped.json()) as { session: { key: string } };
    d.authority.clock.advance(600);
    const list = (await (await get(d, `/v1.7/permission-access/query/${session.key}`, await signRequest({ access_token: live.access }))).json()) as { fileList: { name: string }[] };
    d.authority.clock.reset();
    return { reauth, onboard, scoped: scoped.status, groups: [...new Set(list.fileList.map((f) => f.name.split('_')[1]))] };
  },
  'paths the router cannot place: 404 in the error shape, never 5xx': async (d) => {
    const seen: Record<string, unknown> = {};
    for (const [method, path] of [['GET', '//v1.7/permission-access/accounts'], ['POST', '//v1.7/oauth/token'], ['GET', '//apps/saas/authorize'], ['POST', '/v1.7//oauth/token'], ['GET', '//'], ['DELETE', '///v1.7/user']] as const) {
      seen[`${method} ${path}`] = await outcome(await d.send(path, { method, headers: { authorization: `Bearer ${await signRequest()}` } }));
    }
    return seen;
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
  'contract details, discovery and sample data sets': {
    contract: { status: 200, id: 'demo-ongoing', application: 'demo-app' },
    all: { status: 200, ids: [1, 4, 19, 23, 28, 138, 5001], total: 7 },
    defaults: ['Facebook', 'Instagram', 'Spotify', 'Demo Bank'],
    push: { names: ['Demo Health Clinic'], limit: 1, total: 1 },
    countries: [528, 826, 840],
    platforms: [2],
    categories: [1, 2, 3, 4, 5],
    sets: ['alex', 'demo'],
    noSets: {},
    unknownSource: { status: 404, code: 'NotFound' },
    badBody: { status: 406, code: 'ValidationErrors' },
    noJwt: { status: 406, code: 'ValidationErrors' },
  },
  'sample-data onboarding, triggerQuery=false and the consent-page parameters': {
    page: 302,
    success: 'true',
    accounts: [[19, true, true]],
    files: { state: 'completed', names: ['18_5_19_2_406_D202509_1.json', '18_5_19_2_406_D202510_1.json', '18_5_19_2_406_D202511_1.json'] },
    plays: 127,
    unknownSet: { status: 400, html: true },
    triggerQueryFalse: { state: 'completed', files: 0 },
  },
  'portability report': {
    status: 200,
    type: 'application/xml; charset=utf-8',
    root: true,
    accounts: 3,
    otherService: { status: 404, code: 'NotFound' },
    otherFormat: { status: 400, code: 'ValidationErrors' },
    badPeriod: { status: 400, code: 'ValidationErrors' },
    badToken: { status: 401, code: 'InvalidToken' },
  },
  'token reference: an expired token re-authorises, onboarding needs a live one, actions.pull scopes the session': {
    reauth: { status: 201 },
    onboard: { status: 401, code: 'InvalidToken' },
    scoped: 201,
    groups: ['1'],
  },
  'paths the router cannot place: 404 in the error shape, never 5xx': Object.fromEntries(
    ['GET //v1.7/permission-access/accounts', 'POST //v1.7/oauth/token', 'GET //apps/saas/authorize', 'POST /v1.7//oauth/token', 'GET //', 'DELETE ///v1.7/user'].map((k) => [k, { status: 404, code: 'NotFound' }]),
  ),
  'delete an account': {
    deleted: { status: 204, body: '' },
    accounts: ['5_19_alex-spotify'],
    next: { state: 'completed', accounts: ['5_19_alex-spotify'], services: ['5_19'] },
    again: { status: 404, code: 'NotFound' },
    noHeader: { status: 406, code: 'ValidationErrors' },
    badToken: { status: 401, code: 'InvalidToken' },
  },
  'revoke, then re-authorise one account': {
    revoke: { status: 200, page: '/apps/saas/revoke' },
    withdraw: { status: 302, to: `${REDIRECT}?result=success` },
    afterRevoke: {
      status: { authorized: false },
      sync: { state: 'partial', bank: { state: 'partial', error: { code: 'ServiceAuthorizationError', statusCode: 401, message: 'Service authorization required', reauth: true } } },
    },
    reference: 201,
    approve: { status: 302, to: `${REDIRECT}?success=true` },
    afterReauthorize: { status: { authorized: true }, sync: { state: 'completed', bank: { state: 'completed' } } },
    errors: {
      badRedirectUri: { status: 404, code: 'InvalidRedirectUri' },
      unknownAccount: { status: 404, code: 'NotFound' },
      badReferenceType: { status: 400, code: 'ValidationErrors' },
      spentRevokePage: 400,
      badAccountRef: 400,
    },
  },
  'push to the library, then a later session reads it': {
    delivered: { status: 201, body: { status: 'delivered' } },
    listed: [['name', 'updatedDate']],
    download: {
      status: 200,
      metadata: { mimetype: 'text/plain', accounts: [{ accountid: 'u-1' }], tags: ['note'], appid: 'demo-app', contractid: 'demo-ongoing' },
      text: 'a pushed note',
    },
    noDescriptor: { status: 400, code: 'ValidationErrors' },
    badToken: { status: 401, code: 'InvalidToken' },
  },
  'push to a provider: only push accounts': {
    pullAccount: { status: 404, code: 'NotFound' },
    unknown: { status: 404, code: 'NotFound' },
    noHeader: { status: 406, code: 'ValidationErrors' },
  },
  "storage: provisional, the user's, a reference, and a cloud round trip": {
    created: { status: 201, keys: ['id', 'kid'] },
    mine: { status: 200, keys: ['id', 'kid'] },
    reference: { status: 201, hasId: true },
    unknownReference: { status: 404, code: 'NotFound' },
    upload: { status: 201, entry: { name: 'report.bin', originalName: 'Report.BIN', path: '/apps/demo-app/docs/', originalPath: '/apps/demo-app/Docs/' } },
    list: { total: 1, names: [['report.bin', 'Report.BIN', '/apps/demo-app/docs/', '/apps/demo-app/Docs/']] },
    download: { status: 200, same: true },
    deleted: 204,
    after: 0,
    badToken: { status: 401, statusCode: 401, error: 'InvalidToken' },
    space: { status: 400, statusCode: 400, error: 'ValidationErrors' },
    unknownStorage: { status: 404, statusCode: 404, error: 'NotFound' },
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
