import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  ConfigurationError,
  ConsentDeniedError,
  ConsentFailedError,
  FileDecryptionError,
  InvalidArgumentError,
  InvalidTokenError,
  OAuthTokenExpiredError,
  ServerError,
  createAutoConsentHandler,
} from '../src/index.js';
import type { OAuthToken } from '../src/index.js';
import { setup } from './helpers/setup.js';

const ALNUM32 = /^[A-Za-z0-9]{32}$/;

describe('authorizeOngoingAccess without a token (first consent)', () => {
  it('authorizes with PKCE, runs consent, exchanges the code and triggers a session', async () => {
    const { client, fake, changes } = setup();
    const scope = { timeRanges: [{ last: '30d' }], serviceGroups: [{ id: 5 }] };
    const result = await client.authorizeOngoingAccess({ scope });

    expect(result.consented).toBe(true);
    expect(result.accountReference).toBe('ref-1');
    expect(result.session.key).toMatch(/\S+/);
    expect(result.oAuthToken.accessToken.value).toMatch(/\S+/);
    expect(result.oAuthToken).toMatchObject({ sub: 'user-1', consentId: 'consent-1', identifier: { id: 'user-1' }, tokenType: 'Bearer' });
    expect(fake.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'POST oauth/authorize',
      'GET jwks/oauth',
      'GET authorize',
      'POST oauth/token',
      'POST permission-access/trigger',
    ]);

    const [authorize, , consentPage, exchange, trigger] = fake.requests;
    expect(authorize?.claims).toMatchObject({
      client_id: `${fake.appId}_${fake.contractId}`,
      code_challenge_method: 'S256',
      redirect_uri: fake.redirectUri,
      response_mode: 'query',
      response_type: 'code',
    });
    expect(authorize?.claims?.state).toMatch(ALNUM32);
    expect(authorize?.claims).not.toHaveProperty('access_token');
    expect(authorize?.body).toMatchObject({ agent: { sdk: { name: expect.any(String), version: expect.any(String) } }, actions: { pull: { scope } } });

    const consentUrl = new URL(consentPage?.url ?? '');
    expect(consentUrl.searchParams.get('sourceType')).toBe('pull');
    expect(consentUrl.searchParams.get('autoConsent')).toBe('accept');

    expect(exchange?.claims).toMatchObject({ grant_type: 'authorization_code', code: expect.any(String) });
    expect(exchange?.body).toBeUndefined();
    const verifier = String(exchange?.claims?.code_verifier);
    expect(verifier).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(createHash('sha256').update(verifier).digest('base64url')).toBe(authorize?.claims?.code_challenge);

    expect(trigger?.claims?.access_token).toBe(result.oAuthToken.accessToken.value);
    expect(trigger?.body).toMatchObject({ scope, agent: { sdk: expect.any(Object) } });

    expect(changes).toEqual([{ token: result.oAuthToken, previous: undefined, reason: 'consent' }]);
  });

  it('reports a refusal as ConsentDenied', async () => {
    const { client } = setup({ consentHandler: createAutoConsentHandler({ decision: 'deny' }) });
    const error = await client.authorizeOngoingAccess().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConsentDeniedError);
    expect(error).toMatchObject({ code: 'ConsentDenied', errorCode: 'ConsentDenied' });
  });

  it('refuses a redirect whose state is not the one sent', async () => {
    const { client } = setup({
      consentHandler: async () => ({ success: true, state: 'someone-else', code: 'abc' }),
    });
    await expect(client.authorizeOngoingAccess()).rejects.toMatchObject({ code: 'ConsentFailed', errorCode: 'StateMismatch' });
  });

  it('accepts a handler that returns the redirect URL itself', async () => {
    const auto = createAutoConsentHandler();
    const { client } = setup({
      consentHandler: async (request) => {
        const redirect = await auto(request);
        if (!redirect.success) throw new Error('unexpected');
        return `${request.redirectUri}?success=true&state=${redirect.state}&code=${redirect.code}`;
      },
    });
    expect((await client.authorizeOngoingAccess()).consented).toBe(true);
  });

  it('needs a consent handler only when consent has to run', async () => {
    const { client } = setup({ consentHandler: undefined });
    const error = await client.authorizeOngoingAccess().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error).toMatchObject({ code: 'InvalidConfiguration', issues: [{ path: 'consentHandler' }] });
  });
});

