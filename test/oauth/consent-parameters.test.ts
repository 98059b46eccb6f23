/**
 * The consent pages' URL parameters that the official SDKs send besides the code (docs/protocol.md
 * §9.4): sample-data onboarding (`service` + `sampleDataSet`, `sampleDataAutoOnboard`), the source
 * picker (`sourceType`, `includeSampleDataOnlySources`), `triggerQuery=false`, and the parameters
 * that may be ignored but must never break a page (`sourcesScope`, `lng`).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { decodeJwt } from 'jose';
import { beforeEach, describe, expect, it } from 'vitest';
import { accounts, AccountsResponse, fileList, readFile, trigger } from '../support/data.js';
import { authorizeAndExchange, bearer, createHarness, REDIRECT_URI, type Harness, type TokenPayload } from '../support/harness.js';
import { pkce, signRequest } from '../support/request-jwt.js';

const alexPlays = JSON.parse(
  readFileSync(fileURLToPath(new URL('../../fixtures/users/alex/data/spotify-play-history.json', import.meta.url)), 'utf8'),
) as { objects: { createddate: number }[] };

let h: Harness;
beforeEach(async () => {
  h = await createHarness();
});

async function authorize(harness: Harness, body: object = {}) {
  const { verifier, challenge } = pkce();
  const res = await harness.http
    .post('/v1.7/oauth/authorize')
    .set(bearer(await signRequest({ code_challenge: challenge, code_challenge_method: 'S256', redirect_uri: REDIRECT_URI, state: 'p1' })))
    .send(body);
  expect(res.status).toBe(201);
  const code = (decodeJwt(res.body.token) as { preauthorization_code: string }).preauthorization_code;
  return { code, verifier, session: res.body.session as { key: string } };
}

async function tokenReference(harness: Harness, accessToken: string, body: object = {}) {
  const res = await harness.http
    .post('/v1.7/oauth/token/reference')
    .set(bearer(await signRequest({ access_token: accessToken, redirect_uri: REDIRECT_URI, state: 'o1' })))
    .send(body);
  expect(res.status).toBe(201);
  return { code: (decodeJwt(res.body.token) as { reference_code: string }).reference_code, session: res.body.session as { key: string } };
}

async function exchange(harness: Harness, code: string | null, verifier: string): Promise<TokenPayload> {
  const res = await harness.http
    .post('/v1.7/oauth/token')
    .set(bearer(await signRequest({ code, code_verifier: verifier, grant_type: 'authorization_code' })));
  expect(res.status).toBe(201);
  return decodeJwt(res.body.token) as unknown as TokenPayload;
}

/** Opens a consent page with these parameters; the redirect's parameters when it redirects. */
async function open(harness: Harness, page: string, query: Record<string, string>) {
  const res = await harness.http.get(`/apps/saas/${page}`).query(query);
  return { res, params: res.status === 302 ? new URL(res.headers.location!).searchParams : undefined };
}

async function accountList(harness: Harness, accessToken: string) {
  const res = await accounts(harness, accessToken);
  expect(res.status).toBe(200);
  return AccountsResponse.parse(res.body) as (ReturnType<typeof AccountsResponse.parse>[number] & { sample?: boolean })[];
}

/** A session's file list once its sync is over. */
async function settled(harness: Harness, accessToken: string, sessionKey: string) {
  harness.authority.clock.advance(600);
  return fileList(harness, accessToken, sessionKey);
}

