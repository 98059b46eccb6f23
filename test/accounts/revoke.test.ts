/**
 * `GET permission-access/revoke/h:accountId` and the revoke page (docs/protocol.md §9.2): the
 * user withdraws the app's access to one account; the account stays listed, unauthorised, and its
 * syncs end `partial` asking for re-authorisation.
 */
import { describe, expect, it } from 'vitest';
import { authorizeAndExchange, createHarness, REDIRECT_URI } from '../support/harness.js';
import { decideAtOnce, deleteAccount, revokePagePath, revokeUrl } from '../support/accounts.js';
import { accounts, AccountsResponse, DEMO_ACCOUNTS, fileList, trigger } from '../support/data.js';
import { newRsaKeyPair } from '../support/keys.js';
import { signRequest } from '../support/request-jwt.js';

const complete = { pendingSeconds: 0, runningSeconds: 0 };
const REAUTH = { code: 'ServiceAuthorizationError', statusCode: 401, message: 'Service authorization required', reauth: true };

async function statusOf(h: Awaited<ReturnType<typeof createHarness>>, token: string, id: string) {
  return AccountsResponse.parse((await accounts(h, token)).body).find((a) => a.id === id)?.accessTokenStatus;
}

describe('revoke account permission URL', () => {
  it('answers 200 {location}: the revoke page under the consent client, with a code', async () => {
    const h = await createHarness();
    const token = (await authorizeAndExchange(h)).payload.access_token.value;
    const res = await revokeUrl(h, token, { accountId: DEMO_ACCOUNTS.spotify, redirectUri: REDIRECT_URI });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(Object.keys(res.body)).toEqual(['location']);
    const location = new URL(res.body.location);
    expect(location.pathname).toBe('/apps/saas/revoke');
    expect([...location.searchParams.keys()]).toEqual(['code']);
    expect(location.searchParams.get('code')).toMatch(/^[A-Za-z0-9_-]{32}$/);
    // Each call hands out a new code.
    const again = await revokeUrl(h, token, { accountId: DEMO_ACCOUNTS.spotify, redirectUri: REDIRECT_URI });
    expect(again.body.location).not.toBe(res.body.location);
  });

  it('puts the page on the configured public URL when there is one', async () => {
    const h = await createHarness({ publicUrl: 'https://mock.example:8443/' });
    const token = (await authorizeAndExchange(h)).payload.access_token.value;
    const res = await revokeUrl(h, token, { accountId: DEMO_ACCOUNTS.spotify, redirectUri: REDIRECT_URI });
    expect(res.body.location).toMatch(/^https:\/\/mock\.example:8443\/apps\/saas\/revoke\?code=/);
  });

  it('checks the token, the redirectUri and the account', async () => {
    const h = await createHarness();
    const strict = newRsaKeyPair();
    h.authority.registerApp({ appId: 'strict', contractId: 'c', publicKey: strict.publicKeyPem, redirectUris: ['https://app.example/done'] });
    const sign = { key: strict.privateKey, clientId: 'strict_c' };
    const token = (await authorizeAndExchange(h)).payload.access_token.value;
    const cases: [string, Awaited<ReturnType<typeof revokeUrl>>, number, string][] = [
      ['bad token', await revokeUrl(h, 'nope', { accountId: DEMO_ACCOUNTS.spotify, redirectUri: REDIRECT_URI }), 401, 'InvalidToken'],
      ['no redirectUri', await revokeUrl(h, token, { accountId: DEMO_ACCOUNTS.spotify }), 406, 'ValidationErrors'],
      ['not a URL', await revokeUrl(h, token, { accountId: DEMO_ACCOUNTS.spotify, redirectUri: 'not a url' }), 404, 'InvalidRedirectUri'],
      ['no accountId', await revokeUrl(h, token, { redirectUri: REDIRECT_URI }), 406, 'ValidationErrors'],
      ['unknown account', await revokeUrl(h, token, { accountId: 'nope', redirectUri: REDIRECT_URI }), 404, 'NotFound'],
      ["another user's account", await revokeUrl(h, token, { accountId: '5_19_alex-spotify', redirectUri: REDIRECT_URI }), 404, 'NotFound'],
    ];
    const strictToken = (await authorizeAndExchange(h, { sign, claims: { redirect_uri: 'https://app.example/done' } })).payload.access_token.value;
    cases.push(
      ['redirectUri not in the contract', await revokeUrl(h, strictToken, { accountId: DEMO_ACCOUNTS.spotify, redirectUri: REDIRECT_URI }, sign), 404, 'InvalidRedirectUri'],
      ['a listed redirectUri', await revokeUrl(h, strictToken, { accountId: DEMO_ACCOUNTS.spotify, redirectUri: 'https://app.example/done' }, sign), 200, ''],
    );
    for (const [name, res, status, code] of cases) {
      expect(res.status, name).toBe(status);
      if (code) {
        expect(res.body.error, name).toMatchObject({ code, message: expect.any(String), reference: expect.any(String) });
        expect(res.body.location, name).toBeUndefined();
      }
    }
    expect(cases[2]![1].body.error.message).toBe('The redirect_uri (not a url) is invalid');
  });
});