describe('authorizeOngoingAccess with a stored token', () => {
  it('triggers a session with it, without consent, and returns the same token', async () => {
    const { client, fake } = setup();
    const first = await client.authorizeOngoingAccess();
    const before = fake.requests.length;
    const stored = JSON.parse(JSON.stringify(first.oAuthToken)) as OAuthToken;

    const again = await client.authorizeOngoingAccess({ oAuthToken: stored });
    expect(again.consented).toBe(false);
    expect(again.oAuthToken).toBe(stored);
    expect(again.session.key).not.toBe(first.session.key);
    expect(fake.requests.slice(before).map((r) => r.path)).toEqual(['permission-access/trigger']);
  });

  it('refreshes on 401 InvalidToken and retries once with a fresh nonce; the new token replaces the old', async () => {
    const { client, fake, changes } = setup();
    const { oAuthToken } = await client.authorizeOngoingAccess();
    fake.revokeAccessTokens();

    const result = await client.authorizeOngoingAccess({ oAuthToken });
    expect(result.consented).toBe(false);
    expect(result.oAuthToken.accessToken.value).not.toBe(oAuthToken.accessToken.value);
    expect(result.oAuthToken.refreshToken.value).toBe(oAuthToken.refreshToken.value);
    expect(fake.refreshCount()).toBe(1);

    const triggers = fake.requests.filter((r) => r.path === 'permission-access/trigger').slice(-2);
    expect(triggers).toHaveLength(2);
    expect(triggers[0]?.claims?.nonce).not.toBe(triggers[1]?.claims?.nonce);
    expect(triggers[1]?.claims?.access_token).toBe(result.oAuthToken.accessToken.value);

    const refresh = fake.requests.find((r) => r.claims?.grant_type === 'refresh_token');
    expect(refresh?.claims).toMatchObject({ refresh_token: oAuthToken.refreshToken.value, client_id: `${fake.appId}_${fake.contractId}` });
    expect(changes.at(-1)).toEqual({ token: result.oAuthToken, previous: oAuthToken, reason: 'refresh' });
  });

  it('refreshes proactively once expires_on has passed, before any 401', async () => {
    const { client, fake, clock } = setup();
    const { oAuthToken } = await client.authorizeOngoingAccess();
    clock.now = oAuthToken.accessToken.expiresOn * 1000 + 1;
    const triggersBefore = fake.count('permission-access/trigger');

    const result = await client.authorizeOngoingAccess({ oAuthToken });
    expect(fake.refreshCount()).toBe(1);
    expect(fake.count('permission-access/trigger') - triggersBefore).toBe(1);
    expect(result.oAuthToken.accessToken.expiresOn).toBeGreaterThan(oAuthToken.accessToken.expiresOn);
  });

  it('allows for clock skew: refreshes within the skew before expiry, not earlier', async () => {
    const { client, fake, clock } = setup({ clockSkewSeconds: 60 });
    const { oAuthToken } = await client.authorizeOngoingAccess();

    clock.now = (oAuthToken.accessToken.expiresOn - 120) * 1000;
    await client.readAccounts({ oAuthToken });
    expect(fake.refreshCount()).toBe(0);

    clock.now = (oAuthToken.accessToken.expiresOn - 30) * 1000;
    const { oAuthToken: renewed } = await client.readAccounts({ oAuthToken });
    expect(fake.refreshCount()).toBe(1);
    expect(renewed).not.toBe(oAuthToken);
  });

  it('runs consent again when the refresh token has expired and autoRecoverExpiredCredentials is true', async () => {
    const { client, fake, changes } = setup();
    const { oAuthToken } = await client.authorizeOngoingAccess();
    fake.revokeAccessTokens();
    fake.revokeRefreshTokens();

    const result = await client.authorizeOngoingAccess({ oAuthToken });
    expect(result.consented).toBe(true);
    expect(result.oAuthToken.refreshToken.value).not.toBe(oAuthToken.refreshToken.value);
    expect(fake.count('authorize', 'GET')).toBe(2);
    expect(changes.at(-1)).toMatchObject({ previous: oAuthToken, reason: 'consent' });
  });

  it('fails with OAuthTokenExpired when the refresh token has expired and autoRecoverExpiredCredentials is false', async () => {
    const { client, fake } = setup({ autoRecoverExpiredCredentials: false });
    const { oAuthToken } = await client.authorizeOngoingAccess();
    fake.revokeAccessTokens();
    fake.revokeRefreshTokens();

    const error = await client.authorizeOngoingAccess({ oAuthToken }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OAuthTokenExpiredError);
    expect(error).toMatchObject({ code: 'OAuthTokenExpired', cause: { serverCode: 'InvalidToken', status: 401 } });
    expect(fake.count('authorize', 'GET')).toBe(1);
  });

  it('does not ask the server to refresh a refresh token that has certainly expired', async () => {
    const { client, fake, clock } = setup({ autoRecoverExpiredCredentials: false });
    const { oAuthToken } = await client.authorizeOngoingAccess();
    clock.now = (oAuthToken.refreshToken.expiresOn + 3600) * 1000;

    await expect(client.authorizeOngoingAccess({ oAuthToken })).rejects.toBeInstanceOf(OAuthTokenExpiredError);
    expect(fake.refreshCount()).toBe(0);
  });

  it('gives InvalidToken when the refreshed token is refused too', async () => {
    const { client, fake } = setup();
    const { oAuthToken } = await client.authorizeOngoingAccess();
    const refused = () =>
      new Response(JSON.stringify({ error: { code: 'InvalidToken', message: 'The token (access_token) is invalid', reference: 'r' } }), { status: 401 });
    fake.failNext('permission-access/accounts', refused, 2);

    const error = await client.readAccounts({ oAuthToken }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidTokenError);
    expect(error).toMatchObject({ code: 'InvalidToken', cause: { status: 401 } });
    expect(fake.refreshCount()).toBe(1);
  });

  it('also refreshes on a 401 without a digi.me error body', async () => {
    const { client, fake } = setup();
    const { oAuthToken } = await client.authorizeOngoingAccess();
    fake.failNext('permission-access/accounts', () => new Response('nope', { status: 401 }));
    const { accounts } = await client.readAccounts({ oAuthToken });
    expect(accounts).toHaveLength(1);
    expect(fake.refreshCount()).toBe(1);
  });

  it('rejects a stored token of the wrong shape with InvalidArgument', async () => {
    const { client } = setup();
    const error = await client
      .authorizeOngoingAccess({ oAuthToken: { accessToken: { value: 'x' } } as unknown as OAuthToken })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as InvalidArgumentError).issues.map((i) => i.path)).toContain('oAuthToken.accessToken.expiresOn');
  });
});

