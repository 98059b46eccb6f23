/**
 * Every call checks its arguments first: unknown keys are refused (with the official SDK's names
 * pointed to ours), bad values are `InvalidArgument`, and nothing reaches the network or starts a
 * consent before that. Functions the app hands over fail as `CallbackFailed`.
 */
import { describe, expect, it, vi } from 'vitest';
import {
  CallbackFailedError,
  ConfigurationError,
  createDigimeClient,
  InvalidArgumentError,
} from '../src/index.js';
import type { DigimeClient, OAuthToken } from '../src/index.js';
import { defaultSleep } from '../src/sleep.js';
import { setup } from './helpers/setup.js';

async function refusal(call: Promise<unknown>): Promise<InvalidArgumentError> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(InvalidArgumentError);
  return error as InvalidArgumentError;
}

async function withToken() {
  const ctx = setup();
  const { oAuthToken, session } = await ctx.client.authorizeOngoingAccess();
  const before = ctx.fake.requests.length;
  return { ...ctx, oAuthToken, session, sent: () => ctx.fake.requests.slice(before) };
}

describe('strict call options', () => {
  it("authorizeOngoingAccess({ userAccessToken }) is refused with the official SDK's name pointed to oAuthToken, and runs no consent", async () => {
    const { client, oAuthToken, sent, changes } = await withToken();
    const error = await refusal(client.authorizeOngoingAccess({ userAccessToken: oAuthToken } as never));
    expect(error.code).toBe('InvalidArgument');
    expect(error.issues).toEqual([
      { path: 'userAccessToken', message: expect.stringContaining("the official SDK's userAccessToken is oAuthToken here") },
    ]);
    expect(error.message).toContain('userAccessToken');
    expect(sent()).toEqual([]);
    expect(changes).toHaveLength(1); // the first consent only
  });

  it('a typo gets a "did you mean"', async () => {
    const { client, oAuthToken, sent } = await withToken();
    const error = await refusal(client.authorizeOngoingAccess({ oauthToken: oAuthToken } as never));
    expect(error.issues[0]).toEqual({ path: 'oauthToken', message: expect.stringContaining('did you mean oAuthToken?') });
    const near = await refusal(client.readFile({ oAuthToken, sessionKey: 'k', filename: 'f' } as never));
    expect(near.issues.map((i) => i.path)).toEqual(['filename', 'fileName']);
    expect(near.issues[0]?.message).toContain('did you mean fileName?');
    expect(sent()).toEqual([]);
  });

  it.each([
    ['readAccounts', (c: DigimeClient, t: OAuthToken) => c.readAccounts({ userAccessToken: t } as never)],
    ['readFileList', (c: DigimeClient, t: OAuthToken) => c.readFileList({ userAccessToken: t, sessionKey: 's' } as never)],
    ['deleteUser', (c: DigimeClient, t: OAuthToken) => c.deleteUser({ userAccessToken: t } as never)],
    ['getReauthorizeUrl', (c: DigimeClient, t: OAuthToken) => c.getReauthorizeUrl({ userAccessToken: t } as never)],
    ['getOnboardServiceUrl', (c: DigimeClient, t: OAuthToken) => c.getOnboardServiceUrl({ userAccessToken: t } as never)],
  ])('%s names userAccessToken and the missing oAuthToken', async (_name, call) => {
    const { client, oAuthToken, sent } = await withToken();
    const error = await refusal(call(client, oAuthToken));
    expect(error.issues.map((i) => i.path)).toEqual(['userAccessToken', 'oAuthToken']);
    expect(error.issues[0]?.message).toContain('is oAuthToken here');
    expect(sent()).toEqual([]);
  });

  it("points the official SDK's other names to ours", async () => {
    const { client, oAuthToken, session } = await withToken();
    const hints = async (call: Promise<unknown>) => (await refusal(call)).issues.map((i) => `${i.path}: ${i.message}`).join('\n');
    expect(await hints(client.getAuthorizeUrl({ callback: 'https://x/cb', state: 's', locale: 'nl', contractDetails: {} } as never))).toMatch(
      /callback: .*redirectUri[\s\S]*state: .*makes the state[\s\S]*locale: .*lng[\s\S]*contractDetails: .*client options/,
    );
    expect(await hints(client.getAuthorizeUrl({ oAuthToken } as never))).toMatch(/getReauthorizeUrl/);
    expect(
      await hints(client.readAllFiles({ oAuthToken, sessionKey: session.key, onFileData: () => {}, onStatusChange: () => {} } as never)),
    ).toMatch(/onFileData: .*onFile here[\s\S]*onStatusChange: .*onProgress here/);
    expect(await hints(client.exchangeCodeForToken({ callback: '?code=c', codeVerifier: 'v'.repeat(43), state: 's', authorizationCode: 'c' } as never))).toMatch(
      /authorizationCode: .*whole callback URL/,
    );
    expect(await hints(client.authorizeOngoingAccess({ sessionOptions: { pull: { scope: {} } } } as never))).toMatch(
      /sessionOptions\.pull: .*scope in the option scope/,
    );
    expect(await hints(client.refreshToken({ oAuthToken } as never))).toMatch(/refreshToken takes the token itself/);
  });

  it("names the official SDK's stored token shape", async () => {
    const { client } = setup();
    const official = { accessToken: { value: 'a', expiry: 1 }, refreshToken: { value: 'r', expiry: 2 }, user: { id: 'u' }, consentid: 'c' };
    const error = await refusal(client.readAccounts({ oAuthToken: official } as never));
    expect(error.issues[0]).toEqual({ path: 'oAuthToken', message: expect.stringContaining("official SDK's UserAccessToken") });
  });

  it('client options get the same hints', () => {
    const app = setup().app;
    let error: unknown;
    try {
      createDigimeClient({ applicationId: 'a', contractId: 'c', privateKey: app.privatePem, redirectUri: 'https://x/cb', retryOptions: {} } as never);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as ConfigurationError).issues.map((i) => i.path)).toEqual(['applicationId', 'retryOptions', 'appId']);
    expect((error as ConfigurationError).issues[0]?.message).toContain('appId');
  });

  it('refuses wrong types inside the options: scope, session options, consent page options', async () => {
    const { client, oAuthToken } = await withToken();
    const paths = async (call: Promise<unknown>) => (await refusal(call)).issues.map((i) => i.path);
    expect(await paths(client.authorizeOngoingAccess({ oAuthToken, scope: { serviceGroup: [{ id: 5 }] } } as never))).toEqual([
      'scope.serviceGroup',
    ]);
    expect(await paths(client.authorizeOngoingAccess({ scope: { timeRanges: [{ last: 30 }] } } as never))).toEqual([
      'scope.timeRanges.0.last',
    ]);
    expect(await paths(client.getAuthorizeUrl({ serviceId: '19', sourceType: 'both', sampleData: {} } as never))).toEqual([
      'serviceId',
      'sourceType',
      'sampleData.dataSet',
    ]);
    expect(await paths(client.readAllFiles({ oAuthToken, sessionKey: '', pollIntervalMs: -1, onFile: 'x' } as never))).toEqual([
      'sessionKey',
      'onFile',
      'pollIntervalMs',
    ]);
  });
});