describe('revoke page', () => {
  it('shows the app, the account and the user, with Withdraw and Cancel', async () => {
    const h = await createHarness();
    const token = (await authorizeAndExchange(h)).payload.access_token.value;
    const page = await h.http.get(await revokePagePath(h, token, DEMO_ACCOUNTS.spotify));
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.headers['content-security-policy']).toContain("default-src 'none'");
    expect(page.headers['cache-control']).toBe('no-store');
    expect(page.text).toContain('Demo App (Genrefy)');
    expect(page.text).toContain('Spotify (demo.listener)');
    expect(page.text).toContain('Demo User');
    expect(page.text).toMatch(/<form method="post" action="\/apps\/saas\/revoke">/);
    expect(page.text).toMatch(/<button[^>]*value="accept"[^>]*id="withdraw">Withdraw<\/button>/);
    expect(page.text).toMatch(/<button[^>]*value="deny"[^>]*id="cancel">Cancel<\/button>/);
    expect(await statusOf(h, token, DEMO_ACCOUNTS.spotify)).toEqual({ authorized: true });
  });

  it('Withdraw redirects with result=success; the account stays listed, unauthorised, and its syncs end partial', async () => {
    const h = await createHarness({ sync: complete });
    const { payload, session } = await authorizeAndExchange(h);
    const token = payload.access_token.value;
    expect((await fileList(h, token, session.key)).status.state).toBe('completed');

    const { url, params } = await decideAtOnce(h, await revokePagePath(h, token, DEMO_ACCOUNTS.bank), 'accept');
    expect(url.origin + url.pathname).toBe(REDIRECT_URI);
    expect(params).toEqual({ result: 'success' });

    expect(AccountsResponse.parse((await accounts(h, token)).body).map((a) => [a.id, a.accessTokenStatus])).toEqual([
      [DEMO_ACCOUNTS.spotify, { authorized: true }],
      [DEMO_ACCOUNTS.instagram, { authorized: true }],
      [DEMO_ACCOUNTS.bank, { authorized: false }],
    ]);
    const next = await fileList(h, token, (await trigger(h, token)).body.session.key);
    expect(next.status).toEqual({
      state: 'partial',
      details: {
        [DEMO_ACCOUNTS.spotify]: { state: 'completed' },
        [DEMO_ACCOUNTS.instagram]: { state: 'completed' },
        [DEMO_ACCOUNTS.bank]: { state: 'partial', error: REAUTH },
      },
    });
    // As a sync that fails half-way: the first half of the account's files.
    expect(next.fileList.filter((f) => f.name.startsWith('18_3_138_'))).toHaveLength(6);
  });

  it("withdraws for this consent only: the user's other consents keep the account", async () => {
    const h = await createHarness({ sync: complete });
    const token = (await authorizeAndExchange(h)).payload.access_token.value;
    const other = (await authorizeAndExchange(h)).payload.access_token.value;
    await decideAtOnce(h, await revokePagePath(h, token, DEMO_ACCOUNTS.bank), 'accept');
    expect(await statusOf(h, other, DEMO_ACCOUNTS.bank)).toEqual({ authorized: true });
    expect((await fileList(h, other, (await trigger(h, other)).body.session.key)).status.state).toBe('completed');
  });

  it('Cancel redirects with result=failed and an error code, and changes nothing', async () => {
    const h = await createHarness({ sync: complete });
    const token = (await authorizeAndExchange(h)).payload.access_token.value;
    const { params } = await decideAtOnce(h, await revokePagePath(h, token, DEMO_ACCOUNTS.bank), 'deny');
    expect(params).toEqual({ result: 'failed', error_message: 'RevokeCancelled' });
    expect(await statusOf(h, token, DEMO_ACCOUNTS.bank)).toEqual({ authorized: true });
    expect((await fileList(h, token, (await trigger(h, token)).body.session.key)).status.state).toBe('completed');
  });

  it('keeps the redirectUri’s own query parameters', async () => {
    const h = await createHarness();
    const token = (await authorizeAndExchange(h)).payload.access_token.value;
    const path = await revokePagePath(h, token, DEMO_ACCOUNTS.bank, 'myapp://revoked?tab=accounts');
    const { url, params } = await decideAtOnce(h, path, 'accept');
    expect(url.protocol).toBe('myapp:');
    expect(params).toEqual({ tab: 'accounts', result: 'success' });
  });

  it('the form posts Withdraw and Cancel back with a 303', async () => {
    const h = await createHarness();
    const token = (await authorizeAndExchange(h)).payload.access_token.value;
    for (const [decision, result] of [['accept', 'success'], ['deny', 'failed']] as const) {
      const code = new URL(await revokePagePath(h, token, DEMO_ACCOUNTS.instagram), 'http://x').searchParams.get('code');
      const res = await h.http.post('/apps/saas/revoke').type('form').send({ code, decision });
      expect(res.status).toBe(303);
      expect(new URL(res.headers.location!).searchParams.get('result')).toBe(result);
    }
    const code = new URL(await revokePagePath(h, token, DEMO_ACCOUNTS.instagram), 'http://x').searchParams.get('code');
    const undecided = await h.http.post('/apps/saas/revoke').type('form').send({ code });
    expect(undecided.status).toBe(400);
    expect(undecided.text).toContain('Choose Withdraw or Cancel.');
  });

  it('a used, expired, unknown or missing code shows the 400 error page', async () => {
    const h = await createHarness();
    h.authority.clock.freeze(true);
    const token = (await authorizeAndExchange(h)).payload.access_token.value;
    const used = await revokePagePath(h, token, DEMO_ACCOUNTS.spotify);
    await decideAtOnce(h, used, 'deny');
    const expired = await revokePagePath(h, token, DEMO_ACCOUNTS.spotify);
    h.authority.clock.advance(h.authority.config.ttl.referenceCode);
    for (const [path, message] of [
      [used, 'already been used'],
      [expired, 'has expired'],
      ['/apps/saas/revoke?code=nope', 'not valid'],
      ['/apps/saas/revoke', 'not valid'],
    ] as const) {
      const res = await h.http.get(`${path}${path.includes('?') ? '&' : '?'}autoConsent=accept`);
      expect(res.status, path).toBe(400);
      expect(res.headers['content-type']).toMatch(/^text\/html/);
      expect(res.text).toContain(message);
    }
  });

  it('a code does not open another page, and consent codes do not open the revoke page', async () => {
    const h = await createHarness();
    const { payload, preauthorization_code } = await authorizeAndExchange(h);
    const path = await revokePagePath(h, payload.access_token.value, DEMO_ACCOUNTS.spotify);
    const code = new URL(path, 'http://x').searchParams.get('code')!;
    for (const page of ['authorize', 'user-reauth', 'onboard', 'reauthorize']) {
      expect((await h.http.get(`/apps/saas/${page}`).query({ code })).status, page).toBe(400);
    }
    expect((await h.http.get('/apps/saas/revoke').query({ code: preauthorization_code })).status).toBe(400);
    // Still good for its own page.
    expect((await h.http.get(path)).status).toBe(200);
  });

  it('shows the error page once the account has left the library or the user has left the app', async () => {
    const h = await createHarness();
    const token = (await authorizeAndExchange(h)).payload.access_token.value;
    const path = await revokePagePath(h, token, DEMO_ACCOUNTS.spotify);
    expect((await deleteAccount(h, token, DEMO_ACCOUNTS.spotify)).status).toBe(204);
    const left = await h.http.get(path);
    expect(left.status).toBe(400);
    expect(left.text).toContain('no longer shared');

    const path2 = await revokePagePath(h, token, DEMO_ACCOUNTS.bank);
    expect((await h.http.delete('/v1.7/user').set('authorization', `Bearer ${await signRequest({ access_token: token })}`)).status).toBe(204);
    expect((await h.http.get(path2)).status).toBe(400);
  });

  it('the consent mode decides at once, and autoConsent wins over it', async () => {
    const h = await createHarness({ consent: 'accept' });
    const token = (await authorizeAndExchange(h)).payload.access_token.value;
    const res = await h.http.get(await revokePagePath(h, token, DEMO_ACCOUNTS.bank));
    expect(res.status).toBe(302);
    expect(new URL(res.headers.location!).searchParams.get('result')).toBe('success');
    const { params } = await decideAtOnce(h, await revokePagePath(h, token, DEMO_ACCOUNTS.spotify), 'deny');
    expect(params.result).toBe('failed');
  });
});
