/**
 * The token keeper's rules: when a refresh is shared, what is remembered (and what must not be),
 * and how a caller's signal ends only that caller's wait. User-level through `createDigimeClient`
 * and the fake digi.me where the rule shows there; the keeper itself where it does not.
 */
import { getEventListeners } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  AbortedError,
  NetworkError,
  OAuthTokenExpiredError,
  ServerError,
  TokenPersistFailedError,
} from '../src/index.js';
import type { OAuthToken } from '../src/index.js';
import { TokenKeeper } from '../src/token-keeper.js';
import type { TokenKeeperOptions } from '../src/token-keeper.js';
import { setup, START } from './helpers/setup.js';

const unavailable = () =>
  new Response(JSON.stringify({ error: { code: 'ServiceUnavailable', message: 'try later', reference: 'r' } }), {
    status: 503,
    headers: { 'content-type': 'application/json' },
  });

/** A token whose access token expires in an hour and refresh token in a month (by START). */
function tokenNamed(value: string, overrides: { accessExpiresOn?: number; refreshExpiresOn?: number } = {}): OAuthToken {
  return {
    accessToken: { value, expiresOn: overrides.accessExpiresOn ?? START / 1000 + 3600 },
    refreshToken: { value: `${value}-refresh`, expiresOn: overrides.refreshExpiresOn ?? START / 1000 + 30 * 86400 },
    tokenType: 'Bearer',
  };
}

