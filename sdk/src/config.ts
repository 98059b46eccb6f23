import { createPrivateKey, KeyObject } from 'node:crypto';
import { z } from 'zod';
import type { ConsentHandler } from './consent/types.js';
import { issuesWithHints, MAX_TIMER_MS } from './arguments.js';
import { CallbackFailedError, ConfigurationError } from './errors.js';
import { DEFAULT_RETRY } from './http.js';
import type { RetryPolicy } from './http.js';
import type { OAuthToken } from './token.js';
import { defaultSleep } from './sleep.js';

export { defaultSleep };

/** The real service's addresses (docs/protocol.md §1). */
export const DIGIME_BASE_URL = 'https://api.digi.me/v1.7/';
export const DIGIME_ONBOARD_URL = 'https://api.digi.me/apps/saas/';
/** digi.me's cloud, where storages live (docs/protocol.md §9.6). */
export const DIGIME_CLOUD_BASE_URL = 'https://cloud.digi.me/v1/';

/** Why the token changed: a new consent, or a refresh of the previous token. */
export type TokenChangeReason = 'consent' | 'refresh';

export interface TokenChangeEvent {
  /** The token now in force: persist it in place of `previous`. */
  token: OAuthToken;
  /** The token it replaces (undefined after a first consent). */
  previous: OAuthToken | undefined;
  reason: TokenChangeReason;
}

/** How the SDK introduces itself in request bodies (`agent.sdk`). */
export interface SdkAgent {
  name: string;
  version: string;
  meta?: Record<string, unknown>;
}

export interface DigimeClientOptions {
  /** The application id digi.me issued. */
  appId: string;
  /** The contract id; requests carry `client_id = <appId>_<contractId>`. */
  contractId: string;
  /** The contract's RSA private key (PEM, PKCS#1 or PKCS#8, or a `KeyObject`), 2048 bits or more. */
  privateKey: string | KeyObject;
  /** API base, e.g. `https://api.digi.me/v1.7/` (the default). A missing final `/` is added. */
  baseUrl?: string;
  /** Consent web client, e.g. `https://api.digi.me/apps/saas/` (the default). */
  onboardUrl?: string;
  /** digi.me's cloud, for the storage calls, e.g. `https://cloud.digi.me/v1/` (the default). */
  cloudBaseUrl?: string;
  /** The contract's registered redirect URI. */
  redirectUri: string;
  /**
   * When the refresh token has expired, run consent again inside `authorizeOngoingAccess` (true,
   * the default); when false, fail with `OAuthTokenExpired` and let the app decide.
   */
  autoRecoverExpiredCredentials?: boolean;
  /** Gets a person through consent; required for any call that has to run consent. */
  consentHandler?: ConsentHandler;
  /** Called once for every new token (consent or refresh), before the call that caused it returns. */
  onTokenChange?: (event: TokenChangeEvent) => void | Promise<void>;
  /**
   * Called when `onTokenChange` throws. The refresh or consent still succeeds and the call returns
   * the new token. Without it, the call fails with `TokenPersistFailed` (the error's `token` is the
   * new token, already in force in the client, so retrying the call does not refresh or consent again).
   */
  onTokenChangeError?: (error: unknown, event: TokenChangeEvent) => void | Promise<void>;
  /** `fetch` to use; the global one by default. */
  fetch?: typeof fetch;
  /**
   * The clock, Unix milliseconds; `Date.now` by default. It decides token and key-set expiry (so
   * proactive refresh); request JWTs are always stamped with real time, which the server checks.
   */
  now?: () => number;
  /**
   * An access token is refreshed this many seconds before its `expires_on`, to allow for clocks
   * that disagree and requests in flight. Default 60.
   */
  clockSkewSeconds?: number;
  /** Pause between file list polls in `readAllFiles`, in ms. Default 3000 (the official SDK's). */
  pollIntervalMs?: number;
  /** How to wait between polls; tests inject one that moves a mock clock. Default: a timer. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** How long a fetched key set is trusted before it is fetched again, in seconds. Default 900. */
  jwksCacheSeconds?: number;
  /** How many files `readAllFiles` downloads at once. Default 4. */
  fileConcurrency?: number;
  /** `agent.sdk` sent to digi.me. */
  agent?: SdkAgent;
  /**
   * Retries of transient failures (408, 429, 500, 502, 503, 504, network errors): `retries`
   * (default 3; 0 turns retrying off), exponential backoff with jitter from `baseDelayMs` (default
   * 250) up to `maxDelayMs` (default 10000, also the cap on `Retry-After`). Waits use `sleep`.
   */
  retry?: { retries?: number; baseDelayMs?: number; maxDelayMs?: number };
  /** A shared token refresh gives up (with `NetworkError`) after this many ms. Default 30000. */
  refreshTimeoutMs?: number;
}

