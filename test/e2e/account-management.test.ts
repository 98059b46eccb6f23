/**
 * Managing one account end to end, against the running mock over HTTP, the way an app and its
 * user's browser go through it (docs/protocol.md §9.2, §9.3): the pages are read and their forms
 * posted, as a browser without script would. Revoke an account, and the next sync is partial;
 * re-authorise it, and the sync is complete again; delete an account, and it is gone from the
 * account list and from the next session's files.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SigningKey } from '../../mock-server/core/index.js';
import { startMockServer, type RunningMockServer } from '../../mock-server/server.js';
import { AccountsResponse, CAFileListResponse, DEMO_ACCOUNTS } from '../support/data.js';
import { testServerKeyPem } from '../support/keys.js';
import { pkce, signRequest } from '../support/request-jwt.js';

const CALLBACK = 'http://localhost:3000/callback';
const AGENT = { agent: { sdk: { name: 'e2e', version: '1', meta: {} } } };

let mock: RunningMockServer;
let dataDir: string;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'accounts-e2e-'));
  mock = await startMockServer(
    { port: 0, logLevel: 'silent', keyFile: join(dataDir, 'k.pem') },
    { signingKey: await SigningKey.fromPem(testServerKeyPem()) },
  );
  mock.authority.clock.freeze(true);
});

afterAll(async () => {
  await mock?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

// ---- the app's calls ----

const api = async (path: string, init: { method?: string; claims?: Record<string, unknown>; headers?: Record<string, string>; body?: object } = {}) => {
  const res = await fetch(`${mock.baseUrl}${path}`, {
    method: init.method ?? 'GET',
    headers: {
      authorization: `Bearer ${await signRequest(init.claims ?? {})}`,
      'content-type': 'application/json',
      ...init.headers,
    },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
};

/** Consent for the demo user, and the code exchange. */
async function onboard(): Promise<string> {
  const { verifier, challenge } = pkce();
  const authorize = await api('oauth/authorize', {
    method: 'POST',
    claims: { code_challenge: challenge, code_challenge_method: 'S256', redirect_uri: CALLBACK, response_mode: 'query', response_type: 'code', state: 'e2e' },
    body: AGENT,
  });
  const { preauthorization_code } = decodeJwt(authorize.body.token) as { preauthorization_code: string };
  const back = await browse(`${mock.onboardUrl}authorize?code=${preauthorization_code}&sourceType=pull`, 'accept');
  const token = await api('oauth/token', { method: 'POST', claims: { code: back.searchParams.get('code'), code_verifier: verifier, grant_type: 'authorization_code' } });
  return (decodeJwt(token.body.token) as { access_token: { value: string } }).access_token.value;
}

const accounts = async (access: string) =>
  AccountsResponse.parse((await api('permission-access/accounts', { claims: { access_token: access } })).body);

/** A new session, its sync run to the end on the mock clock, and its file list. */
async function sync(access: string, sessionKey?: string) {
  const key = sessionKey ?? (await api('permission-access/trigger', { method: 'POST', claims: { access_token: access }, body: AGENT })).body.session.key;
  mock.authority.clock.advance(60);
  const list = await api(`permission-access/query/${key}`, { claims: { access_token: access } });
  return { key, list: CAFileListResponse.parse(list.body) };
}

// ---- the user's browser ----

/**
 * Opens a consent-client page and presses the button for `decision`, as a browser posts the page's
 * form; returns the URL the mock redirects to.
 */
async function browse(url: string, decision: 'accept' | 'deny'): Promise<URL> {
  const page = await fetch(url);
  expect(page.status).toBe(200);
  const html = await page.text();
  const action = /<form method="post" action="([^"]+)">/.exec(html)![1]!;
  const form = new URLSearchParams();
  for (const m of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) form.set(m[1]!, m[2]!);
  form.set('decision', decision);
  const posted = await fetch(new URL(action, url), { method: 'POST', body: form, redirect: 'manual' });
  expect(posted.status).toBe(303);
  return new URL(posted.headers.get('location')!);
}

describe('managing one account, end to end', () => {
  it('revoke, then a partial sync; re-authorise, then a complete sync', async () => {
    const access = await onboard();
    expect((await sync(access)).list.status.state).toBe('completed');

    const revoke = await api('permission-access/revoke/h:accountId', {
      claims: { access_token: access },
      headers: { accept: 'application/json', accountId: DEMO_ACCOUNTS.instagram, redirectUri: CALLBACK },
    });
    expect(revoke.status).toBe(200);
    const withdrawn = await browse(revoke.body.location, 'accept');
    expect(withdrawn.href).toBe(`${CALLBACK}?result=success`);

    const partial = await sync(access);
    expect(partial.list.status.state).toBe('partial');
    expect(partial.list.status.details![DEMO_ACCOUNTS.instagram]).toMatchObject({ state: 'partial', error: { code: 'ServiceAuthorizationError', reauth: true } });
    expect((await accounts(access)).find((a) => a.id === DEMO_ACCOUNTS.instagram)!.accessTokenStatus).toEqual({ authorized: false });

    // getReauthorizeAccountUrl: a token reference without state or PKCE, an account reference, the page.
    const reference = await api('oauth/token/reference', { method: 'POST', claims: { access_token: access, redirect_uri: CALLBACK }, body: AGENT });
    expect(reference.status).toBe(201);
    const { reference_code } = decodeJwt(reference.body.token) as { reference_code: string };
    const accountRef = await api('reference', { method: 'POST', body: { type: 'accountId', value: DEMO_ACCOUNTS.instagram } });
    expect(accountRef.status).toBe(201);
    const page = new URL(`${mock.onboardUrl}reauthorize`);
    page.search = new URLSearchParams({ code: reference_code, accountRef: accountRef.body.id }).toString();
    const approved = await browse(page.toString(), 'accept');
    expect(approved.href).toBe(`${CALLBACK}?success=true`);

    expect((await accounts(access)).find((a) => a.id === DEMO_ACCOUNTS.instagram)!.accessTokenStatus).toEqual({ authorized: true });
    const whole = await sync(access, reference.body.session.key);
    expect(whole.list.status.state).toBe('completed');
    expect(whole.list.fileList!.length).toBeGreaterThan(partial.list.fileList!.length);
    expect((await sync(access)).list.status.state).toBe('completed');
  });

  it('delete an account: gone from the account list and from the next session', async () => {
    const access = await onboard();
    const { key, list } = await sync(access);
    const spotify = list.fileList!.filter((f) => f.name.startsWith('18_5_19_'));
    expect(spotify.length).toBe(12);

    const del = await api('permission-access/service/h:accountId', { method: 'DELETE', claims: { access_token: access }, headers: { accountId: DEMO_ACCOUNTS.spotify } });
    expect(del).toEqual({ status: 204, body: undefined });

    expect((await accounts(access)).map((a) => a.id)).toEqual([DEMO_ACCOUNTS.instagram, DEMO_ACCOUNTS.bank]);
    const next = await sync(access);
    expect(next.list.status.state).toBe('completed');
    expect(next.list.fileList!.some((f) => f.name.startsWith('18_5_19_'))).toBe(false);
    const download = await fetch(`${mock.baseUrl}permission-access/query/${key}/${spotify[0]!.name}`, {
      headers: { authorization: `Bearer ${await signRequest({ access_token: access })}`, accept: 'application/octet-stream' },
    });
    expect(download.status).toBe(404);
    // A consent given afterwards does not bring it back.
    expect((await accounts(await onboard())).map((a) => a.id)).not.toContain(DEMO_ACCOUNTS.spotify);
  });
});
