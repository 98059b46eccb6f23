import { generateKeyPairSync } from 'node:crypto';
import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import {
  AbortedError,
  ConsentFailedError,
  decryptFileBytes,
  InvalidArgumentError,
  NetworkError,
  ServerError,
  ServerTokenVerifier,
  TokenPersistFailedError,
  UnexpectedResponseError,
} from '../src/index.js';
import type { DigimeClientOptions, SessionFile, TokenChangeEvent } from '../src/index.js';
import { resolveConfig } from '../src/config.js';
import { encryptFile } from './helpers/file-crypto.js';
import { testKeyPair } from './helpers/keys.js';
import { setup } from './helpers/setup.js';

/** setup() with a fetch that may step in before the fake (`hook` returns a Response, throws, or undefined). */
function wrapped(
  hook: (url: string, init: RequestInit | undefined, inner: typeof fetch) => Promise<Response | undefined> | Response | undefined,
  overrides: Partial<DigimeClientOptions> = {},
) {
  let inner: typeof fetch = fetch;
  const ctx = setup({
    fetch: async (input, init) => (await hook(String(input), init, inner)) ?? inner(input, init),
    ...overrides,
  });
  inner = ctx.fake.fetch;
  return ctx;
}

const errorBody = (status: number) => () =>
  new Response(JSON.stringify({ error: { code: 'Boom', message: 'boom', reference: 'r' } }), { status });

describe('readAllFiles and per-file failures', () => {
  it('records any per-file error in failures and keeps polling', async () => {
    const { client, fake } = setup({ retry: { retries: 0 } });
    fake.pollStates = ['running', 'completed'];
    fake.addFile('good.json', 1, { fromPoll: 1 });
    fake.addFile('bad.json', 2, { fromPoll: 1 });
    fake.addFile('late.json', 3, { fromPoll: 2 });
    fake.override((r) => (r.path.endsWith('/bad.json') ? errorBody(500)() : undefined));
    const { oAuthToken, session } = await client.authorizeOngoingAccess();
    const result = await client.readAllFiles({ oAuthToken, sessionKey: session.key });
    expect(result.status.state).toBe('completed');
    expect(result.files.map((f) => f.fileName).sort()).toEqual(['good.json', 'late.json']);
    expect(result.failures).toHaveLength(1);
    expect(result.failures[0]?.fileName).toBe('bad.json');
    expect(result.failures[0]?.error).toBeInstanceOf(ServerError);
    expect(result.failures[0]?.error).toMatchObject({ status: 500 });
  });

  it('a fatal error stops the workers: no new downloads, and onFile is never called after the promise settled', async () => {
    const controller = new AbortController();
    let releaseSlow: () => void = () => undefined;
    const slow = new Promise<void>((resolve) => (releaseSlow = resolve));
    const { client, fake } = wrapped(
      async (url) => {
        if (url.endsWith('/a.json')) await slow;
        if (url.endsWith('/b.json')) {
          controller.abort();
          throw new DOMException('aborted', 'AbortError');
        }
        return undefined;
      },
      { fileConcurrency: 2 },
    );
    fake.addFile('a.json', 1);
    fake.addFile('b.json', 2);
    fake.addFile('c.json', 3);
    const { oAuthToken, session } = await client.authorizeOngoingAccess();
    const seen: SessionFile[] = [];
    const error = await client
      .readAllFiles({ oAuthToken, sessionKey: session.key, signal: controller.signal, onFile: (f) => seen.push(f) })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AbortedError);
    releaseSlow();
    await new Promise((r) => setTimeout(r, 5));
    expect(seen).toEqual([]);
    expect(fake.requests.some((r) => r.path.endsWith('/c.json'))).toBe(false);
  });

  it('stops at the session expiry when it is known (real time) by default', async () => {
    const { client, fake, clock } = wrapped(async (url, init, inner) => {
      if (!url.endsWith('permission-access/trigger')) return undefined;
      const response = await inner(url, init);
      const body = (await response.json()) as { session: { key: string } };
      // The session expires 10 ms from now, by the client's clock.
      return new Response(JSON.stringify({ session: { key: body.session.key, expiry: clock.now + 10 } }), { status: 202 });
    }, { sleep: () => new Promise((r) => setTimeout(r, 2)) });
    fake.pollStates = ['running'];
    const { oAuthToken, session } = await client.authorizeOngoingAccess();
    await expect(client.readAllFiles({ oAuthToken, sessionKey: session.key })).rejects.toMatchObject({ code: 'PollTimeout' });
  });
});