describe('concurrent calls share one refresh', () => {
  it('proactive: ten calls with an expired access token make exactly one refresh', async () => {
    const { client, fake, clock, changes } = setup();
    const { oAuthToken } = await client.authorizeOngoingAccess();
    clock.now = oAuthToken.accessToken.expiresOn * 1000 + 1;
    fake.delayMs = 5;
    const changesBefore = changes.length;

    const results = await Promise.all(Array.from({ length: 10 }, () => client.readAccounts({ oAuthToken })));
    expect(fake.refreshCount()).toBe(1);
    const tokens = new Set(results.map((r) => r.oAuthToken.accessToken.value));
    expect(tokens.size).toBe(1);
    expect(changes.length - changesBefore).toBe(1);
  });

  it('reactive: ten calls refused with 401 make exactly one refresh', async () => {
    const { client, fake } = setup();
    const { oAuthToken, session } = await client.authorizeOngoingAccess();
    fake.revokeAccessTokens();
    fake.delayMs = 5;

    const calls = Array.from({ length: 10 }, (_, i) =>
      i % 2 === 0 ? client.readAccounts({ oAuthToken }) : client.readFileList({ oAuthToken, sessionKey: session.key }),
    );
    const results = await Promise.all(calls);
    expect(fake.refreshCount()).toBe(1);
    expect(new Set(results.map((r) => r.oAuthToken.accessToken.value)).size).toBe(1);
  });

  it('a call that starts with an already replaced token uses its successor instead of refreshing again', async () => {
    const { client, fake, clock } = setup();
    const { oAuthToken } = await client.authorizeOngoingAccess();
    clock.now = oAuthToken.accessToken.expiresOn * 1000 + 1;
    const first = await client.readAccounts({ oAuthToken });
    const second = await client.readAccounts({ oAuthToken });
    expect(fake.refreshCount()).toBe(1);
    expect(second.oAuthToken).toBe(first.oAuthToken);
  });
});