/** The options after validation and defaults; what every module reads. */
export interface ResolvedConfig {
  appId: string;
  contractId: string;
  clientId: string;
  privateKey: KeyObject;
  baseUrl: string;
  onboardUrl: string;
  cloudBaseUrl: string;
  redirectUri: string;
  autoRecoverExpiredCredentials: boolean;
  consentHandler: ConsentHandler | undefined;
  onTokenChange: ((event: TokenChangeEvent) => void | Promise<void>) | undefined;
  onTokenChangeError: ((error: unknown, event: TokenChangeEvent) => void | Promise<void>) | undefined;
  fetch: typeof fetch;
  now: () => number;
  clockSkewMs: number;
  pollIntervalMs: number;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  jwksCacheMs: number;
  fileConcurrency: number;
  agent: SdkAgent;
  retry: RetryPolicy;
  refreshTimeoutMs: number;
}

export const SDK_NAME = 'digime-mock-sdk-ts';
export const SDK_VERSION = '0.1.0';

const fn = (what: string) =>
  z.custom<(...args: never[]) => unknown>((v) => typeof v === 'function', { message: `must be ${what}` });

const httpUrl = z.string().superRefine((value, ctx) => {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    ctx.addIssue({ code: 'custom', message: `must be an absolute URL, got ${JSON.stringify(value)}` });
    return;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    ctx.addIssue({ code: 'custom', message: `must be an http(s) URL, got ${url.protocol}` });
  }
  if (url.search || url.hash) {
    ctx.addIssue({ code: 'custom', message: 'must not carry a query or fragment' });
  }
});

const privateKeySchema = z.union([z.string(), z.custom<KeyObject>((v) => v instanceof KeyObject, { message: 'must be a PEM string or a KeyObject' })]).transform((value, ctx) => {
  let key: KeyObject;
  try {
    key = typeof value === 'string' ? createPrivateKey(value) : value;
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: `is not a private key PEM (${(error as Error).message})` });
    return z.NEVER;
  }
  if (key.type !== 'private') {
    ctx.addIssue({ code: 'custom', message: `must be a private key, got a ${key.type} key` });
    return z.NEVER;
  }
  if (key.asymmetricKeyType !== 'rsa') {
    ctx.addIssue({ code: 'custom', message: `must be an RSA key, got ${key.asymmetricKeyType}` });
    return z.NEVER;
  }
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (bits < 2048) {
    ctx.addIssue({ code: 'custom', message: `must have 2048 bits or more, got ${bits}` });
    return z.NEVER;
  }
  return key;
});

const optionsSchema = z
  .object({
    appId: z.string().min(1, 'must be a non-empty string'),
    contractId: z.string().min(1, 'must be a non-empty string'),
    privateKey: privateKeySchema,
    baseUrl: httpUrl.default(DIGIME_BASE_URL),
    onboardUrl: httpUrl.default(DIGIME_ONBOARD_URL),
    cloudBaseUrl: httpUrl.default(DIGIME_CLOUD_BASE_URL),
    redirectUri: z.string().refine((v) => URL.canParse(v), 'must be an absolute URL'),
    autoRecoverExpiredCredentials: z.boolean().default(true),
    consentHandler: fn('a function (request) => Promise<redirect>').optional(),
    onTokenChange: fn('a function (event) => void').optional(),
    onTokenChangeError: fn('a function (error, event) => void').optional(),
    fetch: fn('a fetch function').optional(),
    now: fn('a function returning Unix milliseconds').optional(),
    clockSkewSeconds: z.number().finite().nonnegative().default(60),
    pollIntervalMs: z.number().finite().nonnegative().max(MAX_TIMER_MS).default(3000),
    sleep: fn('a function (ms) => Promise<void>').optional(),
    jwksCacheSeconds: z.number().finite().nonnegative().default(900),
    fileConcurrency: z.number().int().positive().default(4),
    agent: z
      .object({ name: z.string().min(1), version: z.string().min(1), meta: z.record(z.string(), z.unknown()).optional() })
      .optional(),
    retry: z
      .object({
        retries: z.number().int().nonnegative().max(20).optional(),
        baseDelayMs: z.number().finite().nonnegative().max(MAX_TIMER_MS).optional(),
        maxDelayMs: z.number().finite().nonnegative().max(MAX_TIMER_MS).optional(),
      })
      .strict()
      .optional(),
    refreshTimeoutMs: z.number().finite().positive().max(MAX_TIMER_MS).default(30_000),
  })
  .strict();

