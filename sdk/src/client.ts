import { resolveConfig } from './config.js';
import type { DigimeClientOptions, ResolvedConfig } from './config.js';
import { parseConsentRedirect } from './consent/redirect.js';
import type { ConsentRedirect } from './consent/types.js';
import {
  AbortedError,
  ConfigurationError,
  ConsentDeniedError,
  ConsentFailedError,
  DigimeError,
  InvalidArgumentError,
  InvalidTokenError,
  OAuthTokenExpiredError,
  PollTimeoutError,
} from './errors.js';
import { isAccessTokenRejection, isRecord } from './http.js';
import type { HttpContext } from './http.js';
import { fetchFile } from './files.js';
import type { SessionFile } from './files.js';
import { authorize, consentPageUrl, exchangeCode, refreshToken } from './oauth.js';
import type { OAuthContext } from './oauth.js';
import { createPkce } from './pkce.js';
import { randomAlphanumeric } from './random.js';
import { ServerTokenVerifier } from './server-token.js';
import { deleteUser, fetchAccounts, fetchFileList, triggerSession } from './session.js';
import type { Account, FileList, FileListEntry, Scope, Session, SessionOptions } from './session.js';
import { parseStoredToken } from './token.js';
import type { OAuthToken } from './token.js';
import { raceSignal, TokenKeeper } from './token-keeper.js';

/** `readAllFiles`' limit when neither `timeoutMs` nor the session's expiry is known: one hour. */
const DEFAULT_READ_ALL_TIMEOUT_MS = 3600_000;
/** How many triggered sessions' expiries a client remembers (for `readAllFiles`' default limit). */
const SESSION_MEMORY = 1000;

/** Redirect error codes that mean the person said no (the rest are failures). */
const REFUSAL_CODES = new Set(['ConsentDenied', 'USER_CANCEL', 'UserCancelled', 'access_denied']);

export interface AuthorizeOngoingAccessOptions {
  /** Narrows the session's data (and, at consent, what is asked for). */
  scope?: Scope;
  /** The token stored from an earlier call; without it, consent runs. */
  oAuthToken?: OAuthToken;
  /** Further trigger options (`limits`, `sourceFetch`, `sourceFetchFilter`). */
  sessionOptions?: SessionOptions;
  /** Offer this service for onboarding on the consent page. */
  serviceId?: number;
  /** Language of the consent page. */
  lng?: string;
  signal?: AbortSignal;
}

export interface AuthorizeOngoingAccessResult {
  session: Session;
  /** The token in force; store it in place of the one passed in (it may differ). */
  oAuthToken: OAuthToken;
  /** True when consent ran during this call (first time, or recovery from an expired refresh token). */
  consented: boolean;
  /** The account onboarded during consent, when there was one. */
  accountReference?: string;
}

export interface TokenCallOptions {
  oAuthToken: OAuthToken;
  signal?: AbortSignal;
}

export interface SessionCallOptions extends TokenCallOptions {
  sessionKey: string;
}

export interface ReadAllFilesProgress {
  /** The session's state at this poll. */
  state: string;
  status: FileList['status'];
  /** The files listed at this poll. */
  fileList: FileListEntry[];
  /** Files downloaded and decoded so far (each name once). */
  filesRead: number;
  /** Files listed so far. */
  filesTotal: number;
  /** 1 for the first poll. */
  poll: number;
}

export interface ReadAllFilesOptions extends SessionCallOptions {
  onProgress?: (progress: ReadAllFilesProgress) => void;
  /** Called for each file as soon as it is decoded (again if the file is synced again). */
  onFile?: (file: SessionFile) => void;
  /** Overrides the client's `pollIntervalMs`. */
  pollIntervalMs?: number;
  /**
   * Give up (with `PollTimeout`) if the session is not finished after this long, in real elapsed
   * time (not the client's `now`). Default: until the session's expiry when this client triggered
   * it, else one hour.
   */
  timeoutMs?: number;
}

export interface FileFailure {
  fileName: string;
  /**
   * Why the file could not be read: usually a `DigimeError` (`FileDecryptionError`,
   * `UnexpectedResponseError`, `ServerError`, `NetworkError`, `InvalidTokenError`, ...).
   */
  error: DigimeError | Error;
}

