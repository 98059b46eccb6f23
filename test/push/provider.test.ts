/**
 * Push to a provider (docs/protocol.md §9.5): `POST permission-access/import/h:accountId/fhir/<version>`
 * with the account in a header and a FHIR resource as the body. Only an account of a push source
 * (type 2 in the catalogue) that the consent lists takes it; it is recorded, and no session shows it.
 * A user gets such an account by onboarding the provider.
 */
import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { decideAtOnce, deleteAccount, tokenReference } from '../support/accounts.js';
import { AccountsResponse } from '../support/data.js';
import { authorizeAndExchange, bearer, createHarness, type Harness } from '../support/harness.js';
import { newRsaKeyPair } from '../support/keys.js';
import { pushToProvider, settledFileList } from '../support/push-storage.js';
import { signRequest } from '../support/request-jwt.js';

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

describe('onboarding a provider gives the user an account there (default fixtures)', () => {
  let d: Harness;
  beforeAll(async () => {
    d = await createHarness();
  });

  /** The onboard page for the catalogue's push source, approved at once. */
  async function onboardClinic(accessToken: string) {
    const { code } = await tokenReference(d, accessToken);
    return decideAtOnce(d, `/apps/saas/onboard?code=${code}&sourceType=push&service=5001`, 'accept');
  }

  const accountsOf = async (accessToken: string) =>
    (await d.http.get('/v1.7/permission-access/accounts').set(bearer(await signRequest({ access_token: accessToken })))).body as {
      id: string;
      reference: string;
      type: string;
      sourceId: number;
    }[];

  it('no fixture user has one, so a push answers 404 until the provider is onboarded', async () => {
    const demoToken = (await authorizeAndExchange(d, { user: 'demo' })).payload.access_token.value;
    expect((await pushToProvider(d, demoToken, { accountId: '2_5001_demo-demo-health-clinic' })).status).toBe(404);
  });

  it('approval adds a PUSH account of the clinic to the consent; pushes to it are recorded and reported', async () => {
    const { payload } = await authorizeAndExchange(d, { user: 'demo' });
    const access = payload.access_token.value;
    const { params } = await onboardClinic(access);
    expect(params).toMatchObject({ success: 'true', accountReference: 'provider-demo-demo-health-clinic' });
    expect(params).not.toHaveProperty('code');

    const clinic = (await accountsOf(access)).find((a) => a.sourceId === 5001);
    expect(clinic).toMatchObject({
      id: '2_5001_demo-demo-health-clinic',
      reference: 'provider-demo-demo-health-clinic',
      type: 'PUSH',
      serviceGroupId: 2,
      serviceGroupName: 'Medical',
      serviceTypeId: 5001,
      serviceTypeName: 'Demo Health Clinic',
      serviceTypeReference: 'demo-health-clinic',
      createdDate: expect.any(Number),
      accessTokenStatus: { authorized: true },
    });
    // The shape the official Node SDK requires of every account.
    expect(AccountsResponse.safeParse([clinic]).success).toBe(true);

    const res = await pushToProvider(d, access, { accountId: clinic!.id, version: 'stu3', body: { resourceType: 'Observation', id: 'o1' } });
    expect(res.status).toBe(201);
    expect(d.authority.providerPushes('demo').at(-1)).toMatchObject({ accountId: clinic!.id, version: 'stu3' });
    // It has nothing to sync: sessions list no file of it, and still complete.
    const { fileList, status } = await settledFileList(d, access);
    expect(fileList.every((f) => !f.name.includes('_5001_'))).toBe(true);
    expect(status.state).toBe('completed');
  });

  it('onboarding the provider again reuses the account; another consent of the user gets the same one', async () => {
    const first = (await authorizeAndExchange(d, { user: 'demo' })).payload.access_token.value;
    await onboardClinic(first);
    const second = (await authorizeAndExchange(d, { user: 'demo' })).payload.access_token.value;
    expect((await accountsOf(second)).some((a) => a.sourceId === 5001)).toBe(false);
    const { params } = await onboardClinic(second);
    expect(params.accountReference).toBe('provider-demo-demo-health-clinic');
    expect((await accountsOf(second)).filter((a) => a.sourceId === 5001)).toHaveLength(1);
  });

  it('deleting it removes it; onboarding the provider again makes a new one', async () => {
    const access = (await authorizeAndExchange(d, { user: 'alex' })).payload.access_token.value;
    await onboardClinic(access);
    const id = '2_5001_alex-demo-health-clinic';
    expect((await deleteAccount(d, access, id)).status).toBe(204);
    expect((await accountsOf(access)).some((a) => a.id === id)).toBe(false);
    expect((await pushToProvider(d, access, { accountId: id })).status).toBe(404);
    await onboardClinic(access);
    expect((await accountsOf(access)).some((a) => a.id === id)).toBe(true);
  });

  it('a pull source the user has no account at, a denial, or sample data add none', async () => {
    const access = (await authorizeAndExchange(d, { user: 'alex' })).payload.access_token.value;
    const before = (await accountsOf(access)).map((a) => a.id);
    const { code } = await tokenReference(d, access);
    await decideAtOnce(d, `/apps/saas/onboard?code=${code}&service=138`, 'accept');
    const denied = await tokenReference(d, access);
    await decideAtOnce(d, `/apps/saas/onboard?code=${denied.code}&sourceType=push&service=5001`, 'deny');
    expect((await accountsOf(access)).map((a) => a.id)).toEqual(before);
  });

  it('is part of the state a snapshot keeps, and reset forgets it', async () => {
    const access = (await authorizeAndExchange(d, { user: 'demo' })).payload.access_token.value;
    await onboardClinic(access);
    const saved = d.authority.state();
    expect(Object.keys(saved.store.providerAccounts ?? {})).toContain('demo');
    d.authority.reset();
    expect(d.authority.state().store.providerAccounts).toEqual({});
    d.authority.restoreState(saved);
    expect((await accountsOf(access)).some((a) => a.sourceId === 5001)).toBe(true);
  });
});