describe('data calls', () => {
  it('reads the accounts (a bare array)', async () => {
    const { client } = setup();
    const { oAuthToken } = await client.authorizeOngoingAccess();
    const result = await client.readAccounts({ oAuthToken });
    expect(result.accounts).toEqual([expect.objectContaining({ id: 'acc-1', reference: 'ref-1', type: 'USER' })]);
    expect(result.oAuthToken).toBe(oAuthToken);
  });

  it('reads one file: decrypted, decompressed, parsed, with metadata', async () => {
    const { client, fake } = setup();
    for (const compression of ['none', 'gzip', 'brotli'] as const) {
      fake.addFile(`18_5_19_1_406_D202401_${compression}.json`, [{ track: compression }], { compression });
    }
    const { oAuthToken, session } = await client.authorizeOngoingAccess();
    for (const compression of ['none', 'gzip', 'brotli'] as const) {
      const { file } = await client.readFile({ oAuthToken, sessionKey: session.key, fileName: `18_5_19_1_406_D202401_${compression}.json` });
      expect(file.data).toEqual([{ track: compression }]);
      expect(file.compression).toBe(compression);
      expect(file.metadata).toMatchObject({ objectType: '406', serviceName: 'spotify' });
      expect(file.lastModified).toMatch(/GMT$/);
    }
    const download = fake.requests.find((r) => r.path.startsWith('permission-access/query/') && r.path.endsWith('.json'));
    expect(download?.claims?.access_token).toBe(oAuthToken.accessToken.value);
  });

  it('reports digi.me errors as ServerError with code, message, reference and status, and does not refresh on 404', async () => {
    const { client, fake } = setup();
    const { oAuthToken } = await client.authorizeOngoingAccess();
    const error = await client.readFileList({ oAuthToken, sessionKey: 'no-such-session' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServerError);
    expect(error).toMatchObject({ code: 'ServerError', status: 404, serverCode: 'NotFound', serverMessage: 'Not found', reference: expect.stringMatching(/^ref-/) });
    expect(fake.refreshCount()).toBe(0);
  });

  it('readAllFiles polls until completed, reporting progress, and downloads each file once', async () => {
    const sleeps: number[] = [];
    const { client, fake } = setup({ pollIntervalMs: 25, sleep: async (ms) => void sleeps.push(ms) });
    fake.pollStates = ['pending', 'running', 'running', 'completed'];
    fake.addFile('18_5_19_1_406_D202401_n.json', [{ a: 1 }], { fromPoll: 1 });
    fake.addFile('18_5_19_1_406_D202402_g.json', [{ a: 2 }], { fromPoll: 2, compression: 'gzip' });
    fake.addFile('18_5_19_1_406_D202403_b.json', [{ a: 3 }], { fromPoll: 3, compression: 'brotli' });
    const { oAuthToken, session } = await client.authorizeOngoingAccess();

    const progress: { state: string; filesRead: number; filesTotal: number }[] = [];
    const seen: string[] = [];
    const result = await client.readAllFiles({
      oAuthToken,
      sessionKey: session.key,
      onProgress: ({ state, filesRead, filesTotal }) => progress.push({ state, filesRead, filesTotal }),
      onFile: (file) => seen.push(file.fileName),
    });

    expect(result.status.state).toBe('completed');
    expect(result.files.map((f) => f.data)).toEqual([[{ a: 1 }], [{ a: 2 }], [{ a: 3 }]]);
    expect(result.failures).toEqual([]);
    expect(progress).toEqual([
      { state: 'pending', filesRead: 1, filesTotal: 1 },
      { state: 'running', filesRead: 2, filesTotal: 2 },
      { state: 'running', filesRead: 3, filesTotal: 3 },
      { state: 'completed', filesRead: 3, filesTotal: 3 },
    ]);
    expect(sleeps).toEqual([25, 25, 25]);
    expect(seen).toHaveLength(3);
    expect(fake.requests.filter((r) => /\.json$/.test(r.path))).toHaveLength(3);
  });

  it('readAllFiles reports a corrupt file as a FileDecryptionError failure and reads the rest', async () => {
    const { client, fake } = setup();
    fake.addFile('good.json', { ok: true });
    fake.addFile('bad.json', { ok: false });
    fake.override((r) =>
      r.path.endsWith('/bad.json')
        ? new Response(new Uint8Array(288).fill(7), {
            status: 200,
            headers: { 'x-metadata': Buffer.from(JSON.stringify({ metadata: {} })).toString('base64url') },
          })
        : undefined,
    );
    const { oAuthToken, session } = await client.authorizeOngoingAccess();
    const result = await client.readAllFiles({ oAuthToken, sessionKey: session.key });
    expect(result.files.map((f) => f.fileName)).toEqual(['good.json']);
    expect(result.failures).toHaveLength(1);
    expect(result.failures[0]?.error).toBeInstanceOf(FileDecryptionError);
  });

  it('readAllFiles carries on through an access token expiry and returns the renewed token', async () => {
    const { client, fake, clock, changes } = setup({
      sleep: async () => {
        clock.advance(2 * 3600);
      },
    });
    fake.pollStates = ['running', 'completed'];
    fake.addFile('a.json', 1, { fromPoll: 1 });
    fake.addFile('b.json', 2, { fromPoll: 2 });
    const { oAuthToken, session } = await client.authorizeOngoingAccess();
    const result = await client.readAllFiles({ oAuthToken, sessionKey: session.key });
    expect(result.files).toHaveLength(2);
    expect(result.oAuthToken.accessToken.value).not.toBe(oAuthToken.accessToken.value);
    expect(changes.at(-1)?.token).toBe(result.oAuthToken);
    expect(fake.refreshCount()).toBe(1);
  });

  it('readAllFiles stops with Aborted when the signal fires', async () => {
    const controller = new AbortController();
    const { client, fake } = setup({ sleep: async () => controller.abort() });
    fake.pollStates = ['running'];
    const { oAuthToken, session } = await client.authorizeOngoingAccess();
    await expect(client.readAllFiles({ oAuthToken, sessionKey: session.key, signal: controller.signal })).rejects.toMatchObject({ code: 'Aborted' });
  });

  // Was "after timeoutMs by the client clock": the deadline is now real elapsed time (performance.now()),
  // so a clock that jumps cannot end polling early or make it last forever.
  it('readAllFiles gives up with PollTimeout after timeoutMs of real time', async () => {
    const { client, fake } = setup({ sleep: () => new Promise((r) => setTimeout(r, 2)) });
    fake.pollStates = ['running'];
    const { oAuthToken, session } = await client.authorizeOngoingAccess();
    const started = performance.now();
    await expect(client.readAllFiles({ oAuthToken, sessionKey: session.key, timeoutMs: 15 })).rejects.toMatchObject({ code: 'PollTimeout' });
    expect(performance.now() - started).toBeGreaterThanOrEqual(15);
  });

  it('readAllFiles does not time out when only the client clock jumps', async () => {
    const { client, fake, clock } = setup({ sleep: async () => clock.advance(600) });
    fake.pollStates = ['running', 'running', 'running', 'completed'];
    const { oAuthToken, session } = await client.authorizeOngoingAccess();
    const result = await client.readAllFiles({ oAuthToken, sessionKey: session.key, timeoutMs: 60_000 });
    expect(result.status.state).toBe('completed');
  });

  it('ConsentFailed is not ConsentDenied', () => {
    expect(new ConsentFailedError('X', 'y')).not.toBeInstanceOf(ConsentDeniedError);
  });
});