function deferred<T>() {
  let resolve: (value: T) => void = () => undefined;
  let reject: (reason: unknown) => void = () => undefined;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** A keeper whose refresh is a spy (of `options.refresh`, else one answering `<value>'` for `<value>`). */
function keeper(options: Partial<TokenKeeperOptions> = {}) {
  const refresh = vi.fn<TokenKeeperOptions['refresh']>(
    options.refresh ?? (async (token) => tokenNamed(`${token.accessToken.value}'`)),
  );
  const keeperInstance = new TokenKeeper({ notify: undefined, now: () => START, skewMs: 60_000, ...options, refresh });
  return { keeper: keeperInstance, refresh };
}

const abortListeners = (signal: AbortSignal) => getEventListeners(signal, 'abort').length;

describe('a failed refresh: what the client remembers', () => {
  it('a temporary refresh failure is not remembered: the next call asks digi.me again and succeeds', async () => {
    const { client, fake } = setup({ retry: { retries: 0 } });
    const { oAuthToken } = await client.authorizeOngoingAccess();
    fake.revokeAccessTokens();
    fake.failNext('oauth/token', unavailable);

    const error = await client.readAccounts({ oAuthToken }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServerError);
    expect(error).toMatchObject({ status: 503 });

    const { accounts, oAuthToken: renewed } = await client.readAccounts({ oAuthToken });
    expect(accounts).toHaveLength(1);
    expect(renewed.accessToken.value).not.toBe(oAuthToken.accessToken.value);
    expect(fake.refreshCount()).toBe(2);
  });

  it('a refused refresh token is remembered: later calls with it fail at once, without asking digi.me again', async () => {
    const { client, fake } = setup({ autoRecoverExpiredCredentials: false });
    const { oAuthToken } = await client.authorizeOngoingAccess();
    fake.revokeAccessTokens();
    fake.revokeRefreshTokens();

    await expect(client.readAccounts({ oAuthToken })).rejects.toBeInstanceOf(OAuthTokenExpiredError);
    expect(fake.refreshCount()).toBe(1);

    await expect(client.readAccounts({ oAuthToken })).rejects.toBeInstanceOf(OAuthTokenExpiredError);
    await expect(client.refreshToken(oAuthToken)).rejects.toBeInstanceOf(OAuthTokenExpiredError);
    await expect(client.authorizeOngoingAccess({ oAuthToken })).rejects.toBeInstanceOf(OAuthTokenExpiredError);
    expect(fake.refreshCount()).toBe(1);
  });

  it('recovery goes straight to consent when the latest token was refused, without trying that token again', async () => {
    const { client, fake } = setup();
    const { oAuthToken: stored } = await client.authorizeOngoingAccess();
    fake.revokeAccessTokens();
    const { oAuthToken: refreshed } = await client.readAccounts({ oAuthToken: stored });
    expect(refreshed.accessToken.value).not.toBe(stored.accessToken.value);
    fake.revokeAccessTokens();
    fake.revokeRefreshTokens();
    const triggers = fake.count('permission-access/trigger');

    const result = await client.authorizeOngoingAccess({ oAuthToken: stored });
    expect(result.consented).toBe(true);
    // One trigger refused with the refreshed token, one with the consent token: no second try with the refused one.
    const sent = fake.requests.filter((r) => r.path === 'permission-access/trigger').slice(triggers);
    expect(sent.map((r) => r.claims?.access_token)).toEqual([refreshed.accessToken.value, result.oAuthToken.accessToken.value]);
    expect(fake.refreshCount()).toBe(2);
  });

  it('the error for a refresh token past its expiry says when it expired', async () => {
    const { client, fake, clock } = setup({ autoRecoverExpiredCredentials: false });
    const { oAuthToken } = await client.authorizeOngoingAccess();
    clock.now = (oAuthToken.refreshToken.expiresOn + 3600) * 1000;

    const error = await client.readAccounts({ oAuthToken }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OAuthTokenExpiredError);
    expect((error as Error).message).toContain(new Date(oAuthToken.refreshToken.expiresOn * 1000).toISOString());
    expect(fake.refreshCount()).toBe(0);
  });

  it('refreshRefused: true after digi.me refused the refresh token or it is past its expiry, false after a temporary failure, and false once replaced', async () => {
    const temporary = new ServerError({ status: 503, error: { code: 'ServiceUnavailable', message: 'later' }, request: 'POST x' });
    const { keeper: k } = keeper({
      refresh: async (token) => {
        if (token.accessToken.value === 'refused') throw new OAuthTokenExpiredError('The refresh token was refused');
        if (token.accessToken.value === 'flaky') throw temporary;
        return tokenNamed(`${token.accessToken.value}'`);
      },
    });
    const refused = tokenNamed('refused', { accessExpiresOn: START / 1000 - 10 });
    const flaky = tokenNamed('flaky', { accessExpiresOn: START / 1000 - 10 });
    const pastExpiry = tokenNamed('past', { accessExpiresOn: START / 1000 - 7200, refreshExpiresOn: START / 1000 - 3600 });

    await expect(k.refresh(refused)).rejects.toBeInstanceOf(OAuthTokenExpiredError);
    expect(k.refreshRefused(refused)).toBe(true);
    await expect(k.refresh(pastExpiry)).rejects.toBeInstanceOf(OAuthTokenExpiredError);
    expect(k.refreshRefused(pastExpiry)).toBe(true);
    await expect(k.refresh(flaky)).rejects.toBe(temporary);
    expect(k.refreshRefused(flaky)).toBe(false);

    // A consent replaces the refused token: it is no longer "refused" (nothing asks for it any more).
    const consented = tokenNamed('consented');
    await k.replace(refused, consented, 'consent');
    expect(k.refreshRefused(refused)).toBe(false);
    expect(k.latest(refused)).toBe(consented);
  });

  it('gives up a refresh after refreshTimeoutMs with NetworkError, naming the limit, the abort as its cause', async () => {
    const { keeper: k } = keeper({
      refreshTimeoutMs: 1,
      // Never answers; fails only when the keeper's own timeout signal fires.
      refresh: (_token, signal) =>
        new Promise<OAuthToken>((_resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true })),
    });
    const error = await k.refresh(tokenNamed('slow')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NetworkError);
    expect((error as Error).message).toMatch(/within 1 ms/);
    expect((error as Error).cause).toBeInstanceOf(DOMException);
    expect(((error as Error).cause as DOMException).name).toBe('TimeoutError');
    // A timed-out refresh is temporary: not remembered as refused.
    expect(k.refreshRefused(tokenNamed('slow'))).toBe(false);
  });
});