describe('sample-data onboarding (service + sampleDataSet)', () => {
  it("at authorize: the consent holds one sample account, and sessions give that data set's files", async () => {
    const a = await authorize(h);
    const { params } = await open(h, 'authorize', { code: a.code, sourceType: 'pull', service: '19', sampleDataSet: 'alex', autoConsent: 'accept' });
    expect(params!.get('success')).toBe('true');
    const token = await exchange(h, params!.get('code'), a.verifier);
    expect(token.sub).toBe('demo');

    const listed = await accountList(h, token.access_token.value);
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({ sample: true, sourceId: 19, serviceTypeId: 19, serviceTypeName: 'Spotify', type: 'USER' });
    expect(listed[0]!.reference).toBe(params!.get('accountReference'));
    expect(listed[0]!.id).not.toBe('5_19_alex-spotify');
    expect(h.authority.consent(token.consentid)?.accountReferences).toEqual([params!.get('accountReference')]);

    // The next session, started by the app, lists the data set's files and downloads its objects.
    const session = (await trigger(h, token.access_token.value)).body.session.key as string;
    const list = await settled(h, token.access_token.value, session);
    expect(list.status.state).toBe('completed');
    expect(list.fileList.map((f) => f.name)).toEqual([
      '18_5_19_2_406_D202509_1.json',
      '18_5_19_2_406_D202510_1.json',
      '18_5_19_2_406_D202511_1.json',
    ]);
    const objects = [];
    for (const f of list.fileList) objects.push(...(await readFile(h, token.access_token.value, session, f.name)).objects);
    const byTime = (x: { createddate: number }, y: { createddate: number }) => x.createddate - y.createddate;
    expect((objects as { createddate: number }[]).sort(byTime)).toEqual([...alexPlays.objects].sort(byTime));
    // The session handed out with the code has them too.
    expect((await settled(h, token.access_token.value, a.session.key)).fileList).toHaveLength(3);
  });

  it("at onboard: the sample account joins the consent and the user's library, once", async () => {
    const { payload } = await authorizeAndExchange(h);
    const access = payload.access_token.value;
    const before = await accountList(h, access);
    expect(before.map((x) => x.id)).toEqual(['5_19_demo-spotify', '1_4_demo-instagram', '3_138_demo-bank']);

    const ref = await tokenReference(h, access);
    const { params } = await open(h, 'onboard', { code: ref.code, service: '4', sampleDataSet: 'alex', autoConsent: 'accept' });
    expect(params!.get('success')).toBe('true');
    expect(params!.has('code')).toBe(false);
    const after = await accountList(h, access);
    expect(after).toHaveLength(4);
    const sample = after[3]!;
    expect(sample).toMatchObject({ sample: true, sourceId: 4, serviceTypeName: 'Instagram' });
    expect(params!.get('accountReference')).toBe(sample.reference);

    const list = await settled(h, access, ref.session.key);
    const instagram = list.fileList.map((f) => f.name).filter((n) => n.startsWith('18_1_4_'));
    expect(instagram.some((n) => n.startsWith('18_1_4_1_'))).toBe(true);
    expect(instagram.some((n) => n.startsWith('18_1_4_2_'))).toBe(true);
    // Alex's own sync scenario (a partial Instagram) belongs to alex, not to the sample account.
    expect(list.status.state).toBe('completed');

    const again = await tokenReference(h, access);
    await open(h, 'onboard', { code: again.code, service: '4', sampleDataSet: 'alex', autoConsent: 'accept' });
    expect(await accountList(h, access)).toHaveLength(4);
  });

  it('an unknown data set, a set for another source, or a set without a service is the 400 error page', async () => {
    const queries: Record<string, string>[] = [
      { service: '19', sampleDataSet: 'nobody' },
      { service: '138', sampleDataSet: 'alex' },
      { service: '999', sampleDataSet: 'demo' },
      { sampleDataSet: 'alex' },
    ];
    for (const query of queries) {
      const a = await authorize(h);
      for (const decide of [{}, { autoConsent: 'accept' }, { sampleDataAutoOnboard: 'true' }] as Record<string, string>[]) {
        const { res } = await open(h, 'authorize', { code: a.code, ...query, ...decide });
        expect(res.status, JSON.stringify(query)).toBe(400);
        expect(res.headers['content-type']).toMatch(/^text\/html/);
        expect(res.text).toMatch(/sample data/i);
        if (query.service === undefined) expect(res.text).toContain('needs the service');
      }
      const posted = await h.http.post('/apps/saas/authorize').type('form').send({ code: a.code, decision: 'accept', ...query });
      expect(posted.status).toBe(400);
      // The code is not spent by a page that could not go on.
      const { params } = await open(h, 'authorize', { code: a.code, autoConsent: 'accept' });
      expect(params!.get('success')).toBe('true');
    }
  });

  it('sampleDataAutoOnboard=true approves at once; autoConsent=deny still wins', async () => {
    const a = await authorize(h);
    const auto = await open(h, 'authorize', { code: a.code, sourceType: 'pull', service: '19', sampleDataSet: 'demo', sampleDataAutoOnboard: 'true' });
    expect(auto.res.status).toBe(302);
    expect(auto.params!.get('success')).toBe('true');
    const token = await exchange(h, auto.params!.get('code'), a.verifier);
    expect((await accountList(h, token.access_token.value)).map((x) => x.sample)).toEqual([true]);

    const b = await authorize(h);
    const denied = await open(h, 'authorize', { code: b.code, service: '19', sampleDataSet: 'demo', sampleDataAutoOnboard: 'true', autoConsent: 'deny' });
    expect(denied.params!.get('errorCode')).toBe('ConsentDenied');

    const c = await authorize(h);
    const shown = await open(h, 'authorize', { code: c.code, service: '19', sampleDataSet: 'demo', sampleDataAutoOnboard: 'false' });
    expect(shown.res.status).toBe(200);
  });

  it('the page names the data set and carries it through its form', async () => {
    const a = await authorize(h);
    const { res } = await open(h, 'authorize', { code: a.code, service: '19', sampleDataSet: 'alex' });
    expect(res.status).toBe(200);
    expect(res.text).toContain('Sample data: <strong>Alex Example</strong>');
    expect(res.text).toContain('<input type="hidden" name="sampleDataSet" value="alex">');
    expect(res.text).toContain('<input type="hidden" name="service" value="19">');
    const posted = await h.http.post('/apps/saas/authorize').type('form').send({ code: a.code, decision: 'accept', user: 'demo', service: '19', sampleDataSet: 'alex' });
    expect(posted.status).toBe(303);
    const token = await exchange(h, new URL(posted.headers.location!).searchParams.get('code'), a.verifier);
    expect((await accountList(h, token.access_token.value))[0]).toMatchObject({ sample: true, sourceId: 19 });
  });
});