describe('calls without their options are InvalidArgument, not TypeError', () => {
  it.each([
    ['readAccounts()', (c: DigimeClient) => c.readAccounts(undefined as never)],
    ['readFileList()', (c: DigimeClient) => c.readFileList(undefined as never)],
    ['readFile()', (c: DigimeClient) => c.readFile(undefined as never)],
    ['readAllFiles()', (c: DigimeClient) => c.readAllFiles(undefined as never)],
    ['deleteUser()', (c: DigimeClient) => c.deleteUser(undefined as never)],
    ['refreshToken()', (c: DigimeClient) => c.refreshToken(undefined as never)],
    ['authorizeOngoingAccess(null)', (c: DigimeClient) => c.authorizeOngoingAccess(null as never)],
    ['authorizeOngoingAccess("token")', (c: DigimeClient) => c.authorizeOngoingAccess('token' as never)],
    ['exchangeCodeForToken()', (c: DigimeClient) => c.exchangeCodeForToken(undefined as never)],
    ['getReauthorizeUrl()', (c: DigimeClient) => c.getReauthorizeUrl(undefined as never)],
    ['getOnboardServiceUrl()', (c: DigimeClient) => c.getOnboardServiceUrl(undefined as never)],
    ['completeOnboardService()', (c: DigimeClient) => c.completeOnboardService(undefined as never)],
    ['getAuthorizeUrl([])', (c: DigimeClient) => c.getAuthorizeUrl([] as never)],
  ])('%s', async (_name, call) => {
    const { client, fake } = setup();
    const error = await refusal(call(client));
    expect(error.message).toMatch(/Invalid argument/);
    expect(fake.requests).toEqual([]);
  });
});