describe('a replaced token moves to its successor', () => {
  it('refreshToken on a token that was already replaced returns its successor without asking digi.me', async () => {
    const { client, fake, changes } = setup();
    const { oAuthToken } = await client.authorizeOngoingAccess();
    const first = await client.refreshToken(oAuthToken);
    const again = await client.refreshToken(oAuthToken);
    expect(again).toBe(first);
    expect(fake.refreshCount()).toBe(1);
    expect(changes.filter((c) => c.reason === 'refresh')).toHaveLength(1);
  });

  it('a token is never recorded as its own successor: a copy with the same access token is handed back as is', async () => {
    const { keeper: k } = keeper();
    const stored = tokenNamed('same');
    const sameAccess = { ...tokenNamed('same'), refreshToken: { value: 'other-refresh', expiresOn: START / 1000 + 60 } };
    await k.replace(stored, sameAccess, 'refresh');
    expect(k.latest(stored)).toBe(stored);
    const copy = JSON.parse(JSON.stringify(stored)) as OAuthToken;
    expect(k.latest(copy)).toBe(copy);
  });

  it('a chain of replacements that loops back never hangs nor hands back the access token being replaced', async () => {
    const { keeper: k } = keeper({ memory: 3 });
    const a = tokenNamed('a');
    const b = tokenNamed('b');
    // digi.me answering a refresh with an access token it issued before: b is "replaced" by a again.
    const aAgain = tokenNamed('a');
    await k.replace(a, b, 'refresh');
    await k.replace(b, aAgain, 'refresh');

    expect(['a', 'b']).toContain(k.latest(a).accessToken.value);
    const next = await k.refresh(a);
    expect(next.accessToken.value).not.toBe('a');
  });

  it('remembers at most `memory` replaced tokens, forgetting the oldest first', async () => {
    const { keeper: k } = keeper({ memory: 2 });
    const [t0, t1, t2, t3] = ['t0', 't1', 't2', 't3'].map((v) => tokenNamed(v)) as [OAuthToken, OAuthToken, OAuthToken, OAuthToken];
    await k.replace(t0, t1, 'refresh');
    await k.replace(t1, t2, 'refresh');
    expect(k.latest(t0)).toBe(t2);
    await k.replace(t2, t3, 'refresh');
    expect(k.latest(t0)).toBe(t0);
    expect(k.latest(t1)).toBe(t3);
    expect(k.latest(t2)).toBe(t3);
  });

  it('remembers at most `memory` refused tokens, forgetting the oldest first', async () => {
    const { keeper: k, refresh } = keeper({
      memory: 2,
      refresh: async () => {
        throw new OAuthTokenExpiredError('refused');
      },
    });
    const [r0, r1, r2] = ['r0', 'r1', 'r2'].map((v) => tokenNamed(v)) as [OAuthToken, OAuthToken, OAuthToken];
    for (const token of [r0, r1]) await expect(k.refresh(token)).rejects.toBeInstanceOf(OAuthTokenExpiredError);
    expect([k.refreshRefused(r0), k.refreshRefused(r1)]).toEqual([true, true]);
    await expect(k.refresh(r2)).rejects.toBeInstanceOf(OAuthTokenExpiredError);
    expect([k.refreshRefused(r0), k.refreshRefused(r1), k.refreshRefused(r2)]).toEqual([false, true, true]);
    expect(refresh).toHaveBeenCalledTimes(3);
  });
});

