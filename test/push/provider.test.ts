/**
 * Push to a provider (docs/protocol.md §9.5): `POST permission-access/import/h:accountId/fhir/<version>`
 * with the account in a header and a FHIR resource as the body. Only an account of a push source
 * (type 2 in the catalogue) that the consent lists takes it; it is recorded, and no session shows it.
 */
import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { authorizeAndExchange, createHarness, type Harness } from '../support/harness.js';
import { newRsaKeyPair } from '../support/keys.js';
import { pushToProvider, settledFileList } from '../support/push-storage.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** The project's fixtures plus a user with an account at the catalogue's push source. */
function fixturesWithPushAccount(): string {
  const dir = mkdtempSync(join(tmpdir(), 'push-fixtures-'));
  cpSync(join(root, 'fixtures'), dir, { recursive: true });
  const account = {
    id: '2_5001_pat-clinic',
    reference: 'acc-pat-clinic-0001',
    type: 'PUSH',
    createdDate: 1735689600000,
    updatedDate: 1764547200000,
    serviceGroupId: 2,
    serviceGroupName: 'Medical',
    serviceTypeId: 5001,
    serviceTypeName: 'Demo Health Clinic',
    serviceTypeReference: 'demo-health-clinic',
    sourceId: 5001,
  };
  mkdirSync(join(dir, 'users', 'pat-push'), { recursive: true });
  writeFileSync(join(dir, 'users', 'pat-push', 'user.json'), JSON.stringify({ id: 'pat', name: 'Pat Push', accounts: [account] }));
  return dir;
}

const CLINIC = '2_5001_pat-clinic';
let h: Harness;
let pat: string;
let demo: string;

beforeAll(async () => {
  h = await createHarness({ fixturesDir: fixturesWithPushAccount() });
  pat = (await authorizeAndExchange(h, { user: 'pat' })).payload.access_token.value;
  demo = (await authorizeAndExchange(h, { user: 'demo' })).payload.access_token.value;
});

describe('POST permission-access/import/h:accountId/fhir/<version>', () => {
  it.each(['stu3', '3.0.2'])('takes a FHIR resource for a push account (%s): 201, recorded', async (version) => {
    const before = h.authority.providerPushes('pat').length;
    const body = { resourceType: 'Observation', id: `o-${version}`, status: 'final' };
    const res = await pushToProvider(h, pat, { accountId: CLINIC, version, body });
    expect(res.status).toBe(201);
    const pushes = h.authority.providerPushes('pat');
    expect(pushes).toHaveLength(before + 1);
    expect(pushes.at(-1)).toMatchObject({ accountId: CLINIC, standard: 'fhir', version, body });
  });

  it('never shows up in a data session', async () => {
    await pushToProvider(h, pat, { accountId: CLINIC });
    const { fileList, status } = await settledFileList(h, pat);
    expect(fileList).toEqual([]);
    expect(status.state).toBe('completed');
  });

  it.each([
    ['an account of a pull source', () => demo, '5_19_demo-spotify'],
    ["another user's push account", () => demo, CLINIC],
    ['an unknown account', () => pat, 'nope'],
  ])('%s: 404 NotFound', async (_label, token, accountId) => {
    const res = await pushToProvider(h, token(), { accountId });
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('NotFound');
  });

  it('another standard: 404 NotFound; another version: 400 ValidationErrors', async () => {
    const standard = await pushToProvider(h, pat, { accountId: CLINIC, standard: 'hl7' });
    expect(standard.status).toBe(404);
    expect(standard.body.error.code).toBe('NotFound');
    const version = await pushToProvider(h, pat, { accountId: CLINIC, version: 'r4' });
    expect(version.status).toBe(400);
    expect(version.body.error.code).toBe('ValidationErrors');
  });

  it('no accountId header: 406 ValidationErrors', async () => {
    const res = await pushToProvider(h, pat, {});
    expect(res.status).toBe(406);
    expect(res.body.error.code).toBe('ValidationErrors');
  });

  it('a body that is not a JSON object: 400, or 406 when it is no JSON at all', async () => {
    expect((await pushToProvider(h, pat, { accountId: CLINIC, body: [1, 2] })).status).toBe(400);
    const res = await pushToProvider(h, pat, { accountId: CLINIC, body: '{nope' });
    expect([400, 406]).toContain(res.status);
    expect(res.body.error.code).toBe('ValidationErrors');
  });

  it('a contract that may only read: 403 InsufficientScope', async () => {
    const keys = newRsaKeyPair();
    h.authority.registerApp({ appId: 'reader', contractId: 'c1', publicKey: keys.publicKeyPem });
    const sign = { key: keys.privateKey, clientId: 'reader_c1' };
    const token = (await authorizeAndExchange(h, { user: 'pat', sign })).payload.access_token.value;
    const res = await pushToProvider(h, token, { accountId: CLINIC }, sign);
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('InsufficientScope');
  });

  it('an expired access token: 401 InvalidToken', async () => {
    const { payload } = await authorizeAndExchange(h, { user: 'pat' });
    h.authority.expireTokens({ token: 'access', consentId: payload.consentid });
    const res = await pushToProvider(h, payload.access_token.value, { accountId: CLINIC });
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('InvalidToken');
  });
});
