/**
 * The reauthorize page (docs/protocol.md §9.3), opened the way getReauthorizeAccountUrl builds
 * its URL: a reference code from `oauth/token/reference` and an account reference from
 * `POST reference`. Approval gives the app access to the account again.
 */
import { describe, expect, it } from 'vitest';
import { authorizeAndExchange, createHarness, REDIRECT_URI } from '../support/harness.js';
import { createReference, decideAtOnce, deleteAccount, reauthorizePagePath, revokePagePath, tokenReference } from '../support/accounts.js';
import { accounts, AccountsResponse, DEMO_ACCOUNTS, fileList } from '../support/data.js';
import { newRsaKeyPair } from '../support/keys.js';

const complete = { pendingSeconds: 0, runningSeconds: 0 };

async function statusOf(h: Awaited<ReturnType<typeof createHarness>>, token: string, id: string) {
  return AccountsResponse.parse((await accounts(h, token)).body).find((a) => a.id === id)?.accessTokenStatus;
}

describe('reauthorize page', () => {
  it('shows the app, the account and the user, with Approve and Deny', async () => {
    const h = await createHarness();
    const token = (await authorizeAndExchange(h)).payload.access_token.value;
    const { path, accountRef } = await reauthorizePagePath(h, token, DEMO_ACCOUNTS.instagram);
    const page = await h.http.get(`${path}&lng=nl`);
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.text).toContain('Demo App (Genrefy)');
    expect(page.text).toContain('Instagram (demo.pictures)');
    expect(page.text).toContain('Demo User');
    expect(page.text).toContain(`name="accountRef" value="${accountRef}"`);
    expect(page.text).toMatch(/<form method="post" action="\/apps\/saas\/reauthorize">/);
    expect(page.text).toMatch(/<button[^>]*value="accept"[^>]*id="approve">Approve<\/button>/);
    expect(page.text).toMatch(/<button[^>]*value="deny"[^>]*id="deny">Deny<\/button>/);
  });

  it('Approve re-authorises a withdrawn account: success=true and no code; the session handed out syncs it whole', async () => {
    const h = await createHarness({ sync: complete });
    const token = (await authorizeAndExchange(h)).payload.access_token.value;
    await decideAtOnce(h, await revokePagePath(h, token, DEMO_ACCOUNTS.bank), 'accept');
    expect(await statusOf(h, token, DEMO_ACCOUNTS.bank)).toEqual({ authorized: false });

    const { path, session } = await reauthorizePagePath(h, token, DEMO_ACCOUNTS.bank);
    const { url, params } = await decideAtOnce(h, path, 'accept');
    expect(url.origin + url.pathname).toBe(REDIRECT_URI);
    expect(params).toEqual({ success: 'true' });

    expect(await statusOf(h, token, DEMO_ACCOUNTS.bank)).toEqual({ authorized: true });
    const list = await fileList(h, token, session.key);
    expect(list.status.state).toBe('completed');
    expect(list.status.details![DEMO_ACCOUNTS.bank]).toEqual({ state: 'completed' });
    expect(list.fileList.filter((f) => f.name.startsWith('18_3_138_'))).toHaveLength(12);
  });

  it("clears the account's own scenario: alex's Instagram syncs complete once re-authorised", async () => {
    const h = await createHarness({ sync: complete });
    const { payload, session } = await authorizeAndExchange(h, { user: 'alex' });
    const token = payload.access_token.value;
    expect((await fileList(h, token, session.key)).status.state).toBe('partial');
    expect(await statusOf(h, token, '1_4_alex-instagram')).toEqual({ authorized: false });

    const reauth = await reauthorizePagePath(h, token, '1_4_alex-instagram');
    expect(await h.http.get(reauth.path).then((r) => r.text)).toContain('Alex Example');
    await decideAtOnce(h, reauth.path, 'accept');
    expect(await statusOf(h, token, '1_4_alex-instagram')).toEqual({ authorized: true });
    expect((await fileList(h, token, reauth.session.key)).status.state).toBe('completed');
    // Sessions of the consent started before see it too, as they see an onboarded account.
    expect((await fileList(h, token, session.key)).status.state).toBe('completed');
  });

  it('Deny redirects with success=false and an error code, and changes nothing', async () => {
    const h = await createHarness({ sync: complete });
    const { payload } = await authorizeAndExchange(h, { user: 'alex' });
    const token = payload.access_token.value;
    const { path, session } = await reauthorizePagePath(h, token, '1_4_alex-instagram');
    const { params } = await decideAtOnce(h, path, 'deny');
    expect(params).toEqual({ success: 'false', errorCode: 'ConsentDenied', errorMessage: 'The user did not give consent' });
    expect(await statusOf(h, token, '1_4_alex-instagram')).toEqual({ authorized: false });
    expect((await fileList(h, token, session.key)).status.state).toBe('partial');
  });

  it('echoes the state of the token reference when it had one', async () => {
    const h = await createHarness();
    const token = (await authorizeAndExchange(h)).payload.access_token.value;
    const { code } = await tokenReference(h, token, { state: 'st-9' });
    const ref = (await createReference(h, { type: 'accountId', value: DEMO_ACCOUNTS.spotify })).body.id;
    const { params } = await decideAtOnce(h, `/apps/saas/reauthorize?code=${code}&accountRef=${ref}`, 'accept');
    expect(params).toEqual({ success: 'true', state: 'st-9' });
  });

  it('the form posts Approve and Deny back with a 303', async () => {
    const h = await createHarness();
    const token = (await authorizeAndExchange(h)).payload.access_token.value;
    for (const [decision, success] of [['accept', 'true'], ['deny', 'false']] as const) {
      const { code, accountRef } = await reauthorizePagePath(h, token, DEMO_ACCOUNTS.spotify);
      const res = await h.http.post('/apps/saas/reauthorize').type('form').send({ code, accountRef, decision });
      expect(res.status).toBe(303);
      expect(new URL(res.headers.location!).searchParams.get('success')).toBe(success);
    }
    const { code, accountRef } = await reauthorizePagePath(h, token, DEMO_ACCOUNTS.spotify);
    const undecided = await h.http.post('/apps/saas/reauthorize').type('form').send({ code, accountRef });
    expect(undecided.status).toBe(400);
    expect(undecided.text).toContain('Choose Approve or Deny.');
  });

  it('shows the 400 error page when accountRef does not name an account of the consent’s user', async () => {
    const h = await createHarness();
    h.authority.clock.freeze(true);
    const token = (await authorizeAndExchange(h)).payload.access_token.value;
    const other = newRsaKeyPair();
    h.authority.registerApp({ appId: 'other', contractId: 'c', publicKey: other.publicKeyPem });
    const ref = async (value: string, sign?: { key: typeof other.privateKey; clientId: string }) =>
      (await createReference(h, { type: 'accountId', value }, sign)).body.id as string;

    const cases: Record<string, string | undefined> = {
      'no accountRef': undefined,
      'an unknown reference': 'nope',
      "another user's account": await ref('5_19_alex-spotify'),
      'an account nobody has': await ref('9_9_nobody'),
      "another app's reference": await ref(DEMO_ACCOUNTS.spotify, { key: other.privateKey, clientId: 'other_c' }),
    };
    const expiring = await ref(DEMO_ACCOUNTS.spotify);
    for (const [name, accountRef] of Object.entries(cases)) {
      const { code } = await tokenReference(h, token);
      const res = await h.http.get('/apps/saas/reauthorize').query({ code, autoConsent: 'accept', ...(accountRef ? { accountRef } : {}) });
      expect(res.status, name).toBe(400);
      expect(res.text, name).toContain('The account to re-authorise is not valid.');
      // The code is not spent by a page that could not be shown.
      expect((await h.http.get('/apps/saas/reauthorize').query({ code, accountRef: expiring })).status, name).toBe(200);
    }
    h.authority.clock.advance(h.authority.config.ttl.referenceCode);
    const { code } = await tokenReference(h, token);
    expect((await h.http.get('/apps/saas/reauthorize').query({ code, accountRef: expiring })).status).toBe(400);
  });

  it('a reference stays good for many pages while it lives; a reference code is spent by one decision', async () => {
    const h = await createHarness();
    const token = (await authorizeAndExchange(h)).payload.access_token.value;
    const { path, accountRef } = await reauthorizePagePath(h, token, DEMO_ACCOUNTS.spotify);
    await decideAtOnce(h, path, 'accept');
    const used = await h.http.get(path);
    expect(used.status).toBe(400);
    expect(used.text).toContain('already been used');
    const { code } = await tokenReference(h, token);
    expect((await h.http.get('/apps/saas/reauthorize').query({ code, accountRef })).status).toBe(200);
  });

  it('takes reference codes only: a preauthorization code or a revoke code shows the error page', async () => {
    const h = await createHarness();
    const { payload, preauthorization_code } = await authorizeAndExchange(h);
    const token = payload.access_token.value;
    const accountRef = (await createReference(h, { type: 'accountId', value: DEMO_ACCOUNTS.spotify })).body.id;
    const revokeCode = new URL(await revokePagePath(h, token, DEMO_ACCOUNTS.spotify), 'http://x').searchParams.get('code')!;
    for (const code of [preauthorization_code, revokeCode, 'nope']) {
      expect((await h.http.get('/apps/saas/reauthorize').query({ code, accountRef })).status).toBe(400);
    }
  });

  it('shows the error page once the account has left the library', async () => {
    const h = await createHarness();
    const token = (await authorizeAndExchange(h)).payload.access_token.value;
    const { path } = await reauthorizePagePath(h, token, DEMO_ACCOUNTS.bank);
    expect((await deleteAccount(h, token, DEMO_ACCOUNTS.bank)).status).toBe(204);
    expect((await h.http.get(path)).status).toBe(400);
  });
});
