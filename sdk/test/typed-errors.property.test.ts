/**
 * Whatever an app passes, the SDK answers with a result or one of its own typed errors: every
 * public function and method gets random values (and near misses: real option names with random
 * values, real tokens, signals, controllers, keys, functions that throw). Nothing else may be
 * thrown, no promise may be left rejecting unhandled, and no timer may fail later: timers are
 * faked and run out after every call, so a failure that would come "250 ms later" comes now.
 */
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  clickApprove,
  codeChallengeFor,
  createAutoConsentHandler,
  createBrowserConsentHandler,
  createDigimeClient,
  createPkce,
  createRedirectConsentHandler,
  decryptFileBytes,
  DigimeClient,
  DigimeError,
  isDigimeError,
  parseConsentRedirect,
  parseMetadataHeader,
  ServerTokenVerifier,
  signRequestJwt,
} from '../src/index.js';
import type { OAuthToken, Session } from '../src/index.js';
import { setup } from './helpers/setup.js';

const RUNS = 120;

let ctx: ReturnType<typeof setup>;
let token: OAuthToken;
let session: Session;

/** Option names the calls know, and the official SDK's: keys a near miss is made of. */
const OPTION_NAMES = [
  'oAuthToken', 'userAccessToken', 'oauthToken', 'scope', 'sessionOptions', 'serviceId', 'lng', 'locale', 'signal',
  'sessionKey', 'fileName', 'onFile', 'onProgress', 'pollIntervalMs', 'timeoutMs', 'callback', 'codeVerifier', 'state',
  'url', 'session', 'sourceType', 'triggerQuery', 'sampleData', 'includeSampleDataOnlySources', 'sourcesScope',
  'decision', 'fetch', 'open', 'act', 'args', 'headless', 'executablePath', 'launchOptions', 'redirectUri', 'appId',
  'contractId', 'privateKey', 'baseUrl', 'onboardUrl', 'now', 'sleep', 'retry', 'clientId', 'cacheMs',
  'clockToleranceMs', 'consentHandler', 'onTokenChange', 'limits', 'sourceFetch', 'timeRanges', 'serviceGroups',
  'dataSet', 'autoOnboard', 'contractDetails', 'authorizationCode', '__proto__', 'constructor', 'toString',
  'accountId', 'serviceType', 'format', 'from', 'to', 'type', 'data', 'fileData', 'fileDescriptor', 'mimeType', 'accounts',
  'standard', 'version', 'storageId', 'path', 'recursive', 'sourceId', 'sourcesBodyParams', 'countriesBodyParams',
  'platformsBodyParams', 'categoriesBodyParams', 'query', 'filter', 'id', 'cloudBaseUrl',
];

/** Values worth trying besides random ones (built lazily: some need the fake's token). */
function specialValues(): unknown[] {
  const controller = new AbortController();
  return [
    controller,
    controller.signal,
    AbortSignal.abort(new Error('aborted')),
    new URL('https://app.example/callback?success=true&state=S&code=C'),
    new URLSearchParams('success=false&errorCode=ConsentDenied&state=S'),
    'https://app.example/callback?success=true&state=S&code=C',
    Buffer.alloc(300, 7),
    new Uint8Array(0),
    ctx.app.privateKey,
    ctx.app.publicKey,
    ctx.app.privatePem,
    () => undefined,
    () => 5,
    () => {
      throw new Error('app function');
    },
    async () => {
      throw new Error('app function');
    },
    () => {
      throw Object.create(null);
    },
    Symbol('s'),
    Number.NaN,
    Number.POSITIVE_INFINITY,
    -1,
    2 ** 40,
    Number.MAX_VALUE,
    '',
    token,
    { ...token, accessToken: { ...token.accessToken, expiresOn: Number.MAX_VALUE } },
    { ...token, refreshToken: { ...token.refreshToken, expiresOn: -1e300 } },
    { accessToken: { value: 'a', expiry: 1 }, refreshToken: { value: 'r', expiry: 2 } },
    session.key,
    session,
    { timeRanges: [{ last: '1d' }] },
    { dataSet: 'default' },
    Object.create(null) as object,
    // An object whose every property read throws (it still prints itself, for fast-check's reports).
    new Proxy(
      {},
      {
        has: (_target, key) => key === fc.toStringMethod,
        get(_target, key) {
          if (key === fc.toStringMethod) return () => 'a Proxy whose properties throw';
          throw new Error('trap');
        },
        ownKeys() {
          throw new Error('trap');
        },
      },
    ),
  ];
}