describe("a caller's signal", () => {
  it('an already aborted signal fails the refresh with Aborted (the reason as cause) before anything is asked', async () => {
    const { client } = setup();
    const { oAuthToken } = await client.authorizeOngoingAccess();
    const reason = new Error('user left');
    const error = await client.refreshToken(oAuthToken, { signal: AbortSignal.abort(reason) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AbortedError);
    expect((error as Error).cause).toBe(reason);

    const { keeper: k, refresh } = keeper();
    await expect(k.refresh(tokenNamed('x'), AbortSignal.abort(reason))).rejects.toBeInstanceOf(AbortedError);
    expect(refresh).not.toHaveBeenCalled();
  });

  it('a call with a signal that never fires gets the refreshed token', async () => {
    const { client, fake, clock } = setup();
    const { oAuthToken } = await client.authorizeOngoingAccess();
    clock.now = oAuthToken.accessToken.expiresOn * 1000 + 1;
    const { accounts, oAuthToken: renewed } = await client.readAccounts({ oAuthToken, signal: new AbortController().signal });
    expect(accounts).toHaveLength(1);
    expect(renewed.accessToken.value).not.toBe(oAuthToken.accessToken.value);
    expect(fake.refreshCount()).toBe(1);
  });

  it('a call with a signal that never fires gets the refresh failure itself', async () => {
    const { client, fake } = setup({ autoRecoverExpiredCredentials: false });
    const { oAuthToken } = await client.authorizeOngoingAccess();
    fake.revokeAccessTokens();
    fake.revokeRefreshTokens();
    const error = await client.readAccounts({ oAuthToken, signal: new AbortController().signal }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OAuthTokenExpiredError);
  });

  it("an abort while waiting for a shared refresh fails that wait with Aborted, the signal's reason as cause", async () => {
    const gate = deferred<OAuthToken>();
    const { keeper: k } = keeper({ refresh: () => gate.promise });
    const controller = new AbortController();
    const token = tokenNamed('shared');
    const aborted = k.refresh(token, controller.signal).catch((e: unknown) => e);
    const waiting = k.refresh(token);
    const reason = new Error('page closed');
    controller.abort(reason);
    const error = await aborted;
    expect(error).toBeInstanceOf(AbortedError);
    expect((error as Error).cause).toBe(reason);
    const successor = tokenNamed('shared2');
    gate.resolve(successor);
    await expect(waiting).resolves.toBe(successor);
  });

  it("leaves no listener on the caller's signal once its wait is over (a long-lived signal does not pile them up)", async () => {
    const controller = new AbortController();
    const { signal } = controller;

    const ok = deferred<OAuthToken>();
    const { keeper: succeeding } = keeper({ refresh: () => ok.promise });
    const success = succeeding.refresh(tokenNamed('s'), signal);
    expect(abortListeners(signal)).toBe(1);
    ok.resolve(tokenNamed('s2'));
    await success;
    expect(abortListeners(signal)).toBe(0);

    const { keeper: failing } = keeper({
      refresh: async () => {
        throw new OAuthTokenExpiredError('refused');
      },
    });
    await expect(failing.refresh(tokenNamed('f'), signal)).rejects.toBeInstanceOf(OAuthTokenExpiredError);
    expect(abortListeners(signal)).toBe(0);

    const hanging = deferred<OAuthToken>();
    const { keeper: slow } = keeper({ refresh: () => hanging.promise });
    const other = new AbortController();
    const abandoned = slow.refresh(tokenNamed('h'), other.signal).catch((e: unknown) => e);
    other.abort();
    expect(await abandoned).toBeInstanceOf(AbortedError);
    expect(abortListeners(other.signal)).toBe(0);
    hanging.resolve(tokenNamed('h2'));
  });

  describe('a refresh every caller abandoned', () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => void unhandled.push(reason);
    afterEach(() => {
      process.off('unhandledRejection', onUnhandled);
    });

    it('that fails later is not an unhandled rejection', async () => {
      process.on('unhandledRejection', onUnhandled);
      const controller = new AbortController();
      const reason = new Error('gone');
      const failure = deferred<OAuthToken>();
      const { keeper: k } = keeper({
        refresh: () => {
          // The only caller gives up while the refresh is being sent.
          controller.abort(reason);
          return failure.promise;
        },
      });
      const error = await k.refresh(tokenNamed('late'), controller.signal).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AbortedError);
      expect((error as Error).cause).toBe(reason);

      failure.reject(new Error('connection reset'));
      // Rejections are reported unhandled once the microtask queue has drained: give it two turns.
      await new Promise((resolve) => setImmediate(resolve));
      await new Promise((resolve) => setImmediate(resolve));
      expect(unhandled).toEqual([]);
    });
  });
});

describe('onTokenChange', () => {
  it('is optional: without it a refresh still succeeds', async () => {
    const { client, fake } = setup({ onTokenChange: undefined });
    const { oAuthToken } = await client.authorizeOngoingAccess();
    fake.revokeAccessTokens();
    const { accounts, oAuthToken: renewed } = await client.readAccounts({ oAuthToken });
    expect(accounts).toHaveLength(1);
    expect(renewed.accessToken.value).not.toBe(oAuthToken.accessToken.value);
  });

  it('when onTokenChangeError throws too, the call fails with TokenPersistFailed carrying the new token and that error', async () => {
    const reportFailure = new Error('logger down');
    let fail = false;
    const { client, fake } = setup({
      onTokenChange: () => {
        if (fail) throw new Error('db down');
      },
      onTokenChangeError: () => {
        throw reportFailure;
      },
    });
    const { oAuthToken } = await client.authorizeOngoingAccess();
    fake.revokeAccessTokens();
    fail = true;
    const error = await client.readAccounts({ oAuthToken }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TokenPersistFailedError);
    expect((error as Error).cause).toBe(reportFailure);
    const token = (error as TokenPersistFailedError).token;
    expect(token.accessToken.value).not.toBe(oAuthToken.accessToken.value);

    // The token is in force all the same: the next call uses it without refreshing again.
    fail = false;
    const retry = await client.readAccounts({ oAuthToken });
    expect(retry.oAuthToken).toBe(token);
    expect(fake.refreshCount()).toBe(1);
  });
});