describe('shared refresh: timeout and per-caller abort', () => {
  it('gives up a hanging refresh after refreshTimeoutMs with NetworkError', async () => {
    let hang = false;
    const { client, fake } = wrapped(
      (url, init) =>
        hang && url.endsWith('oauth/token')
          ? new Promise<Response>((_resolve, reject) => {
              init?.signal?.addEventListener('abort', () => reject(init.signal?.reason), { once: true });
            })
          : undefined,
      { refreshTimeoutMs: 20 },
    );
    const { oAuthToken } = await client.authorizeOngoingAccess();
    fake.revokeAccessTokens();
    hang = true;
    const error = await client.readAccounts({ oAuthToken }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NetworkError);
    expect((error as Error).message).toMatch(/20 ms/);
  });

  it("a caller's abort ends only its own wait; the shared refresh carries on for the others", async () => {
    let gate: () => void = () => undefined;
    let hold = false;
    let refreshArrived: () => void = () => undefined;
    const arrived = new Promise<void>((resolve) => (refreshArrived = resolve));
    const { client, fake, clock } = wrapped(async (url) => {
      if (hold && url.endsWith('oauth/token')) {
        const held = new Promise<void>((resolve) => (gate = resolve));
        refreshArrived();
        await held;
      }
      return undefined;
    });
    const { oAuthToken } = await client.authorizeOngoingAccess();
    clock.now = oAuthToken.accessToken.expiresOn * 1000 + 1;
    hold = true;
    const controller = new AbortController();
    const aborted = client.readAccounts({ oAuthToken, signal: controller.signal }).catch((e: unknown) => e);
    const waiting = client.readAccounts({ oAuthToken });
    await arrived; // both callers now wait on the one refresh the server holds
    controller.abort();
    expect(await aborted).toBeInstanceOf(AbortedError);
    gate();
    const result = await waiting;
    expect(result.oAuthToken.accessToken.value).not.toBe(oAuthToken.accessToken.value);
    expect(fake.refreshCount()).toBe(1);
  });
});

describe('consent recovery', () => {
  it('runs one consent for concurrent calls whose refresh token has expired', async () => {
    const { client, fake, changes } = setup();
    const { oAuthToken } = await client.authorizeOngoingAccess();
    fake.revokeAccessTokens();
    fake.revokeRefreshTokens();
    fake.delayMs = 3;
    const before = fake.count('oauth/authorize', 'POST');
    const changesBefore = changes.length;

    const results = await Promise.all([1, 2, 3].map(() => client.authorizeOngoingAccess({ oAuthToken })));
    expect(fake.count('oauth/authorize', 'POST') - before).toBe(1);
    expect(results.every((r) => r.consented)).toBe(true);
    expect(new Set(results.map((r) => r.oAuthToken.accessToken.value)).size).toBe(1);
    expect(new Set(results.map((r) => r.session.key)).size).toBe(3);
    expect(changes.length - changesBefore).toBe(1);
  });

  it('records the consent token as the successor of the stored token and of its latest successor', async () => {
    const { client, fake } = setup();
    const { oAuthToken: stored } = await client.authorizeOngoingAccess();
    fake.revokeAccessTokens();
    const { oAuthToken: refreshed } = await client.readAccounts({ oAuthToken: stored });
    fake.revokeAccessTokens();
    fake.revokeRefreshTokens();
    const recovered = await client.authorizeOngoingAccess({ oAuthToken: refreshed });
    expect(recovered.consented).toBe(true);
    const requests = fake.requests.length;
    for (const old of [stored, refreshed]) {
      const { oAuthToken } = await client.readAccounts({ oAuthToken: old });
      expect(oAuthToken).toBe(recovered.oAuthToken);
    }
    expect(fake.requests.slice(requests).map((r) => r.path)).toEqual(['permission-access/accounts', 'permission-access/accounts']);
  });

  it('turns a consent handler that throws into ConsentFailed (HandlerFailed), or Aborted when aborted', async () => {
    const cause = new Error('browser crashed');
    const { client } = setup({ consentHandler: async () => Promise.reject(cause) });
    const error = await client.authorizeOngoingAccess().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConsentFailedError);
    expect(error).toMatchObject({ code: 'ConsentFailed', errorCode: 'HandlerFailed', cause });

    const controller = new AbortController();
    const aborting = setup({
      consentHandler: async () => {
        controller.abort();
        throw new Error('closed');
      },
    });
    await expect(aborting.client.authorizeOngoingAccess({ signal: controller.signal })).rejects.toBeInstanceOf(AbortedError);

    const typed = setup({ consentHandler: async () => Promise.reject(new InvalidArgumentError([{ path: 'x', message: 'y' }])) });
    await expect(typed.client.authorizeOngoingAccess()).rejects.toBeInstanceOf(InvalidArgumentError);
  });

  it('ignores a malformed or null session in the authorize answer', async () => {
    for (const session of [null, { key: 7 }, 'nope']) {
      const { client } = wrapped(async (url, init, inner) => {
        if (!url.endsWith('oauth/authorize')) return undefined;
        const response = await inner(url, init);
        const body = (await response.json()) as Record<string, unknown>;
        return new Response(JSON.stringify({ ...body, session }), { status: 201 });
      });
      expect((await client.authorizeOngoingAccess()).consented).toBe(true);
    }
  });
});