describe('objects that cannot be read', () => {
  // Not among the property test's values: fast-check itself cannot look at a revoked proxy.
  it('a revoked proxy, as options, token or callback, is InvalidArgument', async () => {
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    const { client, oAuthToken } = await withToken();
    await refusal(client.readAccounts(proxy as never));
    await refusal(client.readAccounts({ oAuthToken: proxy } as never));
    await refusal(client.refreshToken(proxy as never));
    await refusal(client.exchangeCodeForToken({ callback: proxy, codeVerifier: 'v'.repeat(43), state: 's' } as never));
    await refusal(client.readAllFiles({ oAuthToken, sessionKey: 'k', onFile: proxy } as never));
  });
});

describe('signals', () => {
  it('an AbortController instead of its signal is refused at once, with the fix named, and nothing is sent or scheduled', async () => {
    vi.useFakeTimers();
    try {
      const { client, fake, oAuthToken } = await withToken();
      const before = fake.requests.length;
      const error = await refusal(client.readAccounts({ oAuthToken, signal: new AbortController() as never }));
      expect(error.issues).toEqual([{ path: 'signal', message: expect.stringContaining('pass controller.signal') }]);
      expect(fake.requests.length).toBe(before);
      expect(vi.getTimerCount()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });

  it("the default sleep adds its abort listener before it starts its timer: a signal that refuses it leaves no timer behind", async () => {
    vi.useFakeTimers();
    try {
      const refusing = {
        aborted: false,
        addEventListener() {
          throw new TypeError('not an EventTarget');
        },
        removeEventListener() {
          throw new TypeError('not an EventTarget');
        },
      } as unknown as AbortSignal;
      await expect(defaultSleep(250, refusing)).rejects.toThrow('not an EventTarget');
      expect(vi.getTimerCount()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });

  it('the default sleep waits, and stops at once when aborted', async () => {
    vi.useFakeTimers();
    try {
      const controller = new AbortController();
      let done = false;
      const sleeping = defaultSleep(1000, controller.signal).then(() => (done = true));
      await vi.advanceTimersByTimeAsync(999);
      expect(done).toBe(false);
      await vi.advanceTimersByTimeAsync(1);
      await sleeping;
      expect(done).toBe(true);

      const aborted = defaultSleep(1000, controller.signal);
      controller.abort(new Error('stop'));
      await expect(aborted).rejects.toThrow('stop');
      expect(vi.getTimerCount()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe("the app's functions", () => {
  it('onFile and onProgress that throw end readAllFiles with CallbackFailed, carrying what they threw', async () => {
    const { client, fake, oAuthToken, session } = await withToken();
    fake.addFile('a.json', { a: 1 });
    const boom = new Error('disk full');
    const onFile = await client
      .readAllFiles({ oAuthToken, sessionKey: session.key, onFile: () => { throw boom; } })
      .catch((e: unknown) => e);
    expect(onFile).toBeInstanceOf(CallbackFailedError);
    expect(onFile).toMatchObject({ code: 'CallbackFailed', callback: 'onFile', cause: boom });
    const onProgress = await client
      .readAllFiles({ oAuthToken, sessionKey: session.key, onProgress: () => { throw boom; } })
      .catch((e: unknown) => e);
    expect(onProgress).toMatchObject({ code: 'CallbackFailed', callback: 'onProgress', cause: boom });
  });

  it('a sleep that fails, or a clock that throws or returns no number, is CallbackFailed', async () => {
    const failingSleep = setup({ sleep: async () => { throw new Error('no'); } });
    failingSleep.fake.pollStates = ['running', 'completed'];
    const first = await failingSleep.client.authorizeOngoingAccess();
    await expect(
      failingSleep.client.readAllFiles({ oAuthToken: first.oAuthToken, sessionKey: first.session.key }),
    ).rejects.toMatchObject({ code: 'CallbackFailed', callback: 'sleep' });

    const ctx = setup();
    const { oAuthToken } = await ctx.client.authorizeOngoingAccess();
    for (const now of [() => { throw new Error('clock'); }, () => Number.NaN, () => '1700000000000']) {
      const client = setup({ now: now as () => number }).client;
      await expect(client.readAccounts({ oAuthToken })).rejects.toMatchObject({ code: 'CallbackFailed', callback: 'now' });
    }
  });
});