export interface ReadAllFilesResult {
  /** The latest version of every file the session listed. */
  files: SessionFile[];
  /** The final status (`completed` or `partial`, with per-account details). */
  status: FileList['status'];
  /** Files that could not be read (downloaded or decoded); the others were still read. */
  failures: FileFailure[];
  oAuthToken: OAuthToken;
}

/**
 * A digi.me client for one contract, with the Ongoing Access semantics of the seed
 * (docs/protocol.md §7). It holds no user state: every call takes the user's `OAuthToken` and returns
 * the token in force, which the app stores (or persists from `onTokenChange`).
 */
export class DigimeClient {
  readonly #config: ResolvedConfig;
  readonly #http: HttpContext;
  readonly #oauth: OAuthContext;
  readonly #keeper: TokenKeeper;
  /** Consents in flight, keyed by the access token they replace, shared by concurrent callers. */
  readonly #consents = new Map<string, Promise<{ token: OAuthToken; accountReference: string | undefined }>>();
  /** Expiry (client clock, Unix ms) of sessions this client triggered, by session key. */
  readonly #sessionExpiry = new Map<string, number>();

  constructor(options: DigimeClientOptions) {
    this.#config = resolveConfig(options);
    const config = this.#config;
    this.#http = {
      fetch: config.fetch,
      signer: { clientId: config.clientId, privateKey: config.privateKey },
      retry: config.retry,
      sleep: config.sleep,
    };
    const verifier = new ServerTokenVerifier({
      fetch: config.fetch,
      baseUrl: config.baseUrl,
      now: config.now,
      cacheMs: config.jwksCacheMs,
      clockToleranceMs: config.clockSkewMs,
    });
    this.#oauth = { config, http: this.#http, verifier };
    this.#keeper = new TokenKeeper({
      refresh: (token, signal) => refreshToken(this.#oauth, token, signal),
      notify: config.onTokenChange,
      notifyError: config.onTokenChangeError,
      now: config.now,
      skewMs: config.clockSkewMs,
      refreshTimeoutMs: config.refreshTimeoutMs,
    });
  }

  /**
   * Without a token: consent (authorize, the consent handler, code exchange with PKCE), then a
   * session. With a stored token: a session with it, refreshing the access token when it has
   * expired or is refused. When the refresh token has expired, consent runs again if
   * `autoRecoverExpiredCredentials` is true, else this fails with `OAuthTokenExpired`.
   */
  async authorizeOngoingAccess(options: AuthorizeOngoingAccessOptions = {}): Promise<AuthorizeOngoingAccessResult> {
    const stored = options.oAuthToken === undefined ? undefined : parseStoredToken(options.oAuthToken);
    if (stored) {
      let current = stored;
      // Bounded: each round starts from a token that replaced the one refused in the previous round.
      for (let round = 0; round < 3; round++) {
        try {
          const { value: session, token } = await this.#withAccessToken(current, options.signal, (accessToken) =>
            this.#trigger(accessToken, options),
          );
          return { session, oAuthToken: token, consented: false };
        } catch (error) {
          if (!(error instanceof OAuthTokenExpiredError) || !this.#config.autoRecoverExpiredCredentials) throw error;
        }
        // Another call may have replaced the token meanwhile (a consent that just finished): use it.
        const latest = this.#keeper.latest(stored);
        if (this.#keeper.refreshRefused(latest) || latest.accessToken.value === current.accessToken.value) break;
        current = latest;
      }
    }
    const consent = stored ? await this.#sharedConsent(options, stored) : await this.#consent(options, undefined, []);
    const { value: session, token } = await this.#withAccessToken(consent.token, options.signal, (accessToken) =>
      this.#trigger(accessToken, options),
    );
    return {
      session,
      oAuthToken: token,
      consented: true,
      ...(consent.accountReference !== undefined ? { accountReference: consent.accountReference } : {}),
    };
  }

  /** The user's accounts. */
  async readAccounts(options: TokenCallOptions): Promise<{ accounts: Account[]; oAuthToken: OAuthToken }> {
    const token = parseStoredToken(options.oAuthToken);
    const { value, token: inForce } = await this.#withAccessToken(token, options.signal, (accessToken) =>
      fetchAccounts(this.#http, { baseUrl: this.#config.baseUrl, accessToken, signal: options.signal }),
    );
    return { accounts: value, oAuthToken: inForce };
  }

  /** The session's sync status and the files listed so far. */
  async readFileList(
    options: SessionCallOptions,
  ): Promise<{ status: FileList['status']; fileList: FileListEntry[]; oAuthToken: OAuthToken }> {
    const token = parseStoredToken(options.oAuthToken);
    const sessionKey = requireString(options.sessionKey, 'sessionKey');
    const { value, token: inForce } = await this.#withAccessToken(token, options.signal, (accessToken) =>
      fetchFileList(this.#http, { baseUrl: this.#config.baseUrl, sessionKey, accessToken, signal: options.signal }),
    );
    return { status: value.status, fileList: value.fileList ?? [], oAuthToken: inForce };
  }

  /** One file of the session: decrypted, decompressed, parsed, with its metadata. */
  async readFile(options: SessionCallOptions & { fileName: string }): Promise<{ file: SessionFile; oAuthToken: OAuthToken }> {
    const token = parseStoredToken(options.oAuthToken);
    const sessionKey = requireString(options.sessionKey, 'sessionKey');
    const fileName = requireString(options.fileName, 'fileName');
    const { value, token: inForce } = await this.#withAccessToken(token, options.signal, (accessToken) =>
      fetchFile(this.#http, {
        baseUrl: this.#config.baseUrl,
        sessionKey,
        fileName,
        accessToken,
        privateKey: this.#config.privateKey,
        signal: options.signal,
      }),
    );
    return { file: value, oAuthToken: inForce };
  }

  /**
   * Every file of the session: polls the file list (every `pollIntervalMs`) until the session is
   * `completed` or `partial`, downloading each file as it appears, and again when its
   * `updatedDate` grows. Files that do not decode are reported in `failures`; other errors throw.
   */
  async readAllFiles(options: ReadAllFilesOptions): Promise<ReadAllFilesResult> {
    const run = { stopped: false };
    try {
      return await this.#readAllFiles(options, run);
    } finally {
      // Workers still finishing a download after a failure must not call onFile any more.
      run.stopped = true;
    }
  }

  async #readAllFiles(options: ReadAllFilesOptions, run: { stopped: boolean }): Promise<ReadAllFilesResult> {
    let token = parseStoredToken(options.oAuthToken);
    const sessionKey = requireString(options.sessionKey, 'sessionKey');
    const interval = options.pollIntervalMs ?? this.#config.pollIntervalMs;
    const timeoutMs = options.timeoutMs ?? this.#defaultReadAllTimeout(sessionKey);
    // Real elapsed time: a test clock that jumps (or a wrong wall clock) must not end polling early or never.
    const deadline = performance.now() + timeoutMs;
    const files = new Map<string, SessionFile>();
    const failures = new Map<string, FileFailure>();
    const seen = new Map<string, number>();

    for (let poll = 1; ; poll++) {
      throwIfAborted(options.signal);
      const list = await this.readFileList({ sessionKey, oAuthToken: token, ...signalOf(options) });
      token = list.oAuthToken;
      const fresh = list.fileList.filter((entry) => seen.get(entry.name) !== entry.updatedDate);
      for (const entry of fresh) seen.set(entry.name, entry.updatedDate);

      await runPool(fresh, this.#config.fileConcurrency, run, async (entry) => {
        let file: SessionFile;
        try {
          const result = await this.readFile({ sessionKey, fileName: entry.name, oAuthToken: token, ...signalOf(options) });
          token = this.#keeper.latest(result.oAuthToken);
          file = result.file;
        } catch (error) {
          // Fatal for the whole read: consent is needed, or the caller gave up. Anything else is this file's.
          if (error instanceof OAuthTokenExpiredError || error instanceof AbortedError || !(error instanceof Error)) {
            throw error;
          }
          if (!run.stopped) failures.set(entry.name, { fileName: entry.name, error });
          return;
        }
        if (run.stopped) return;
        files.set(entry.name, file);
        failures.delete(entry.name);
        options.onFile?.(file);
      });

      token = this.#keeper.latest(token);
      const state = list.status.state;
      options.onProgress?.({
        state,
        status: list.status,
        fileList: list.fileList,
        filesRead: files.size,
        filesTotal: seen.size,
        poll,
      });
      if (state === 'completed' || state === 'partial') {
        return { files: [...files.values()], status: list.status, failures: [...failures.values()], oAuthToken: token };
      }
      if (performance.now() >= deadline) {
        throw new PollTimeoutError(`Session ${sessionKey} is still ${state} after ${Math.round(timeoutMs)} ms`);
      }
      try {
        await this.#config.sleep(interval, options.signal);
      } catch (error) {
        if (options.signal?.aborted) throw new AbortedError({ cause: error });
        throw error;
      }
    }
  }

  /** Removes the user (every token, consent and session of this contract). */
  async deleteUser(options: TokenCallOptions): Promise<void> {
    const token = parseStoredToken(options.oAuthToken);
    await this.#withAccessToken(token, options.signal, (accessToken) =>
      deleteUser(this.#http, { baseUrl: this.#config.baseUrl, accessToken, signal: options.signal }),
    );
  }

  /**
   * A new token now, whatever the expiry says. Concurrent calls for the same token share one
   * refresh; fails with `OAuthTokenExpired` when the refresh token is no longer valid.
   */
  async refreshToken(oAuthToken: OAuthToken, options: { signal?: AbortSignal } = {}): Promise<OAuthToken> {
    return this.#keeper.refresh(parseStoredToken(oAuthToken), options.signal);
  }

  /** Until the session's expiry (by the client clock, measured from now) when known, else one hour. */
  #defaultReadAllTimeout(sessionKey: string): number {
    const expiry = this.#sessionExpiry.get(sessionKey);
    const left = expiry === undefined ? 0 : expiry - this.#config.now();
    return left > 0 ? left : DEFAULT_READ_ALL_TIMEOUT_MS;
  }

  /**
   * Runs `call` with a usable access token: refreshed first when expired (proactive), refreshed
   * and retried once when refused with 401 (reactive). Concurrent callers share the refresh.
   */
  async #withAccessToken<T>(
    token: OAuthToken,
    signal: AbortSignal | undefined,
    call: (accessToken: string) => Promise<T>,
  ): Promise<{ value: T; token: OAuthToken }> {
    throwIfAborted(signal);
    const current = await this.#keeper.usable(token, signal);
    try {
      return { value: await call(current.accessToken.value), token: current };
    } catch (error) {
      if (!isAccessTokenRejection(error)) throw error;
    }
    throwIfAborted(signal);
    const next = await this.#keeper.refresh(current, signal);
    try {
      return { value: await call(next.accessToken.value), token: next };
    } catch (error) {
      if (isAccessTokenRejection(error)) {
        throw new InvalidTokenError('The access token was refused even after a refresh', { cause: error });
      }
      throw error;
    }
  }

  async #trigger(accessToken: string, options: AuthorizeOngoingAccessOptions): Promise<Session> {
    const session = await triggerSession(this.#http, {
      baseUrl: this.#config.baseUrl,
      agent: this.#config.agent,
      accessToken,
      scope: options.scope,
      sessionOptions: options.sessionOptions,
      signal: options.signal,
    });
    this.#sessionExpiry.set(session.key, session.expiry);
    while (this.#sessionExpiry.size > SESSION_MEMORY) {
      const oldest = this.#sessionExpiry.keys().next();
      if (oldest.done) break;
      this.#sessionExpiry.delete(oldest.value);
    }
    return session;
  }

  /**
   * One consent for every concurrent call whose token (or its successor) needs one: keyed by the
   * latest access token known for `stored`. The consent runs with the first caller's options and
   * signal; each caller's wait races its own signal.
   */
  #sharedConsent(
    options: AuthorizeOngoingAccessOptions,
    stored: OAuthToken,
  ): Promise<{ token: OAuthToken; accountReference: string | undefined }> {
    const previous = this.#keeper.latest(stored);
    const key = previous.accessToken.value;
    let pending = this.#consents.get(key);
    if (!pending) {
      pending = this.#consent(options, previous, [stored]).finally(() => this.#consents.delete(key));
      pending.catch(() => undefined);
      this.#consents.set(key, pending);
    }
    return raceSignal(pending, options.signal);
  }

  async #consent(
    options: AuthorizeOngoingAccessOptions,
    previous: OAuthToken | undefined,
    also: readonly OAuthToken[],
  ): Promise<{ token: OAuthToken; accountReference: string | undefined }> {
    const handler = this.#config.consentHandler;
    if (!handler) {
      throw new ConfigurationError([{ path: 'consentHandler', message: 'is required to run consent' }]);
    }
    const pkce = createPkce();
    const state = randomAlphanumeric(32);
    const { preauthorizationCode } = await authorize(this.#oauth, {
      pkce,
      state,
      scope: options.scope,
      signal: options.signal,
    });
    const url = consentPageUrl(this.#config.onboardUrl, preauthorizationCode, {
      serviceId: options.serviceId,
      lng: options.lng,
    });
    let raw: unknown;
    try {
      raw = await handler({
        url,
        redirectUri: this.#config.redirectUri,
        state,
        fetch: this.#config.fetch,
        ...signalOf(options),
      });
    } catch (error) {
      if (options.signal?.aborted) throw new AbortedError({ cause: error });
      if (error instanceof DigimeError) throw error;
      throw new ConsentFailedError(
        'HandlerFailed',
        `The consent handler failed: ${(error as Error)?.message ?? String(error)}`,
        { cause: error },
      );
    }
    const redirect = toRedirect(raw);
    if (!redirect.success) {
      if (REFUSAL_CODES.has(redirect.errorCode)) throw new ConsentDeniedError(redirect.errorCode, redirect.errorMessage);
      throw new ConsentFailedError(
        redirect.errorCode,
        `Consent failed: ${redirect.errorCode}${redirect.errorMessage ? ` (${redirect.errorMessage})` : ''}`,
      );
    }
    if (redirect.state !== state) {
      throw new ConsentFailedError('StateMismatch', 'The consent redirect does not carry the state this client sent');
    }
    const token = await exchangeCode(this.#oauth, {
      code: redirect.code,
      codeVerifier: pkce.codeVerifier,
      signal: options.signal,
    });
    // The consent token replaces the latest token known for `previous` and the stored one itself.
    await this.#keeper.replace(previous === undefined ? undefined : this.#keeper.latest(previous), token, 'consent', also);
    return { token, accountReference: redirect.accountReference };
  }
}