const withSlash = (url: string): string => (url.endsWith('/') ? url : `${url}/`);

/** Validates the options and fills in defaults; throws `ConfigurationError` naming each bad field. */
export function resolveConfig(options: DigimeClientOptions): ResolvedConfig {
  if (typeof options !== 'object' || options === null) {
    throw new ConfigurationError([{ path: '', message: 'options must be an object' }]);
  }
  let result: ReturnType<typeof optionsSchema.safeParse>;
  try {
    result = optionsSchema.safeParse(options);
  } catch (error) {
    throw new ConfigurationError([{ path: '', message: 'options cannot be read' }], { cause: error });
  }
  if (!result.success) {
    throw new ConfigurationError(issuesWithHints(result.error, 'createDigimeClient', Object.keys(optionsSchema.shape), {}));
  }
  const o = result.data;
  if (!options.fetch && typeof globalThis.fetch !== 'function') {
    throw new ConfigurationError([{ path: 'fetch', message: 'no global fetch; pass one' }]);
  }
  return {
    appId: o.appId,
    contractId: o.contractId,
    clientId: `${o.appId}_${o.contractId}`,
    privateKey: o.privateKey,
    baseUrl: withSlash(o.baseUrl),
    onboardUrl: withSlash(o.onboardUrl),
    cloudBaseUrl: withSlash(o.cloudBaseUrl),
    redirectUri: o.redirectUri,
    autoRecoverExpiredCredentials: o.autoRecoverExpiredCredentials,
    consentHandler: options.consentHandler,
    onTokenChange: options.onTokenChange,
    onTokenChangeError: options.onTokenChangeError,
    // The global fetch is looked up per call, so interceptors installed later (msw) still apply.
    fetch: options.fetch ?? ((...args: Parameters<typeof fetch>) => globalThis.fetch(...args)),
    now: options.now ? checkedNow(options.now) : () => Date.now(),
    clockSkewMs: o.clockSkewSeconds * 1000,
    pollIntervalMs: o.pollIntervalMs,
    sleep: options.sleep ? checkedSleep(options.sleep) : defaultSleep,
    jwksCacheMs: o.jwksCacheSeconds * 1000,
    fileConcurrency: o.fileConcurrency,
    agent: o.agent ?? { name: SDK_NAME, version: SDK_VERSION, meta: { node: process.version } },
    retry: {
      retries: o.retry?.retries ?? DEFAULT_RETRY.retries,
      baseDelayMs: o.retry?.baseDelayMs ?? DEFAULT_RETRY.baseDelayMs,
      maxDelayMs: o.retry?.maxDelayMs ?? DEFAULT_RETRY.maxDelayMs,
    },
    refreshTimeoutMs: o.refreshTimeoutMs,
  };
}

/** The app's clock, held to returning Unix ms: anything else fails the call with `CallbackFailed`. */
function checkedNow(now: () => number): () => number {
  return () => {
    let value: unknown;
    try {
      value = now();
    } catch (error) {
      throw new CallbackFailedError('now', 'The client option now() threw', { cause: error });
    }
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new CallbackFailedError('now', `The client option now() returned ${String(value)}, not Unix milliseconds`);
    }
    return value;
  };
}

/**
 * The app's `sleep`: a failure while the caller's signal has fired passes through (callers turn it
 * into `Aborted`); any other failure is `CallbackFailed`.
 */
function checkedSleep(sleep: (ms: number, signal?: AbortSignal) => Promise<void>): (ms: number, signal?: AbortSignal) => Promise<void> {
  return async (ms, signal) => {
    try {
      await sleep(ms, signal);
    } catch (error) {
      if (signal?.aborted) throw error;
      throw new CallbackFailedError('sleep', 'The client option sleep() failed', { cause: error });
    }
  };
}