/** A value an app might pass: random, special, or an options object of real names with such values. */
function inputs(withFunctions = true): fc.Arbitrary<unknown> {
  const special = fc.constantFrom(...specialValues().filter((v) => withFunctions || typeof v !== 'function'));
  const leaf = fc.oneof(
    { weight: 3, arbitrary: fc.anything({ withBigInt: true, withDate: true, withMap: true, withSet: true, withTypedArray: true, withNullPrototype: true, withBoxedValues: true, withSparseArray: true }) },
    { weight: 3, arbitrary: special },
  );
  const options = fc.dictionary(fc.constantFrom(...OPTION_NAMES), fc.oneof(leaf, fc.dictionary(fc.constantFrom(...OPTION_NAMES), leaf, { maxKeys: 3 })), {
    maxKeys: 5,
  });
  return fc.oneof(leaf, { weight: 2, arbitrary: options }, fc.constant(undefined));
}

/** The promise's outcome, running fake timers (and letting I/O happen) until it settles. */
async function settle(value: unknown): Promise<{ error?: unknown }> {
  if (!(value instanceof Promise)) return {};
  let outcome: { error?: unknown } | undefined;
  value.then(
    () => (outcome = {}),
    (error: unknown) => (outcome = { error }),
  );
  for (let round = 0; outcome === undefined; round++) {
    if (round > 20_000) throw new Error('the call did not settle');
    await vi.runOnlyPendingTimersAsync();
    await new Promise((resolve) => setImmediate(resolve));
  }
  return outcome;
}

/** Calls `run`: it must return, or fail with a `DigimeError` (thrown, or as its promise's rejection). */
async function onlyTypedErrors(run: () => unknown): Promise<void> {
  let returned: unknown;
  try {
    returned = run();
  } catch (error) {
    if (!(error instanceof DigimeError)) throw new Error(`threw ${explain(error)}`, { cause: error });
    return;
  }
  const { error } = await settle(returned);
  if (error !== undefined && !(error instanceof DigimeError)) throw new Error(`rejected with ${explain(error)}`, { cause: error });
  // Whatever the call left scheduled must run out without failing.
  await vi.runAllTimersAsync();
}

function explain(error: unknown): string {
  try {
    return error instanceof Error ? `${error.constructor.name}: ${error.message}` : String(error);
  } catch {
    return typeof error;
  }
}

const unexpected: unknown[] = [];
const onUnexpected = (error: unknown) => void unexpected.push(error);

beforeAll(async () => {
  ctx = setup({ consentHandler: createAutoConsentHandler() });
  ({ oAuthToken: token, session } = await ctx.client.authorizeOngoingAccess());
  process.on('unhandledRejection', onUnexpected);
  process.on('uncaughtException', onUnexpected);
});

afterAll(() => {
  process.off('unhandledRejection', onUnexpected);
  process.off('uncaughtException', onUnexpected);
});

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] });
});

afterEach(async () => {
  vi.useRealTimers();
  // Node reports a rejection nobody handled once the current macrotask is done.
  await new Promise((resolve) => setImmediate(resolve));
  await new Promise((resolve) => setImmediate(resolve));
  expect(unexpected.map(explain)).toEqual([]);
});

type Target = [name: string, arity: number, run: (args: unknown[]) => unknown, withFunctions?: boolean];

/**
 * Each client method's valid options, and keys to vary: near misses that reach past the argument
 * checks (a real token with an AbortController for its signal, a real session with a throwing onFile).
 */
