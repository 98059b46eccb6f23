/**
 * `GET export/<serviceType>/report?format=&from=&to=` (docs/protocol.md §9.7): a user call answered
 * with an XML report of the consent's accounts and the FHIR pushes to provider accounts in the
 * period; `from`/`to` are Unix seconds, the literal `undefined` when the app gave none.
 */
import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { authorizeAndExchange, bearer, createHarness, type Harness } from '../support/harness.js';
import { pushToProvider } from '../support/push-storage.js';
import { signRequest, type SignOptions } from '../support/request-jwt.js';

const FIXTURES = fileURLToPath(new URL('../../fixtures', import.meta.url));

/** The project's fixtures plus `kim`, who has an account at the catalogue's push source (a clinic). */
function fixturesWithClinicAccount(): string {
  const dir = mkdtempSync(join(tmpdir(), 'report-'));
  cpSync(FIXTURES, dir, { recursive: true });
  mkdirSync(join(dir, 'users', 'kim'), { recursive: true });
  const clinic = {
    id: '2_5001_kim-clinic', reference: 'acc-kim-clinic', type: 'PUSH', createdDate: 1, updatedDate: 2, serviceGroupId: 2,
    serviceGroupName: 'Medical', serviceTypeId: 5001, serviceTypeName: 'Demo Health Clinic', serviceTypeReference: 'demo-health-clinic', sourceId: 5001,
  };
  writeFileSync(join(dir, 'users', 'kim', 'user.json'), JSON.stringify({ id: 'kim', name: 'Kim', accounts: [clinic] }));
  return dir;
}

let h: Harness;
let demo: string;

beforeAll(async () => {
  h = await createHarness({ fixturesDir: fixturesWithClinicAccount() });
  demo = (await authorizeAndExchange(h)).payload.access_token.value;
});

async function report(harness: Harness, accessToken: string, path: string, sign?: SignOptions) {
  return harness.http
    .get(`/v1.7/export/${path}`)
    .set(bearer(await signRequest({ access_token: accessToken }, sign)))
    .set('accept', 'application/octet-stream')
    .buffer(true)
    .parse((res, done) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => done(null, text));
    });
}

const expectError = (res: { status: number; body: unknown }, status: number, code: string) => {
  expect(res.status).toBe(status);
  expect(JSON.parse(res.body as string).error.code).toBe(code);
};

describe('GET export/medmij/report', () => {
  it("answers an XML report of the consent's accounts", async () => {
    const res = await report(h, demo, 'medmij/report?format=xml&from=undefined&to=undefined');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/xml; charset=utf-8');
    const xml = res.body as string;
    expect(xml).toMatch(/^<\?xml version="1\.0" encoding="UTF-8"\?>\n<portabilityReport serviceType="medmij" format="xml" generated="[^"]+Z">/);
    expect(xml).toContain('<period/>');
    expect(xml).toContain('<user id="demo"/>');
    expect(xml.match(/<account /g)).toHaveLength(3);
    expect(xml).toContain('<account id="5_19_demo-spotify" reference="acc-demo-spotify-0001" sourceId="19" serviceTypeId="19" serviceTypeName="Spotify" serviceGroupName="Music" sample="false"/>');
    expect(xml).toContain('<providerPushes>\n  </providerPushes>');
    expect(xml.trimEnd().endsWith('</portabilityReport>')).toBe(true);
  });

  it('reports the period asked for, and the provider pushes received in it', async () => {
    const kim = (await authorizeAndExchange(h, { user: 'kim' })).payload.access_token.value;
    const pushed = await pushToProvider(h, kim, { accountId: '2_5001_kim-clinic', version: 'stu3', body: { resourceType: 'Observation', id: 'o1' } });
    expect(pushed.status).toBe(201);
    const now = Math.floor(h.authority.clock.now() / 1000);

    const within = (await report(h, kim, `medmij/report?format=xml&from=${now - 60}&to=${now + 60}`)).body as string;
    expect(within).toContain(`<period from="${new Date((now - 60) * 1000).toISOString()}" to="${new Date((now + 60) * 1000).toISOString()}"/>`);
    expect(within).toMatch(/<providerPush id="[^"]+" accountId="2_5001_kim-clinic" standard="fhir" version="stu3" received="[^"]+"\/>/);
    const open = (await report(h, kim, 'medmij/report?format=xml')).body as string;
    expect(open.match(/<providerPush /g)).toHaveLength(1);
    const before = (await report(h, kim, `medmij/report?format=xml&to=${now - 3600}`)).body as string;
    expect(before).not.toContain('<providerPush ');
    // Another user's report shows none of kim's pushes.
    expect((await report(h, demo, 'medmij/report?format=xml')).body).not.toContain('<providerPush ');
  });

  it('answers 404 NotFound for another service type and 400 ValidationErrors for another format or a bad period', async () => {
    expectError(await report(h, demo, 'fhir/report?format=xml'), 404, 'NotFound');
    expectError(await report(h, demo, 'MEDMIJ/report?format=xml'), 404, 'NotFound');
    for (const query of ['format=json', 'format=', '', 'format=xml&from=yesterday', 'format=xml&to=-5', 'format=xml&from=1e99', 'format=xml&to=1%200']) {
      expectError(await report(h, demo, `medmij/report?${query}`), 400, 'ValidationErrors');
    }
  });

  it('needs a live access token of this app: 401 InvalidToken otherwise, and 406 without a JWT', async () => {
    expectError(await report(h, 'not-a-token', 'medmij/report?format=xml'), 401, 'InvalidToken');
    const fresh = await createHarness();
    const token = (await authorizeAndExchange(fresh)).payload.access_token.value;
    fresh.authority.clock.advance(86_401);
    expectError(await report(fresh, token, 'medmij/report?format=xml'), 401, 'InvalidToken');
    const bare = await h.http.get('/v1.7/export/medmij/report?format=xml');
    expect(bare.status).toBe(406);
    expect(bare.body.error.code).toBe('ValidationErrors');
  });
});
