/**
 * `DELETE permission-access/service/h:accountId` (docs/protocol.md §9.2): an account leaves the
 * user's library, for every app: account lists, file lists and downloads lose it.
 */
import { describe, expect, it } from 'vitest';
import { authorizeAndExchange, createHarness } from '../support/harness.js';
import { deleteAccount, tokenReference } from '../support/accounts.js';
import { accounts, AccountsResponse, DEMO_ACCOUNTS, download, fileList, trigger } from '../support/data.js';
import { DEMO_CLIENT_ID, newRsaKeyPair } from '../support/keys.js';

const complete = { pendingSeconds: 0, runningSeconds: 0 };
const ids = async (h: Awaited<ReturnType<typeof createHarness>>, token: string) =>
  AccountsResponse.parse((await accounts(h, token)).body).map((a) => a.id);

describe('delete account', () => {
  it('answers 204 with no body; the account is gone from the account list and from file lists, old and new', async () => {
    const h = await createHarness({ sync: complete });
    const { payload, session } = await authorizeAndExchange(h);
    const token = payload.access_token.value;
    const before = await fileList(h, token, session.key);
    const bankFile = before.fileList.find((f) => f.name.startsWith('18_3_138_'))!;
    expect((await download(h, token, session.key, bankFile.name)).status).toBe(200);

    const res = await deleteAccount(h, token, DEMO_ACCOUNTS.bank);
    expect(res.status).toBe(204);
    expect(res.text).toBe('');

    expect(await ids(h, token)).toEqual([DEMO_ACCOUNTS.spotify, DEMO_ACCOUNTS.instagram]);
    const next = await fileList(h, token, (await trigger(h, token)).body.session.key);
    expect(next.status.state).toBe('completed');
    expect(Object.keys(next.status.details!)).toEqual([DEMO_ACCOUNTS.spotify, DEMO_ACCOUNTS.instagram]);
    expect(next.fileList.some((f) => f.name.startsWith('18_3_138_'))).toBe(false);
    expect(next.fileList).toHaveLength(before.fileList.length - before.fileList.filter((f) => f.name.startsWith('18_3_138_')).length);
    // The session that listed the file before lists it no more, and will not hand it out.
    expect((await fileList(h, token, session.key)).fileList.map((f) => f.name)).not.toContain(bankFile.name);
    const gone = await download(h, token, session.key, bankFile.name);
    expect(gone.status).toBe(404);
  });

  it("leaves the user's library for every app, and consents given later do not cover it", async () => {
    const h = await createHarness({ sync: complete });
    const other = newRsaKeyPair();
    h.authority.registerApp({ appId: 'other-app', contractId: 'c1', publicKey: other.publicKeyPem });
    const sign = { key: other.privateKey, clientId: 'other-app_c1' };
    const otherToken = (await authorizeAndExchange(h, { sign })).payload.access_token.value;
    const token = (await authorizeAndExchange(h)).payload.access_token.value;
    const alex = (await authorizeAndExchange(h, { user: 'alex' })).payload.access_token.value;

    expect((await deleteAccount(h, token, DEMO_ACCOUNTS.spotify)).status).toBe(204);

    expect(await ids(h, token)).not.toContain(DEMO_ACCOUNTS.spotify);
    expect(AccountsResponse.parse((await accounts(h, otherToken, sign)).body).map((a) => a.id)).toEqual([
      DEMO_ACCOUNTS.instagram,
      DEMO_ACCOUNTS.bank,
    ]);
    const later = (await authorizeAndExchange(h)).payload.access_token.value;
    expect(await ids(h, later)).toEqual([DEMO_ACCOUNTS.instagram, DEMO_ACCOUNTS.bank]);
    const files = await fileList(h, later, (await trigger(h, later)).body.session.key);
    expect(files.fileList.some((f) => f.name.startsWith('18_5_19_'))).toBe(false);
    // Onboarding Spotify again finds no Spotify account in the library.
    const { code } = await tokenReference(h, token);
    expect((await h.http.get('/apps/saas/onboard').query({ code, service: '19', autoConsent: 'accept' })).status).toBe(302);
    expect(await ids(h, token)).toEqual([DEMO_ACCOUNTS.instagram, DEMO_ACCOUNTS.bank]);
    // Another user's library is untouched.
    expect(await ids(h, alex)).toEqual(['5_19_alex-spotify', '1_4_alex-instagram']);
    expect(h.authority.consent((await authorizeAndExchange(h, { user: 'alex' })).payload.consentid)!.accountReferences).toHaveLength(2);
    expect(h.authority.user('demo')!.accounts).toHaveLength(3);
    expect(h.authority.app(DEMO_CLIENT_ID)).toBeDefined();
  });

  it('deletes a sample account too; onboarding its data set again brings a new one', async () => {
    const h = await createHarness({ sync: complete });
    const { payload } = await authorizeAndExchange(h);
    const token = payload.access_token.value;
    const onboardSample = async () => {
      const { code } = await tokenReference(h, token);
      const res = await h.http.get('/apps/saas/onboard').query({ code, service: '19', sampleDataSet: 'alex', autoConsent: 'accept' });
      expect(res.status).toBe(302);
    };
    await onboardSample();
    const sample = AccountsResponse.parse((await accounts(h, token)).body).find((a) => a.sample === true)!;
    expect(sample.serviceTypeId).toBe(19);

    expect((await deleteAccount(h, token, sample.id)).status).toBe(204);
    expect(await ids(h, token)).toEqual([DEMO_ACCOUNTS.spotify, DEMO_ACCOUNTS.instagram, DEMO_ACCOUNTS.bank]);
    await onboardSample();
    expect(await ids(h, token)).toContain(sample.id);
  });

  it('answers 404 NotFound for an account the account list does not show: unknown, deleted, another user’s, out of the consent', async () => {
    const h = await createHarness();
    const token = (await authorizeAndExchange(h)).payload.access_token.value;
    const musicOnly = (
      await authorizeAndExchange(h, { body: { actions: { pull: { scope: { serviceGroups: [{ id: 5 }] } } } } })
    ).payload.access_token.value;
    for (const [t, id] of [
      [token, 'nope'],
      [token, '5_19_alex-spotify'],
      [token, DEMO_ACCOUNTS.spotify.toUpperCase()],
      [musicOnly, DEMO_ACCOUNTS.bank],
    ] as const) {
      const res = await deleteAccount(h, t, id);
      expect(res.status, id).toBe(404);
      expect(res.body.error).toMatchObject({ code: 'NotFound', message: 'The account was not found', reference: expect.any(String) });
    }
    expect((await deleteAccount(h, token, DEMO_ACCOUNTS.bank)).status).toBe(204);
    expect((await deleteAccount(h, token, DEMO_ACCOUNTS.bank)).status).toBe(404);
    expect(await ids(h, musicOnly)).toEqual([DEMO_ACCOUNTS.spotify]);
  });

  it('answers 406 ValidationErrors without the accountId header, and 401 InvalidToken for a bad access token', async () => {
    const h = await createHarness();
    h.authority.clock.freeze(true);
    const token = (await authorizeAndExchange(h)).payload.access_token.value;
    const missing = await deleteAccount(h, token);
    expect(missing.status).toBe(406);
    expect(missing.body.error.code).toBe('ValidationErrors');
    const unknown = await deleteAccount(h, 'not-a-token', DEMO_ACCOUNTS.bank);
    expect(unknown.status).toBe(401);
    expect(unknown.body.error).toMatchObject({ code: 'InvalidToken', message: 'The token (access_token) is invalid' });
    h.authority.clock.advance(86_401);
    expect((await deleteAccount(h, token, DEMO_ACCOUNTS.bank)).status).toBe(401);
    h.authority.clock.advance(-86_401);
    // Nothing was deleted by the refused calls.
    expect(await ids(h, token)).toEqual([DEMO_ACCOUNTS.spotify, DEMO_ACCOUNTS.instagram, DEMO_ACCOUNTS.bank]);
  });
});
