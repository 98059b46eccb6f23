/**
 * Contract details, discovery and sample data sets over HTTP (docs/protocol.md §9.1): app-JWT calls
 * whose answers are what the official Node SDK's codecs accept, over the catalogue fixture.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.js';
import { newRsaKeyPair } from '../support/keys.js';
import {
  contractDetails,
  ContractDetailsResponse,
  discovery,
  QueryCategoriesResponse,
  QueryCountriesResponse,
  QueryPlatformsResponse,
  QuerySourcesResponse,
  sampleDataSets,
  SampleDataSetsResponse,
  SDK_SOURCE_DEFAULTS,
  sourceNames,
} from '../support/discovery.js';
import { bearer } from '../support/harness.js';
import { signRequest } from '../support/request-jwt.js';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});

const expectError = (res: { status: number; body: any }, status: number, code: string) => {
  expect({ status: res.status, code: res.body?.error?.code }).toEqual({ status, code });
  expect(typeof res.body.error.message).toBe('string');
  expect(typeof res.body.error.reference).toBe('string');
};

describe('GET permission-access/contract', () => {
  it("answers the calling contract's details, every field the Node SDK requires", async () => {
    const res = await contractDetails(h);
    expect(res.status).toBe(200);
    const details = ContractDetailsResponse.parse(res.body);
    expect(details).toMatchObject({
      id: 'demo-ongoing',
      application: { id: 'demo-app', name: 'Demo App (Genrefy)', status: 1 },
      certificateContractSchemaVersion: '1.0.0',
    });
    expect(details.expirationDate).toBeGreaterThan(Date.UTC(2099, 0, 1));
  });

  it('takes its access type and details from the app registration, with defaults for the rest', async () => {
    const own = await createHarness();
    const { privateKey, publicKeyPem } = newRsaKeyPair();
    await own.http
      .post('/__admin/apps')
      .send({ appId: 'writer', contractId: 'w1', publicKey: publicKeyPem, name: 'Writer', accessType: 'w', details: { partnerId: 'p-42', expirationDate: 1_900_000_000_000 } })
      .expect(201);
    const writer = await contractDetails(own, { key: privateKey, clientId: 'writer_w1' });
    expect(ContractDetailsResponse.parse(writer.body)).toMatchObject({
      id: 'w1',
      accessType: 'w',
      partnerId: 'p-42',
      expirationDate: 1_900_000_000_000,
      type: 'ongoing',
      application: { id: 'writer', name: 'Writer', status: 1, resources: {} },
    });

    const { privateKey: k2, publicKeyPem: p2 } = newRsaKeyPair();
    await own.http.post('/__admin/apps').send({ appId: 'reader', contractId: 'r1', publicKey: p2 }).expect(201);
    const reader = await contractDetails(own, { key: k2, clientId: 'reader_r1' });
    expect(reader.body).toMatchObject({ accessType: 'r', partnerId: 'reader', application: { name: 'reader' } });
  });

  it('refuses a request without a valid app JWT: 406 ValidationErrors, 403 InvalidClient', async () => {
    expectError(await h.http.get('/v1.7/permission-access/contract'), 406, 'ValidationErrors');
    expectError(await contractDetails(h, { key: newRsaKeyPair().privateKey }), 406, 'ValidationErrors');
    expectError(await contractDetails(h, { clientId: 'nobody_none' }), 403, 'InvalidClient');
  });

  it('answers 405 to another method', async () => {
    expectError(await h.http.post('/v1.7/permission-access/contract').set(bearer(await signRequest())), 405, 'MethodNotAllowed');
  });
});

describe('POST discovery/sources', () => {
  it('lists the whole catalogue without a body, and counts it', async () => {
    const res = await discovery(h, 'sources');
    expect(res.status).toBe(200);
    const body = QuerySourcesResponse.parse(res.body);
    expect(body).toMatchObject({ offset: 0, total: body.data.length, limit: body.data.length });
    expect(body.data.map((s) => s.id)).toEqual([1, 4, 19, 23, 28, 138, 5001]);
  });

  it("lists every fixture account's source under its sourceId, with service.id = serviceTypeId", async () => {
    const { data } = QuerySourcesResponse.parse((await discovery(h, 'sources')).body);
    for (const userId of ['demo', 'alex']) {
      for (const account of h.authority.user(userId)!.accounts) {
        const source = data.find((s) => s.id === account.sourceId);
        expect(source?.service?.id, `${userId}'s ${account.id}`).toBe(account.serviceTypeId);
      }
    }
  });

  it("with the official SDK's defaults lists the approved pull sources", async () => {
    expect(await sourceNames(h, SDK_SOURCE_DEFAULTS)).toEqual(['1:Facebook', '4:Instagram', '19:Spotify', '138:Demo Bank']);
  });

  it('filters by type, published status, service, country, category, platform, id, reference and alias', async () => {
    const filter = (f: object) => sourceNames(h, { query: { filter: f } });
    expect(await filter({ type: { id: [2] } })).toEqual(['5001:Demo Health Clinic']);
    expect(await filter({ publishedStatus: ['sampledataonly'] })).toEqual(['28:Fitbit']);
    expect(await filter({ publishedStatus: ['deprecated', 'sampledataonly'] })).toEqual(['23:Deezer', '28:Fitbit']);
    expect(await filter({ service: { id: [19, 138] } })).toEqual(['19:Spotify', '138:Demo Bank']);
    expect(await filter({ country: { id: [528] }, category: { id: [1] } })).toEqual(['1:Facebook', '4:Instagram']);
    expect(await filter({ platform: { id: [2] }, category: { id: [4, 5] } })).toEqual(['19:Spotify', '28:Fitbit']);
    expect(await filter({ id: [4, 999] })).toEqual(['4:Instagram']);
    expect(await filter({ sourceId: 138 })).toEqual(['138:Demo Bank']);
    expect(await filter({ reference: ['spotify', 'deezer'] })).toEqual(['19:Spotify', '23:Deezer']);
    expect(await filter({ alias: ['insta'] })).toEqual(['4:Instagram']);
    expect(await filter({ type: { id: [1] }, category: { id: [2] } })).toEqual([]);
  });

  it('searches names case-insensitively, by query string and by search lists', async () => {
    expect(await sourceNames(h, { query: { queryString: 'SPOT' } })).toEqual(['19:Spotify']);
    expect(await sourceNames(h, { query: { search: { name: ['bank', 'face'] } } })).toEqual(['1:Facebook', '138:Demo Bank']);
    expect(await sourceNames(h, { query: { search: { abbreviation: ['dhc'] } } })).toEqual(['5001:Demo Health Clinic']);
    expect(await sourceNames(h, { query: { search: { alias: ['meta'] }, include: ['name', 'service.name'] } })).toEqual(['1:Facebook']);
    expect(await sourceNames(h, { query: { queryString: 'nothing like it' } })).toEqual([]);
  });

  it('sorts by name and pages, counting the matches before paging', async () => {
    const all = { query: { filter: { publishedStatus: ['approved', 'deprecated', 'sampledataonly'] } } };
    const asc = QuerySourcesResponse.parse((await discovery(h, 'sources', { ...all, sort: { name: 'asc' } })).body);
    expect(asc.data.map((s) => s.name)).toEqual(['Deezer', 'Demo Bank', 'Demo Health Clinic', 'Facebook', 'Fitbit', 'Instagram', 'Spotify']);
    const page = QuerySourcesResponse.parse((await discovery(h, 'sources', { ...all, sort: { name: 'desc' }, limit: 2, offset: 1 })).body);
    expect(page).toMatchObject({ limit: 2, offset: 1, total: 7 });
    expect(page.data.map((s) => s.name)).toEqual(['Instagram', 'Fitbit']);
    const beyond = QuerySourcesResponse.parse((await discovery(h, 'sources', { offset: 50 })).body);
    expect(beyond).toMatchObject({ data: [], offset: 50, total: 7 });
  });

  it("describes each source with the SDK's fields and digi.me's related lists", async () => {
    const res = await discovery(h, 'sources', { query: { filter: { id: [19] } } });
    QuerySourcesResponse.parse(res.body);
    expect(res.body.data[0]).toMatchObject({
      id: 19,
      name: 'Spotify',
      publishedStatus: 'approved',
      service: { id: 19, name: 'Spotify', reference: 'spotify' },
      json: { authorisation: { type: 'saas' } },
      type: { id: 1, name: 'pull' },
      category: [{ id: 5, name: 'Music' }],
      platform: [{ id: 1 }, { id: 2 }, { id: 3 }],
    });
  });

  it('refuses a body of the wrong shape: 406 ValidationErrors naming the field', async () => {
    for (const body of [{ limit: -1 }, { offset: 1.5 }, { sort: { name: 'up' } }, { query: { filter: { type: { id: 'pull' } } } }, { query: { filter: { publishedStatus: ['live'] } } }, '[1,2]', '"text"', '{"limit":']) {
      const res = await discovery(h, 'sources', body);
      expectError(res, 406, 'ValidationErrors');
    }
    const named = await discovery(h, 'sources', { query: { search: { name: 'spot' } } });
    expect(named.body.error.message).toContain('query.search.name');
  });

  it('needs a valid app JWT', async () => {
    expectError(await h.http.post('/v1.7/discovery/sources').send({}), 406, 'ValidationErrors');
    expectError(await discovery(h, 'sources', {}, { clientId: 'nobody_none' }), 403, 'InvalidClient');
    expectError(await discovery(h, 'sources', {}, { alg: 'PS256' }), 406, 'ValidationErrors');
  });
});

describe('POST discovery/countries, platforms and categories', () => {
  it('list the catalogue, or the ids a filter names', async () => {
    const countries = QueryCountriesResponse.parse((await discovery(h, 'countries')).body);
    expect(countries.data.map((c) => c.code)).toEqual(['NL', 'GB', 'US']);
    const gb = QueryCountriesResponse.parse((await discovery(h, 'countries', { query: { include: ['code'], filter: { id: [826] } } })).body);
    expect(gb.data).toEqual([{ id: 826, code: 'GB', name: 'United Kingdom' }]);

    const platforms = QueryPlatformsResponse.parse((await discovery(h, 'platforms', { query: { include: ['name'] } })).body);
    expect(platforms.data.map((p) => p.reference)).toEqual(['web', 'ios', 'android']);

    const categories = QueryCategoriesResponse.parse((await discovery(h, 'categories', {})).body);
    expect(categories.data.map((c) => c.name)).toEqual(['Social', 'Medical', 'Finance', 'Health & Fitness', 'Music']);
    const music = QueryCategoriesResponse.parse((await discovery(h, 'categories', { query: { filter: { id: [5, 77] } } })).body);
    expect(music.data).toMatchObject([{ id: 5, categoryTypeId: 1, reference: 'music', title: 'Listening history' }]);
  });

  it('refuse a malformed filter and a missing JWT', async () => {
    for (const what of ['countries', 'platforms', 'categories'] as const) {
      expectError(await discovery(h, what, { query: { filter: { id: 'GB' } } }), 406, 'ValidationErrors');
      expectError(await h.http.post(`/v1.7/discovery/${what}`), 406, 'ValidationErrors');
    }
  });
});

describe('GET permission-access/sample/datasets/<sourceId>', () => {
  it("names the fixture users with an account of the source: key the user's id, name the user's name", async () => {
    const res = await sampleDataSets(h, 19);
    expect(res.status).toBe(200);
    const sets = SampleDataSetsResponse.parse(res.body);
    expect(Object.keys(sets).sort()).toEqual(['alex', 'demo']);
    expect(sets.alex!.name).toBe('Alex Example');
    expect(sets.demo!.description).toContain('Spotify');
    expect(Object.keys(SampleDataSetsResponse.parse((await sampleDataSets(h, 138)).body))).toEqual(['demo']);
  });

  it('answers {} for a source without any, and 404 NotFound for a source the catalogue lacks', async () => {
    expect((await sampleDataSets(h, 28)).body).toEqual({});
    expect((await sampleDataSets(h, 5001)).body).toEqual({});
    expectError(await sampleDataSets(h, 999), 404, 'NotFound');
    expectError(await sampleDataSets(h, 'spotify'), 404, 'NotFound');
    expectError(await sampleDataSets(h, '19.0'), 404, 'NotFound');
  });

  it('needs a valid app JWT', async () => {
    expectError(await h.http.get('/v1.7/permission-access/sample/datasets/19'), 406, 'ValidationErrors');
    expectError(await sampleDataSets(h, 19, { key: newRsaKeyPair().privateKey }), 406, 'ValidationErrors');
  });
});