function validOptions(): Record<(typeof clientMethods)[number], { base: Record<string, unknown>; vary: string[] }> {
  const callback = 'https://app.example/callback?success=true&state=S&code=C';
  const withToken = { base: { oAuthToken: token }, vary: ['oAuthToken', 'signal'] };
  const inSession = { base: { oAuthToken: token, sessionKey: session.key }, vary: ['oAuthToken', 'sessionKey', 'signal'] };
  return {
    authorizeOngoingAccess: { base: { oAuthToken: token }, vary: ['oAuthToken', 'scope', 'sessionOptions', 'serviceId', 'lng', 'signal'] },
    readAccounts: withToken,
    readFileList: inSession,
    readFile: { base: { ...inSession.base, fileName: 'a.json' }, vary: [...inSession.vary, 'fileName'] },
    readAllFiles: { base: inSession.base, vary: [...inSession.vary, 'onFile', 'onProgress', 'pollIntervalMs', 'timeoutMs'] },
    deleteUser: withToken,
    refreshToken: { base: {}, vary: ['signal'] },
    getAuthorizeUrl: { base: {}, vary: ['scope', 'sessionOptions', 'serviceId', 'lng', 'sourceType', 'sampleData', 'sourcesScope', 'signal'] },
    getReauthorizeUrl: { base: { oAuthToken: token }, vary: ['oAuthToken', 'scope', 'lng', 'triggerQuery', 'signal'] },
    exchangeCodeForToken: { base: { callback, codeVerifier: 'v'.repeat(43), state: 'S' }, vary: ['callback', 'codeVerifier', 'state', 'signal'] },
    getOnboardServiceUrl: { base: { oAuthToken: token }, vary: ['oAuthToken', 'serviceId', 'sampleData', 'signal'] },
    completeOnboardService: { base: { callback, state: 'S' }, vary: ['callback', 'state'] },
    getContractDetails: { base: {}, vary: ['signal'] },
    querySources: { base: { sourcesBodyParams: { query: { filter: { id: [19] } } } }, vary: ['sourcesBodyParams', 'signal'] },
    queryCountries: { base: {}, vary: ['countriesBodyParams', 'signal'] },
    queryPlatforms: { base: {}, vary: ['platformsBodyParams', 'signal'] },
    queryCategories: { base: {}, vary: ['categoriesBodyParams', 'signal'] },
    getServiceSampleDataSets: { base: { sourceId: 19 }, vary: ['sourceId', 'signal'] },
    deleteAccount: { base: { oAuthToken: token, accountId: 'acc-1' }, vary: ['oAuthToken', 'accountId', 'signal'] },
    getRevokeAccountPermissionUrl: { base: { oAuthToken: token, accountId: 'acc-1' }, vary: ['oAuthToken', 'accountId', 'redirectUri', 'signal'] },
    getReauthorizeAccountUrl: { base: { oAuthToken: token, accountId: 'acc-1' }, vary: ['oAuthToken', 'accountId', 'lng', 'signal'] },
    readFileMetadata: { base: { ...inSession.base, fileName: 'a.json' }, vary: [...inSession.vary, 'fileName'] },
    getPortabilityReport: { base: { oAuthToken: token, serviceType: 'medmij' }, vary: ['oAuthToken', 'serviceType', 'format', 'from', 'to', 'signal'] },
    pushData: {
      base: { oAuthToken: token, type: 'library', data: { fileData: Buffer.from('x'), fileDescriptor: { mimeType: 'text/plain', accounts: [{ accountId: 'a' }] } } },
      vary: ['oAuthToken', 'type', 'data', 'accountId', 'version', 'standard', 'signal'],
    },
    createProvisionalStorage: { base: {}, vary: ['signal'] },
    getUserStorage: withToken,
    listStorageFiles: { base: { storageId: 's' }, vary: ['storageId', 'path', 'recursive', 'signal'] },
    uploadFileToStorage: { base: { storageId: 's', fileName: 'f.txt', fileData: Buffer.from('x') }, vary: ['storageId', 'fileName', 'fileData', 'path', 'signal'] },
    downloadStorageFile: { base: { storageId: 's', path: 'f.txt' }, vary: ['storageId', 'path', 'signal'] },
    deleteStorageFiles: { base: { storageId: 's', path: 'f.txt' }, vary: ['storageId', 'path', 'signal'] },
  };
}

/** Valid options with up to two keys changed to random or special values. */
function nearValid(spec: { base: Record<string, unknown>; vary: string[] }): fc.Arbitrary<unknown> {
  return fc
    .dictionary(fc.constantFrom(...spec.vary), inputs(), { maxKeys: 2 })
    .map((changes) => ({ ...spec.base, ...changes }));
}

const clientMethods = [
  'authorizeOngoingAccess',
  'readAccounts',
  'readFileList',
  'readFile',
  'readAllFiles',
  'deleteUser',
  'refreshToken',
  'getAuthorizeUrl',
  'getReauthorizeUrl',
  'exchangeCodeForToken',
  'getOnboardServiceUrl',
  'completeOnboardService',
  'getContractDetails',
  'querySources',
  'queryCountries',
  'queryPlatforms',
  'queryCategories',
  'getServiceSampleDataSets',
  'deleteAccount',
  'getRevokeAccountPermissionUrl',
  'getReauthorizeAccountUrl',
  'readFileMetadata',
  'getPortabilityReport',
  'pushData',
  'createProvisionalStorage',
  'getUserStorage',
  'listStorageFiles',
  'uploadFileToStorage',
  'downloadStorageFile',
  'deleteStorageFiles',
] as const satisfies readonly (keyof DigimeClient)[];