describe('triggerQuery=false', () => {
  it("at authorize: the session handed out ends completed without files; the app's next session has them", async () => {
    const a = await authorize(h);
    const { params } = await open(h, 'authorize', { code: a.code, triggerQuery: 'false', autoConsent: 'accept' });
    const token = await exchange(h, params!.get('code'), a.verifier);
    const first = await settled(h, token.access_token.value, a.session.key);
    expect(first.status.state).toBe('completed');
    expect(first.fileList ?? []).toEqual([]);
    const next = (await trigger(h, token.access_token.value)).body.session.key as string;
    expect((await settled(h, token.access_token.value, next)).fileList.length).toBeGreaterThan(20);
  });

  it("at onboard: the session leaves only the new account's files out", async () => {
    const music = await authorizeAndExchange(h, { body: { actions: { pull: { scope: { serviceGroups: [{ id: 5 }, { id: 1 }] } } } } });
    const access = music.payload.access_token.value;
    expect((await accountList(h, access)).map((x) => x.id)).toEqual(['5_19_demo-spotify', '1_4_demo-instagram']);
    const ref = await tokenReference(h, access);
    await open(h, 'onboard', { code: ref.code, service: '4', sampleDataSet: 'alex', triggerQuery: 'false', autoConsent: 'accept' });
    const list = await settled(h, access, ref.session.key);
    const names = list.fileList.map((f) => f.name);
    expect(list.status.state).toBe('completed');
    expect(names.some((n) => n.startsWith('18_5_19_1_'))).toBe(true);
    expect(names.some((n) => n.startsWith('18_1_4_1_'))).toBe(true);
    expect(names.some((n) => n.startsWith('18_1_4_2_'))).toBe(false);
    const next = (await trigger(h, access)).body.session.key as string;
    expect((await settled(h, access, next)).fileList.some((f) => f.name.startsWith('18_1_4_2_'))).toBe(true);
  });

  it('true, or anything else, changes nothing', async () => {
    for (const triggerQuery of ['true', 'maybe']) {
      const a = await authorize(h);
      const { params } = await open(h, 'authorize', { code: a.code, triggerQuery, autoConsent: 'accept' });
      const token = await exchange(h, params!.get('code'), a.verifier);
      expect((await settled(h, token.access_token.value, a.session.key)).fileList.length).toBeGreaterThan(20);
      h.authority.clock.reset();
    }
  });
});

