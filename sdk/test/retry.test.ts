import { describe, expect, it } from 'vitest';
import { AbortedError, NetworkError, SdkVersionInvalidError, ServerError } from '../src/index.js';
import type { DigimeClientOptions } from '../src/index.js';
import { setup } from './helpers/setup.js';

const errorBody = (status: number, headers: Record<string, string> = {}) => () =>
  new Response(JSON.stringify({ error: { code: 'Unavailable', message: 'try later', reference: 'r' } }), {
    status,
    headers: { 'content-type': 'application/json', ...headers },
  });

/** A client whose waits are recorded, not slept. */
function retrying(overrides: Partial<DigimeClientOptions> = {}) {
  const sleeps: number[] = [];
  const ctx = setup({ sleep: async (ms) => void sleeps.push(ms), ...overrides });
  return { ...ctx, sleeps };
}

describe('retries of transient failures', () => {
  it.each([408, 429, 500, 502, 503, 504])('retries %i with backoff and jitter, each attempt with a new request JWT', async (status) => {
    const { client, fake, sleeps } = retrying();
    const { oAuthToken } = await client.authorizeOngoingAccess();
    fake.failNext('permission-access/accounts', errorBody(status), 2);

    const { accounts } = await client.readAccounts({ oAuthToken });
    expect(accounts).toHaveLength(1);
    const attempts = fake.requests.filter((r) => r.path === 'permission-access/accounts');
    expect(attempts).toHaveLength(3);
    expect(new Set(attempts.map((r) => r.claims?.nonce)).size).toBe(3);
    expect(sleeps).toHaveLength(2);
    expect(sleeps[0]).toBeGreaterThanOrEqual(125);
    expect(sleeps[0]).toBeLessThanOrEqual(250);
    expect(sleeps[1]).toBeGreaterThanOrEqual(250);
    expect(sleeps[1]).toBeLessThanOrEqual(500);
    expect(fake.refreshCount()).toBe(0);
  });

  it('gives up after `retries` retries with the last ServerError', async () => {
    const { client, fake, sleeps } = retrying();
    const { oAuthToken } = await client.authorizeOngoingAccess();
    fake.failNext('permission-access/accounts', errorBody(503), 10);
    const error = await client.readAccounts({ oAuthToken }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServerError);
    expect(error).toMatchObject({ status: 503, serverCode: 'Unavailable' });
    expect(fake.count('permission-access/accounts')).toBe(4);
    expect(sleeps).toHaveLength(3);
  });

  it('caps the backoff at maxDelayMs and can be turned off', async () => {
    const { client, fake, sleeps } = retrying({ retry: { retries: 5, baseDelayMs: 1000, maxDelayMs: 3000 } });
    const { oAuthToken } = await client.authorizeOngoingAccess();
    fake.failNext('permission-access/accounts', errorBody(500), 5);
    await client.readAccounts({ oAuthToken });
    expect(sleeps).toHaveLength(5);
    for (const ms of sleeps) expect(ms).toBeLessThanOrEqual(3000);
    expect(sleeps.slice(2).every((ms) => ms >= 1500)).toBe(true);

    const off = retrying({ retry: { retries: 0 } });
    const first = await off.client.authorizeOngoingAccess();
    off.fake.failNext('permission-access/accounts', errorBody(503));
    await expect(off.client.readAccounts({ oAuthToken: first.oAuthToken })).rejects.toMatchObject({ status: 503 });
    expect(off.fake.count('permission-access/accounts')).toBe(1);
    expect(off.sleeps).toEqual([]);
  });

  it('honours Retry-After in seconds and as an HTTP date, capped at maxDelayMs', async () => {
    const { client, fake, sleeps } = retrying();
    const { oAuthToken } = await client.authorizeOngoingAccess();
    fake.failNext('permission-access/accounts', errorBody(429, { 'retry-after': '2' }));
    fake.failNext('permission-access/accounts', errorBody(503, { 'retry-after': '3600' }));
    fake.failNext('permission-access/accounts', errorBody(503, { 'retry-after': new Date(Date.now() + 5000).toUTCString() }));
    await client.readAccounts({ oAuthToken });
    expect(sleeps[0]).toBe(2000);
    expect(sleeps[1]).toBe(10_000);
    // An HTTP date has whole seconds: somewhere in the 5 s before it, by real time.
    expect(sleeps[2]).toBeGreaterThan(3000);
    expect(sleeps[2]).toBeLessThanOrEqual(5000);
  });

  it('retries network errors', async () => {
    let failures = 2;
    let inner: typeof fetch = fetch;
    const { client, fake, sleeps } = retrying({
      fetch: async (input, init) => {
        if (String(input).endsWith('permission-access/accounts') && failures-- > 0) throw new TypeError('fetch failed');
        return inner(input, init);
      },
    });
    inner = fake.fetch;
    const { oAuthToken } = await client.authorizeOngoingAccess();
    const { accounts } = await client.readAccounts({ oAuthToken });
    expect(accounts).toHaveLength(1);
    expect(sleeps).toHaveLength(2);

    failures = 10;
    await expect(client.readAccounts({ oAuthToken })).rejects.toBeInstanceOf(NetworkError);
  });

  it('never retries 401 (the refresh path) or other 4xx', async () => {
    const { client, fake, sleeps } = retrying();
    const { oAuthToken } = await client.authorizeOngoingAccess();
    await expect(client.readFileList({ oAuthToken, sessionKey: 'none' })).rejects.toMatchObject({ status: 404 });
    expect(fake.count('permission-access/query/none')).toBe(1);
    fake.failNext('permission-access/accounts', errorBody(400));
    await expect(client.readAccounts({ oAuthToken })).rejects.toMatchObject({ status: 400 });
    expect(fake.count('permission-access/accounts')).toBe(1);
    fake.revokeAccessTokens();
    await client.readAccounts({ oAuthToken });
    expect(fake.count('permission-access/accounts')).toBe(3); // 401 once, then the refreshed retry
    expect(fake.refreshCount()).toBe(1);
    expect(sleeps).toEqual([]);
  });

  it('stops waiting with Aborted when the signal fires during a backoff', async () => {
    const controller = new AbortController();
    const { client, fake } = setup({
      sleep: (_ms, signal) =>
        new Promise((_resolve, reject) => {
          signal?.addEventListener('abort', () => reject(signal.reason), { once: true });
          controller.abort();
        }),
    });
    const { oAuthToken } = await client.authorizeOngoingAccess();
    fake.failNext('permission-access/accounts', errorBody(503), 5);
    const error = await client.readAccounts({ oAuthToken, signal: controller.signal }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AbortedError);
    expect(fake.count('permission-access/accounts')).toBe(1);
  });

  it('does not retry the authorization-code exchange once digi.me answered (the code is single-use)', async () => {
    const { client, fake, sleeps } = retrying();
    fake.override((r) =>
      r.path === 'oauth/token' && r.claims?.grant_type === 'authorization_code' ? errorBody(502)() : undefined,
    );
    await expect(client.authorizeOngoingAccess()).rejects.toMatchObject({ code: 'ServerError', status: 502 });
    expect(fake.count('oauth/token')).toBe(1);
    expect(sleeps).toEqual([]);
  });

  it('retries the authorization-code exchange after a network error (no answer, so the code is unused)', async () => {
    let failures = 1;
    let inner: typeof fetch = fetch;
    const { client, fake, sleeps } = retrying({
      fetch: async (input, init) => {
        if (String(input).endsWith('oauth/token') && failures-- > 0) throw new TypeError('socket hang up');
        return inner(input, init);
      },
    });
    inner = fake.fetch;
    const result = await client.authorizeOngoingAccess();
    expect(result.consented).toBe(true);
    expect(sleeps).toHaveLength(1);
  });

  it('retries a token refresh on 503', async () => {
    const { client, fake, sleeps } = retrying();
    const { oAuthToken } = await client.authorizeOngoingAccess();
    fake.revokeAccessTokens();
    fake.failNext('oauth/token', errorBody(503));
    await client.readAccounts({ oAuthToken });
    expect(fake.refreshCount()).toBe(2);
    expect(sleeps).toHaveLength(1);
  });
});