function targets(): Target[] {
  const client = ctx.client as unknown as Record<string, (...args: unknown[]) => unknown>;
  const redirect = createRedirectConsentHandler({ open: () => undefined, timeoutMs: 1000 });
  const verifier = new ServerTokenVerifier({
    fetch: ctx.fake.fetch,
    baseUrl: ctx.fake.baseUrl,
    now: () => ctx.clock.now,
    cacheMs: 1000,
    clockToleranceMs: 0,
  });
  return [
    ['createDigimeClient', 1, ([a]) => createDigimeClient(a as never)],
    ['new DigimeClient', 1, ([a]) => new DigimeClient(a as never)],
    ...clientMethods.map((method): Target => [`client.${method}`, 2, ([a, b]) => client[method]!.call(ctx.client, a, b)]),
    ['parseConsentRedirect', 1, ([a]) => parseConsentRedirect(a as never)],
    ['createAutoConsentHandler', 1, ([a]) => createAutoConsentHandler(a as never)],
    ['an auto consent handler', 1, ([a]) => createAutoConsentHandler()(a as never)],
    ['createBrowserConsentHandler', 1, ([a]) => createBrowserConsentHandler(a as never)],
    // Without functions among the values: a valid request would start a browser.
    ['a browser consent handler', 1, ([a]) => createBrowserConsentHandler()(a as never), false],
    ['clickApprove', 2, ([a, b]) => clickApprove(a as never, b as never)],
    ['createRedirectConsentHandler', 1, ([a]) => createRedirectConsentHandler(a as never)],
    ['a redirect consent handler', 1, ([a]) => redirect.handler(a as never)],
    ['a redirect consent handler: complete()', 1, ([a]) => redirect.complete(a as never)],
    ['codeChallengeFor', 1, ([a]) => codeChallengeFor(a as never)],
    ['createPkce', 1, ([a]) => (createPkce as (...args: unknown[]) => unknown)(a)],
    ['signRequestJwt', 2, ([a, b]) => signRequestJwt(a as never, b as never)],
    ['new ServerTokenVerifier', 1, ([a]) => new ServerTokenVerifier(a as never)],
    ['ServerTokenVerifier.verify', 1, ([a]) => verifier.verify(a)],
    ['decryptFileBytes', 3, ([a, b, c]) => decryptFileBytes(a as never, b as never, c as never)],
    ['parseMetadataHeader', 2, ([a, b]) => parseMetadataHeader(a as never, b as never)],
    ['isDigimeError', 1, ([a]) => isDigimeError(a)],
  ];
}

describe('no input gets anything but a typed error out of a public function', () => {
  it('covers every method of the client', () => {
    const methods = Object.getOwnPropertyNames(DigimeClient.prototype).filter((m) => m !== 'constructor');
    expect(methods.sort()).toEqual([...clientMethods].sort());
  });

  it.each(clientMethods)('client.%s with near misses of valid options', async (method) => {
    const spec = validOptions()[method];
    const client = ctx.client as unknown as Record<string, (...args: unknown[]) => unknown>;
    const call = (options: unknown) =>
      method === 'refreshToken' ? ctx.client.refreshToken(token, options as never) : client[method]!.call(ctx.client, options);
    await fc.assert(
      fc.asyncProperty(nearValid(spec), async (options) => {
        await onlyTypedErrors(() => call(options));
      }),
      // The process-crash of an AbortController passed as the signal, always tried first.
      { numRuns: RUNS, examples: [[{ ...spec.base, signal: new AbortController() }]] },
    );
  });

  it.each(['createDigimeClient', 'new DigimeClient', ...clientMethods.map((m) => `client.${m}`), 'parseConsentRedirect',
    'createAutoConsentHandler', 'an auto consent handler', 'createBrowserConsentHandler', 'a browser consent handler',
    'clickApprove', 'createRedirectConsentHandler', 'a redirect consent handler', 'a redirect consent handler: complete()',
    'codeChallengeFor', 'createPkce', 'signRequestJwt', 'new ServerTokenVerifier', 'ServerTokenVerifier.verify',
    'decryptFileBytes', 'parseMetadataHeader', 'isDigimeError'])('%s', async (name) => {
    const target = targets().find(([n]) => n === name);
    if (!target) throw new Error(`no target ${name}`);
    const [, arity, run, withFunctions = true] = target;
    await fc.assert(
      fc.asyncProperty(fc.array(inputs(withFunctions), { minLength: 0, maxLength: arity }), async (args) => {
        await onlyTypedErrors(() => run(args));
      }),
      { numRuns: RUNS },
    );
  });
});