describe('the source picker (sourceType, includeSampleDataOnlySources, service)', () => {
  const optionsOf = (html: string) => [...html.matchAll(/<option value="(\d*)"( selected)?>([^<]*)<\/option>/g)].map((m) => `${m[1]}${m[2] ? '*' : ''}:${m[3]}`);

  it("on the onboard page lists the catalogue's approved sources of the source type", async () => {
    const { payload } = await authorizeAndExchange(h);
    const access = payload.access_token.value;
    const pull = await open(h, 'onboard', { code: (await tokenReference(h, access)).code, sourceType: 'pull', service: '4' });
    expect(optionsOf(pull.res.text)).toEqual([':(choose a source)', '1:Facebook', '4*:Instagram', '19:Spotify', '138:Demo Bank']);
    const push = await open(h, 'onboard', { code: (await tokenReference(h, access)).code, sourceType: 'push' });
    expect(optionsOf(push.res.text).filter((o) => !o.startsWith(':'))).toEqual(['5001:Demo Health Clinic']);
    const withSample = await open(h, 'onboard', { code: (await tokenReference(h, access)).code, includeSampleDataOnlySources: 'true' });
    expect(optionsOf(withSample.res.text).filter((o) => !o.startsWith(':'))).toEqual(['1:Facebook', '4:Instagram', '19:Spotify', '28:Fitbit', '138:Demo Bank']);
  });

  it("choosing a source in the onboard form adds the user's account of it", async () => {
    const music = await authorizeAndExchange(h, { body: { actions: { pull: { scope: { serviceGroups: [{ id: 5 }] } } } } });
    const access = music.payload.access_token.value;
    const ref = await tokenReference(h, access);
    const posted = await h.http.post('/apps/saas/onboard').type('form').send({ code: ref.code, decision: 'accept', service: '138' });
    expect(posted.status).toBe(303);
    expect(new URL(posted.headers.location!).searchParams.get('accountReference')).toBe('acc-demo-bank-0001');
    expect((await accountList(h, access)).map((x) => x.id)).toEqual(['5_19_demo-spotify', '3_138_demo-bank']);
  });
});

describe('parameters the mock reads but need not act on', () => {
  it('sourcesScope (encoded twice, or malformed) and lng never break a page', async () => {
    const scope = encodeURIComponent(JSON.stringify({ dataType: ['vaccinations'], organizationType: 'hospital' }));
    for (const sourcesScope of [scope, '%E0%A4%A', '{not json', '']) {
      const shown = await open(h, 'authorize', { code: (await authorize(h)).code, sourcesScope, lng: 'nl' });
      expect(shown.res.status).toBe(200);
      const decided = await open(h, 'authorize', { code: (await authorize(h)).code, sourcesScope, lng: 'xx-😀', autoConsent: 'accept' });
      expect(decided.params!.get('success')).toBe('true');
    }
  });

  it('the user-reauth page takes lng and triggerQuery without changing what it hands out', async () => {
    const { payload } = await authorizeAndExchange(h);
    const { verifier, challenge } = pkce();
    const res = await h.http
      .post('/v1.7/oauth/token/reference')
      .set(bearer(await signRequest({ access_token: payload.access_token.value, redirect_uri: REDIRECT_URI, code_challenge: challenge, code_challenge_method: 'S256' })))
      .send({});
    const code = (decodeJwt(res.body.token) as { reference_code: string }).reference_code;
    const { params } = await open(h, 'user-reauth', { code, lng: 'fr', triggerQuery: 'false', autoConsent: 'accept' });
    const token = await exchange(h, params!.get('code'), verifier);
    expect(token.consentid).toBe(payload.consentid);
  });
});