describe('raw errors do not reach callers', () => {
  it('a fetch that returns something other than a Response is UnexpectedResponse', async () => {
    let bad = false;
    const { client } = wrapped(() => (bad ? ({ ok: true } as unknown as Response) : undefined));
    const { oAuthToken } = await client.authorizeOngoingAccess();
    bad = true;
    await expect(client.readAccounts({ oAuthToken })).rejects.toBeInstanceOf(UnexpectedResponseError);
  });

  const failingBody = (onPull?: () => void) =>
    new ReadableStream<Uint8Array>({
      pull(controller) {
        onPull?.();
        controller.error(new TypeError('terminated'));
      },
    });

  it('a JSON body that fails mid-read is NetworkError, or Aborted when the signal fired', async () => {
    let mode: 'ok' | 'fail' | 'abort' = 'ok';
    const controller = new AbortController();
    const { client } = wrapped((url) => {
      if (mode === 'ok' || !url.endsWith('permission-access/accounts')) return undefined;
      return new Response(failingBody(mode === 'abort' ? () => controller.abort() : undefined), { status: 200 });
    });
    const { oAuthToken } = await client.authorizeOngoingAccess();
    mode = 'fail';
    await expect(client.readAccounts({ oAuthToken })).rejects.toBeInstanceOf(NetworkError);
    mode = 'abort';
    await expect(client.readAccounts({ oAuthToken, signal: controller.signal })).rejects.toBeInstanceOf(AbortedError);
  });

  it('a file body that fails mid-read is NetworkError', async () => {
    const { client, fake } = wrapped((url) =>
      url.endsWith('/f.json')
        ? new Response(failingBody(), { status: 200, headers: { 'x-metadata': Buffer.from('{"metadata":{}}').toString('base64url') } })
        : undefined,
    );
    fake.addFile('f.json', 1);
    const { oAuthToken, session } = await client.authorizeOngoingAccess();
    await expect(client.readFile({ oAuthToken, sessionKey: session.key, fileName: 'f.json' })).rejects.toBeInstanceOf(NetworkError);
  });
});