describe('401 and 403 answers', () => {
  it('does not refresh on a 401 whose body is JSON without a digi.me error ({})', async () => {
    const { client, fake } = setup();
    const { oAuthToken } = await client.authorizeOngoingAccess();
    fake.failNext('permission-access/accounts', () => new Response('{}', { status: 401 }));
    await expect(client.readAccounts({ oAuthToken })).rejects.toMatchObject({ code: 'ServerError', status: 401 });
    expect(fake.refreshCount()).toBe(0);
  });

  it('refreshes on a 401 with an empty body', async () => {
    const { client, fake } = setup();
    const { oAuthToken } = await client.authorizeOngoingAccess();
    fake.failNext('permission-access/accounts', () => new Response(null, { status: 401 }));
    await client.readAccounts({ oAuthToken });
    expect(fake.refreshCount()).toBe(1);
  });

  it.each(['SDKVersionInvalid', 'SDKInvalid'])('types 403 %s as SdkVersionInvalidError (a ServerError)', async (serverCode) => {
    const { client, fake } = setup();
    const { oAuthToken } = await client.authorizeOngoingAccess();
    fake.failNext('permission-access/accounts', () =>
      new Response(JSON.stringify({ error: { code: serverCode, message: 'too old', reference: 'r1' } }), { status: 403 }),
    );
    const error = await client.readAccounts({ oAuthToken }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SdkVersionInvalidError);
    expect(error).toBeInstanceOf(ServerError);
    expect(error).toMatchObject({ code: 'SDKVersionInvalid', status: 403, serverCode, serverMessage: 'too old', reference: 'r1' });
  });
});