/** Creates a client; throws `ConfigurationError` (code `InvalidConfiguration`) for bad options. */
export function createDigimeClient(options: DigimeClientOptions): DigimeClient {
  return new DigimeClient(options);
}

function toRedirect(raw: unknown): ConsentRedirect {
  if (typeof raw === 'string' || raw instanceof URL) return parseConsentRedirect(raw);
  if (isRecord(raw) && raw.success === true && typeof raw.code === 'string') return raw as unknown as ConsentRedirect;
  if (isRecord(raw) && raw.success === false && typeof raw.errorCode === 'string') return raw as unknown as ConsentRedirect;
  throw new ConsentFailedError('InvalidHandlerResult', 'The consent handler returned neither a redirect URL nor its parameters');
}

function requireString(value: unknown, name: string): string {
  if (typeof value !== 'string' || value === '') {
    throw new InvalidArgumentError([{ path: name, message: 'must be a non-empty string' }]);
  }
  return value;
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new AbortedError({ cause: signal.reason });
}

function signalOf(options: { signal?: AbortSignal | undefined }): { signal?: AbortSignal } {
  return options.signal ? { signal: options.signal } : {};
}

/**
 * Runs `work` over `items`, `concurrency` at a time. The first error stops the pool: `run.stopped`
 * is set, so no worker takes a new item, and the promise rejects with that error.
 */
async function runPool<T>(
  items: readonly T[],
  concurrency: number,
  run: { stopped: boolean },
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (!run.stopped && next < items.length) {
      const item = items[next++] as T;
      try {
        await work(item);
      } catch (error) {
        run.stopped = true;
        throw error;
      }
    }
  });
  await Promise.all(workers);
}