describe('onTokenChange failures', () => {
  const failing = () => {
    throw new Error('db down');
  };

  it('reports to onTokenChangeError and still returns the refreshed token', async () => {
    const reported: { error: unknown; event: TokenChangeEvent }[] = [];
    let fail = false;
    const { client, fake } = setup({
      onTokenChange: () => (fail ? failing() : undefined),
      onTokenChangeError: (error, event) => void reported.push({ error, event }),
    });
    const { oAuthToken } = await client.authorizeOngoingAccess();
    fake.revokeAccessTokens();
    fail = true;
    const result = await client.readAccounts({ oAuthToken });
    expect(result.oAuthToken.accessToken.value).not.toBe(oAuthToken.accessToken.value);
    expect(reported).toHaveLength(1);
    expect(reported[0]?.event).toMatchObject({ token: result.oAuthToken, previous: oAuthToken, reason: 'refresh' });
    expect((reported[0]?.error as Error).message).toBe('db down');
  });

  it('without onTokenChangeError: TokenPersistFailed carrying the token, and a retry does not refresh again', async () => {
    let fail = false;
    const { client, fake } = setup({ onTokenChange: () => (fail ? failing() : undefined) });
    const { oAuthToken } = await client.authorizeOngoingAccess();
    fake.revokeAccessTokens();
    fail = true;
    const error = await client.readAccounts({ oAuthToken }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TokenPersistFailedError);
    expect(error).toMatchObject({ code: 'TokenPersistFailed', cause: { message: 'db down' } });
    const token = (error as TokenPersistFailedError).token;
    expect(token.accessToken.value).not.toBe(oAuthToken.accessToken.value);

    const retry = await client.readAccounts({ oAuthToken });
    expect(retry.oAuthToken).toBe(token);
    expect(fake.refreshCount()).toBe(1);
  });

  it('without onTokenChangeError after a recovery consent: a retry does not consent again', async () => {
    let fail = false;
    const { client, fake } = setup({ onTokenChange: () => (fail ? failing() : undefined) });
    const { oAuthToken } = await client.authorizeOngoingAccess();
    fake.revokeAccessTokens();
    fake.revokeRefreshTokens();
    fail = true;
    const error = await client.authorizeOngoingAccess({ oAuthToken }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TokenPersistFailedError);
    const consents = fake.count('oauth/authorize', 'POST');
    const retry = await client.authorizeOngoingAccess({ oAuthToken });
    expect(retry.oAuthToken).toBe((error as TokenPersistFailedError).token);
    expect(fake.count('oauth/authorize', 'POST')).toBe(consents);
  });
});

describe('server tokens are checked against real time', () => {
  const server = testKeyPair('robust-jwks');
  const verifierAt = (now: number) =>
    new ServerTokenVerifier({
      fetch: async () => new Response(JSON.stringify({ keys: [{ kid: 'a', pem: server.publicPem }] }), { status: 200 }),
      baseUrl: 'https://api.example/v1.7/',
      now: () => now,
      cacheMs: 900_000,
      clockToleranceMs: 60_000,
    });
  const sign = (exp: number) =>
    new SignJWT({ v: 1 }).setProtectedHeader({ alg: 'PS512', kid: 'a' }).setExpirationTime(exp).sign(server.privateKey);

  it('accepts a token valid now even when the injectable clock is a year ahead, and refuses an expired one', async () => {
    const realSeconds = Math.floor(Date.now() / 1000);
    await expect(verifierAt(Date.now() + 365 * 86400_000).verify(await sign(realSeconds + 3600))).resolves.toMatchObject({ v: 1 });
    const error = await verifierAt(Date.now() - 365 * 86400_000).verify(await sign(realSeconds - 3600)).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'TokenVerificationFailed', reason: 'claims' });
  });
});

describe('odd key sizes and options', () => {
  it('unwraps the data key for a modulus that is not a whole number of bytes', () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2052 });
    const bytes = encryptFile(publicKey, { ok: 1 });
    expect(JSON.parse(decryptFileBytes(privateKey, bytes).toString('utf8'))).toEqual({ ok: 1 });
  });

  it('validates retry and refreshTimeoutMs and fills in defaults', () => {
    const app = testKeyPair('robust-config');
    const base = { appId: 'a', contractId: 'c', privateKey: app.privatePem, redirectUri: 'https://app.example/cb' };
    expect(resolveConfig(base)).toMatchObject({ retry: { retries: 3, baseDelayMs: 250, maxDelayMs: 10_000 }, refreshTimeoutMs: 30_000 });
    expect(resolveConfig({ ...base, retry: { retries: 0 } }).retry).toEqual({ retries: 0, baseDelayMs: 250, maxDelayMs: 10_000 });
    for (const bad of [{ retry: { retries: -1 } }, { retry: { retries: 1.5 } }, { retry: { baseDelay: 1 } }, { refreshTimeoutMs: 0 }, { onTokenChangeError: 'x' }]) {
      expect(() => resolveConfig({ ...base, ...(bad as object) } as DigimeClientOptions)).toThrow(/retry|refreshTimeoutMs|onTokenChangeError/);
    }
  });
});

