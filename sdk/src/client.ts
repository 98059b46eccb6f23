import { z } from 'zod';
import {
  checkOptions,
  consentPageFields,
  functionField,
  nonEmptyString,
  plainJson,
  scopeField,
  sessionOptionsField,
  signalField,
  timerMs,
} from './arguments.js';
import { resolveConfig } from './config.js';
import type { DigimeClientOptions, ResolvedConfig } from './config.js';
import { approvedRedirect, handlerRedirect, onboardedAccount } from './consent/callback.js';
import { callbackParams, parseConsentRedirect } from './consent/redirect.js';
import type { ConsentCallback } from './consent/redirect.js';
import type { ConsentRedirect } from './consent/types.js';
import {
  AbortedError,
  CallbackFailedError,
  ConfigurationError,
  ConsentFailedError,
  DigimeError,
  InvalidArgumentError,
  InvalidTokenError,
  messageOf,
  OAuthTokenExpiredError,
  PollTimeoutError,
  ServerError,
  UnexpectedResponseError,
} from './errors.js';
import { isAccessTokenRejection } from './http.js';
import type { HttpContext } from './http.js';
import { createReference, deleteAccount, revokeAccountPermissionUrl } from './account-management.js';
import {
  fetchContractDetails,
  fetchIdList,
  fetchSampleDataSets,
  fetchSources,
  idQueryBodyParamsSchema,
  sourcesBodyParamsSchema,
} from './discovery.js';
import type {
  Category,
  ContractDetails,
  Country,
  IdQueryBodyParams,
  Platform,
  QuerySourcesResult,
  SampleDataSets,
  SourcesBodyParams,
} from './discovery.js';
import { fetchFile, fetchFileMetadata } from './files.js';
import type { FileMetadataResult, SessionFile } from './files.js';
import { fetchPortabilityReport } from './portability.js';
import { pushToLibrary, pushToProvider } from './push.js';
import type { FileDescriptor } from './push.js';
import {
  createProvisionalStorage,
  deleteStorageFiles,
  downloadStorageFile,
  fetchUserStorage,
  listStorageFiles,
  uploadStorageFile,
} from './storage.js';
import type { CloudContext, Storage, StorageFile } from './storage.js';
import { authorize, consentPageUrl, exchangeCode, refreshToken, tokenReference } from './oauth.js';
import type { ConsentPageOptions, OAuthContext } from './oauth.js';
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

export interface ReadFileOptions extends SessionCallOptions {
  fileName: string;
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

export interface GetAuthorizeUrlOptions extends ConsentPageOptions {
  /** Narrows what consent asks for and the session it opens. */
  scope?: Scope;
  /** A provisional storage (`createProvisionalStorage`) the user's consent makes theirs. */
  storageId?: string;
  /** Further options of the session consent opens (`limits`, `sourceFetch`, `sourceFetchFilter`). */
  sessionOptions?: SessionOptions;
  signal?: AbortSignal;
}

/**
 * The first step of consent across requests: where to send the user, and what to keep until the
 * callback. Plain JSON: keep it where the callback will find it (a session store, an encrypted
 * cookie), so that another instance, or this one after a restart, can finish.
 */
export interface AuthorizeUrl {
  /** The consent page; send the user's browser here. */
  url: string;
  /** The PKCE verifier for `exchangeCodeForToken`. A secret: keep it server-side or encrypted. */
  codeVerifier: string;
  /** The state the callback must carry (checked by `exchangeCodeForToken`). */
  state: string;
  /** The data session digi.me opened with this consent; readable with the new token once consent is given. */
  session: Session;
}

export interface GetReauthorizeUrlOptions {
  /** The stored token; its access token may have expired (it only names the consent to renew). */
  oAuthToken: OAuthToken;
  scope?: Scope;
  sessionOptions?: SessionOptions;
  /** Language of the consent page. */
  lng?: string;
  /** `false`: do not sync the accounts' data in the session. */
  triggerQuery?: boolean;
  signal?: AbortSignal;
}

export interface ExchangeCodeForTokenOptions {
  /** The callback: the URL digi.me redirected to (or its query string, `URLSearchParams`, the parsed query). */
  callback: ConsentCallback;
  /** `codeVerifier` as `getAuthorizeUrl` (or `getReauthorizeUrl`) returned it. */
  codeVerifier: string;
  /** `state` as `getAuthorizeUrl` (or `getReauthorizeUrl`) returned it. */
  state: string;
  /** Not used: accepted so that the whole `AuthorizeUrl` can be passed back (`{ callback, ...kept }`). */
  url?: string;
  /** Not used, as `url`. */
  session?: Session;
  signal?: AbortSignal;
}

export interface GetOnboardServiceUrlOptions extends ConsentPageOptions {
  /** The stored token: the consent that gains the service. Refreshed first when its access token has expired. */
  oAuthToken: OAuthToken;
  scope?: Scope;
  sessionOptions?: SessionOptions;
  signal?: AbortSignal;
}

/** The first step of onboarding another service; plain JSON, like `AuthorizeUrl`. */
export interface OnboardServiceUrl {
  /** The onboarding page; send the user's browser here. */
  url: string;
  /** The state the callback must carry (checked by `completeOnboardService`). */
  state: string;
  /** A data session of the consent; it sees the new account once it is onboarded. */
  session: Session;
  /** The token in force (refreshed when needed): store it in place of the one passed in. */
  oAuthToken: OAuthToken;
}

export interface CompleteOnboardServiceOptions {
  /** The callback, as for `exchangeCodeForToken`. */
  callback: ConsentCallback;
  /** `state` as `getOnboardServiceUrl` returned it. */
  state: string;
  /** Not used: accepted so that the whole `OnboardServiceUrl` can be passed back. */
  url?: string;
  session?: Session;
  oAuthToken?: OAuthToken;
}

/** Options of a call that needs no user: the app's own key signs it. */
export interface AppCallOptions {
  signal?: AbortSignal;
}

export interface QuerySourcesOptions extends AppCallOptions {
  /** Paging, sorting, search and filters; without a `type` or `publishedStatus` filter, approved pull sources. */
  sourcesBodyParams?: SourcesBodyParams;
}

export interface QueryCountriesOptions extends AppCallOptions {
  countriesBodyParams?: IdQueryBodyParams;
}

export interface QueryPlatformsOptions extends AppCallOptions {
  platformsBodyParams?: IdQueryBodyParams;
}

export interface QueryCategoriesOptions extends AppCallOptions {
  categoriesBodyParams?: IdQueryBodyParams;
}

export interface GetServiceSampleDataSetsOptions extends AppCallOptions {
  /** A source of the catalogue (`querySources`). */
  sourceId: number;
}

export interface AccountCallOptions extends TokenCallOptions {
  /** One of the user's accounts (`readAccounts`' `id`). */
  accountId: string;
}

export interface GetRevokeAccountPermissionUrlOptions extends AccountCallOptions {
  /** Where the revoke page sends the user back; the client's `redirectUri` when left out. */
  redirectUri?: string;
}

export interface GetReauthorizeAccountUrlOptions extends AccountCallOptions {
  /** Language of the page. */
  lng?: string;
}

/** The page to re-authorise one account, and what to keep until the callback; plain JSON. */
export interface ReauthorizeAccountUrl {
  url: string;
  /** The state the callback carries (`completeOnboardService({ callback, state })` checks it). */
  state: string;
  /** A data session of the consent; it syncs the account again once it is re-authorised. */
  session: Session;
  oAuthToken: OAuthToken;
}

export interface GetPortabilityReportOptions extends TokenCallOptions {
  /** digi.me reports on MedMij only. */
  serviceType: 'medmij';
  /** `xml`, the only format (the default). */
  format?: 'xml';
  /** Start of the period, Unix seconds; open when left out. */
  from?: number;
  /** End of the period, Unix seconds; open when left out. */
  to?: number;
}

export interface PushDataToLibraryOptions extends TokenCallOptions {
  type: 'library';
  data: {
    /** The file's bytes, sent as they are. */
    fileData: Uint8Array;
    /** Not sent (digi.me names pushed files itself); accepted for the official SDK's shape. */
    fileName?: string;
    fileDescriptor: FileDescriptor;
  };
}

export interface PushDataToProviderOptions extends TokenCallOptions {
  type: 'provider';
  /** The resource (a FHIR resource, a JSON object). */
  data: Record<string, unknown>;
  /** The user's account at the provider (a push source). */
  accountId: string;
  /** `fhir` (the default), the only standard. */
  standard?: 'fhir';
  version: 'stu3' | '3.0.2';
}

export type PushDataOptions = PushDataToLibraryOptions | PushDataToProviderOptions;

export interface StorageCallOptions extends AppCallOptions {
  /** From `createProvisionalStorage` or `getUserStorage`. */
  storageId: string;
}

export interface ListStorageFilesOptions extends StorageCallOptions {
  /** A folder below the app's own (`photos/2024`); the app's folder itself when left out. */
  path?: string;
  /** Also the files in the folders below. */
  recursive?: boolean;
}

export interface UploadFileToStorageOptions extends StorageCallOptions {
  fileData: Uint8Array;
  fileName: string;
  /** The folder; the app's own when left out. */
  path?: string;
}

export interface StorageFileOptions extends StorageCallOptions {
  /** A file (`photos/cat.jpg`), or for `deleteStorageFiles` also a folder ending in `/`. */
  path: string;
}

/** Consent started: `AuthorizeUrl`, before the session is known to be there. */
interface StartedConsent {
  url: string;
  codeVerifier: string;
  state: string;
  session: Session | undefined;
}

// ---- What each call accepts (docs: sdk/README.md). Unknown keys are refused (see arguments.ts). ----

/** A stored token, checked where it appears; `parseStoredToken` names the bad fields. */
const tokenField = z.unknown().superRefine((value, ctx) => {
  try {
    parseStoredToken(value, '');
  } catch (error) {
    if (!(error instanceof InvalidArgumentError)) throw error;
    for (const issue of error.issues) ctx.addIssue({ code: 'custom', message: issue.message, path: issue.path ? issue.path.split('.') : [] });
  }
});
const optionalTokenField = tokenField.optional();

/** A callback, in any of the forms `callbackParams` reads. */
const callbackField = z.unknown().superRefine((value, ctx) => {
  try {
    callbackParams(value);
  } catch (error) {
    if (!(error instanceof InvalidArgumentError)) throw error;
    ctx.addIssue({ code: 'custom', message: error.issues[0]?.message ?? 'is not a callback' });
  }
});

/** A PKCE verifier (RFC 7636): what `getAuthorizeUrl` returned. */
const codeVerifierField = z
  .string()
  .regex(/^[A-Za-z0-9._~-]{43,128}$/, 'must be the codeVerifier getAuthorizeUrl returned (43 to 128 characters of A-Z a-z 0-9 . _ ~ -)');

const tokenCall = { oAuthToken: tokenField, signal: signalField };
const sessionCall = { ...tokenCall, sessionKey: nonEmptyString };
const appCall = { signal: signalField };
const accountCall = { ...tokenCall, accountId: nonEmptyString };
const storageCall = { storageId: nonEmptyString, signal: signalField };

/** Bytes to send: retried requests send them again, which a stream could not. */
const bytesField = z.custom<Uint8Array>((v) => v instanceof Uint8Array, {
  message: 'must be a Uint8Array (or Buffer) holding the whole file, not a stream',
});
/** digi.me's storage paths take no spaces (docs/protocol.md §9.6). */
const noSpaces = (what: string) => z.string().regex(/^\S*$/, `must be ${what} without spaces`);
const storageFolder = noSpaces('a folder path');
const storagePath = noSpaces('a path').min(1, 'must be a non-empty path');
const storageFileName = noSpaces('a file name')
  .min(1, 'must be a non-empty file name')
  .regex(/^[^/]*$/, 'must be a file name without /: put the folder in path');
const unixSeconds = z.number().finite().nonnegative().max(8.64e12);
const fileDescriptorField = plainJson(
  z.looseObject({
    mimeType: nonEmptyString,
    accounts: z.array(z.looseObject({ accountId: nonEmptyString })).min(1, 'must name at least one account'),
    reference: z.array(z.string()).optional(),
    tags: z.array(z.string()).optional(),
  }),
);

const SHAPES = {
  authorizeOngoingAccess: {
    oAuthToken: optionalTokenField,
    scope: scopeField.optional(),
    sessionOptions: sessionOptionsField.optional(),
    serviceId: consentPageFields.serviceId,
    lng: consentPageFields.lng,
    signal: signalField,
  },
  readAccounts: tokenCall,
  readFileList: sessionCall,
  readFile: { ...sessionCall, fileName: nonEmptyString },
  readAllFiles: {
    ...sessionCall,
    onProgress: functionField('a function (progress) => void').optional(),
    onFile: functionField('a function (file) => void').optional(),
    pollIntervalMs: timerMs.optional(),
    timeoutMs: z.number().finite().nonnegative().optional(),
  },
  deleteUser: tokenCall,
  refreshToken: { signal: signalField },
  getAuthorizeUrl: {
    scope: scopeField.optional(),
    sessionOptions: sessionOptionsField.optional(),
    ...consentPageFields,
    storageId: nonEmptyString.optional(),
    signal: signalField,
  },
  getReauthorizeUrl: {
    oAuthToken: tokenField,
    scope: scopeField.optional(),
    sessionOptions: sessionOptionsField.optional(),
    lng: consentPageFields.lng,
    triggerQuery: consentPageFields.triggerQuery,
    signal: signalField,
  },
  getOnboardServiceUrl: {
    oAuthToken: tokenField,
    scope: scopeField.optional(),
    sessionOptions: sessionOptionsField.optional(),
    ...consentPageFields,
    signal: signalField,
  },
  exchangeCodeForToken: {
    callback: callbackField,
    codeVerifier: codeVerifierField,
    state: nonEmptyString,
    // The rest of what getAuthorizeUrl returned, so the whole kept object can be passed back.
    url: z.string().optional(),
    session: z.object({ key: z.string(), expiry: z.number() }).optional(),
    signal: signalField,
  },
  completeOnboardService: {
    callback: callbackField,
    state: nonEmptyString,
    // The rest of what getOnboardServiceUrl returned, as for exchangeCodeForToken.
    url: z.string().optional(),
    session: z.object({ key: z.string(), expiry: z.number() }).optional(),
    oAuthToken: optionalTokenField,
  },
  getContractDetails: appCall,
  querySources: { sourcesBodyParams: plainJson(sourcesBodyParamsSchema).optional(), ...appCall },
  queryCountries: { countriesBodyParams: plainJson(idQueryBodyParamsSchema).optional(), ...appCall },
  queryPlatforms: { platformsBodyParams: plainJson(idQueryBodyParamsSchema).optional(), ...appCall },
  queryCategories: { categoriesBodyParams: plainJson(idQueryBodyParamsSchema).optional(), ...appCall },
  getServiceSampleDataSets: { sourceId: z.number().int().nonnegative(), ...appCall },
  deleteAccount: accountCall,
  getRevokeAccountPermissionUrl: { ...accountCall, redirectUri: z.string().refine((v) => URL.canParse(v), 'must be an absolute URL').optional() },
  getReauthorizeAccountUrl: { ...accountCall, lng: consentPageFields.lng },
  readFileMetadata: { ...sessionCall, fileName: nonEmptyString },
  getPortabilityReport: {
    ...tokenCall,
    serviceType: z.literal('medmij', { message: "must be 'medmij', the only service type digi.me reports on" }),
    format: z.literal('xml', { message: "must be 'xml', the only format" }).optional(),
    from: unixSeconds.optional(),
    to: unixSeconds.optional(),
  },
  pushDataToLibrary: {
    ...tokenCall,
    type: z.literal('library', { message: "must be 'library' or 'provider'" }),
    data: z.strictObject({ fileData: bytesField, fileName: z.string().optional(), fileDescriptor: fileDescriptorField }),
  },
  pushDataToProvider: {
    ...tokenCall,
    type: z.literal('provider'),
    data: plainJson(z.record(z.string(), z.unknown())),
    accountId: nonEmptyString,
    standard: z.literal('fhir', { message: "must be 'fhir', the only standard" }).optional(),
    version: z.enum(['stu3', '3.0.2'], { message: "must be 'stu3' or '3.0.2'" }),
  },
  createProvisionalStorage: appCall,
  getUserStorage: tokenCall,
  listStorageFiles: { ...storageCall, path: storageFolder.optional(), recursive: z.boolean().optional() },
  uploadFileToStorage: { ...storageCall, fileData: bytesField, fileName: storageFileName, path: storageFolder.optional() },
  downloadStorageFile: { ...storageCall, path: storagePath.regex(/[^/]$/, 'must be the path of a file (a folder ends in /)') },
  deleteStorageFiles: { ...storageCall, path: storagePath },
} satisfies Record<string, z.ZodRawShape>;

/** Hints for keys a call does not know, where the general ones would mislead. */
const NEW_CONSENT_HINTS = {
  oAuthToken: 'getAuthorizeUrl starts a new consent; to renew the consent of a stored token use getReauthorizeUrl({ oAuthToken })',
  userAccessToken: 'getAuthorizeUrl starts a new consent; to renew the consent of a stored token use getReauthorizeUrl({ oAuthToken })',
};

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
  readonly #cloud: CloudContext;
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
    this.#cloud = {
      http: this.#http,
      cloudBaseUrl: config.cloudBaseUrl,
      appId: config.appId,
      contractId: config.contractId,
      privateKey: config.privateKey,
    };
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
  async authorizeOngoingAccess(options?: AuthorizeOngoingAccessOptions): Promise<AuthorizeOngoingAccessResult> {
    options = checkOptions<AuthorizeOngoingAccessOptions>('authorizeOngoingAccess', options, SHAPES.authorizeOngoingAccess, {
      optional: true,
    });
    const stored = options.oAuthToken;
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
    options = checkOptions<TokenCallOptions>('readAccounts', options, SHAPES.readAccounts);
    const { value, token: inForce } = await this.#withAccessToken(options.oAuthToken, options.signal, (accessToken) =>
      fetchAccounts(this.#http, { baseUrl: this.#config.baseUrl, accessToken, signal: options.signal }),
    );
    return { accounts: value, oAuthToken: inForce };
  }

  /** The session's sync status and the files listed so far. */
  async readFileList(
    options: SessionCallOptions,
  ): Promise<{ status: FileList['status']; fileList: FileListEntry[]; oAuthToken: OAuthToken }> {
    options = checkOptions<SessionCallOptions>('readFileList', options, SHAPES.readFileList);
    const { sessionKey } = options;
    const { value, token: inForce } = await this.#withAccessToken(options.oAuthToken, options.signal, (accessToken) =>
      fetchFileList(this.#http, { baseUrl: this.#config.baseUrl, sessionKey, accessToken, signal: options.signal }),
    );
    return { status: value.status, fileList: value.fileList ?? [], oAuthToken: inForce };
  }

  /** One file of the session: decrypted, decompressed, parsed, with its metadata. */
  async readFile(options: ReadFileOptions): Promise<{ file: SessionFile; oAuthToken: OAuthToken }> {
    options = checkOptions<ReadFileOptions>('readFile', options, SHAPES.readFile);
    const { sessionKey, fileName } = options;
    const { value, token: inForce } = await this.#withAccessToken(options.oAuthToken, options.signal, (accessToken) =>
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
    options = checkOptions<ReadAllFilesOptions>('readAllFiles', options, SHAPES.readAllFiles);
    const run = { stopped: false };
    try {
      return await this.#readAllFiles(options, run);
    } finally {
      // Workers still finishing a download after a failure must not call onFile any more.
      run.stopped = true;
    }
  }

  async #readAllFiles(options: ReadAllFilesOptions, run: { stopped: boolean }): Promise<ReadAllFilesResult> {
    let token = options.oAuthToken;
    const { sessionKey } = options;
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
        if (options.onFile) callApp('onFile', options.onFile, file);
      });

      token = this.#keeper.latest(token);
      const state = list.status.state;
      if (options.onProgress) {
        callApp('onProgress', options.onProgress, {
          state,
          status: list.status,
          fileList: list.fileList,
          filesRead: files.size,
          filesTotal: seen.size,
          poll,
        });
      }
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
    options = checkOptions<TokenCallOptions>('deleteUser', options, SHAPES.deleteUser);
    await this.#withAccessToken(options.oAuthToken, options.signal, (accessToken) =>
      deleteUser(this.#http, { baseUrl: this.#config.baseUrl, accessToken, signal: options.signal }),
    );
  }

  /**
   * A new token now, whatever the expiry says. Concurrent calls for the same token share one
   * refresh; fails with `OAuthTokenExpired` when the refresh token is no longer valid.
   */
  async refreshToken(oAuthToken: OAuthToken, options?: { signal?: AbortSignal }): Promise<OAuthToken> {
    const token = parseRefreshArgument(oAuthToken);
    const { signal } = checkOptions<{ signal?: AbortSignal }>('refreshToken', options, SHAPES.refreshToken, { optional: true });
    return this.#keeper.refresh(token, signal);
  }

  /**
   * Consent across requests, step one (for web apps): starts consent and returns the consent page
   * URL with what to keep until the callback (`codeVerifier`, `state`, `session`), as plain JSON.
   * Step two is `exchangeCodeForToken`, on this instance or any other of the same contract.
   */
  async getAuthorizeUrl(options?: GetAuthorizeUrlOptions): Promise<AuthorizeUrl> {
    const o = checkOptions<GetAuthorizeUrlOptions>('getAuthorizeUrl', options, SHAPES.getAuthorizeUrl, {
      optional: true,
      hints: NEW_CONSENT_HINTS,
    });
    throwIfAborted(o.signal);
    const started = await this.#startConsent(o);
    return { ...started, session: requireSession(started.session, 'oauth/authorize') };
  }

  /**
   * Renews the consent behind a stored token (after `OAuthTokenExpired`, when the refresh token has
   * expired), step one: a token reference with PKCE (docs/protocol.md §4.5) and the `user-reauth`
   * page's URL, with what to keep, as `getAuthorizeUrl`. The access token may have expired: it only
   * names the consent, so it is sent as stored, without a refresh. Step two is
   * `exchangeCodeForToken`, which yields a new token for the same consent and user. A token digi.me
   * no longer knows (revoked, user deleted) fails with `InvalidToken`: only a new consent
   * (`getAuthorizeUrl`) can help then.
   */
  async getReauthorizeUrl(options: GetReauthorizeUrlOptions): Promise<AuthorizeUrl> {
    const o = checkOptions<GetReauthorizeUrlOptions>('getReauthorizeUrl', options, SHAPES.getReauthorizeUrl);
    throwIfAborted(o.signal);
    const pkce = createPkce();
    const state = randomAlphanumeric(32);
    let reference: Awaited<ReturnType<typeof tokenReference>>;
    try {
      reference = await tokenReference(this.#oauth, {
        accessToken: this.#keeper.latest(o.oAuthToken).accessToken.value,
        state,
        pkce,
        scope: o.scope,
        sessionOptions: o.sessionOptions,
        signal: o.signal,
      });
    } catch (error) {
      if (error instanceof ServerError && error.status === 401 && error.serverCode === 'InvalidToken') {
        throw new InvalidTokenError('digi.me no longer knows this token, so its consent cannot be renewed; start a new consent with getAuthorizeUrl', {
          cause: error,
        });
      }
      throw error;
    }
    return {
      url: consentPageUrl(this.#config.onboardUrl, 'user-reauth', reference.referenceCode, { lng: o.lng, triggerQuery: o.triggerQuery }),
      codeVerifier: pkce.codeVerifier,
      state,
      session: requireSession(reference.session, 'oauth/token/reference'),
    };
  }

  /**
   * Consent across requests, step two (for web apps): reads digi.me's callback, checks it carries
   * the `state` kept from step one, and exchanges its code (with the kept `codeVerifier`) for the
   * user's `OAuthToken`, verified like every server token. A refusal fails with `ConsentDenied`,
   * a callback for another consent with `ConsentFailed` (`StateMismatch`). `onTokenChange` is told
   * (reason `consent`). Store the token.
   */
  async exchangeCodeForToken(options: ExchangeCodeForTokenOptions): Promise<OAuthToken> {
    const o = checkOptions<ExchangeCodeForTokenOptions>('exchangeCodeForToken', options, SHAPES.exchangeCodeForToken);
    throwIfAborted(o.signal);
    const { token } = await this.#finishConsent(parseConsentRedirect(o.callback), o, o.signal);
    await this.#keeper.replace(undefined, token, 'consent');
    return token;
  }

  /**
   * Onboarding another service into the consent of a stored token, step one: the onboarding page
   * URL, and what to keep until the callback (`state`). Refreshes the access token when needed
   * (return `oAuthToken` replaces the stored one); fails with `OAuthTokenExpired` when the refresh
   * token has expired (renew the consent first: `getReauthorizeUrl`). Step two is
   * `completeOnboardService`.
   */
  async getOnboardServiceUrl(options: GetOnboardServiceUrlOptions): Promise<OnboardServiceUrl> {
    const o = checkOptions<GetOnboardServiceUrlOptions>('getOnboardServiceUrl', options, SHAPES.getOnboardServiceUrl);
    const state = randomAlphanumeric(32);
    const { value, token } = await this.#withAccessToken(o.oAuthToken, o.signal, (accessToken) =>
      tokenReference(this.#oauth, { accessToken, state, scope: o.scope, sessionOptions: o.sessionOptions, signal: o.signal }),
    );
    return {
      url: consentPageUrl(this.#config.onboardUrl, 'onboard', value.referenceCode, o),
      state,
      session: requireSession(value.session, 'oauth/token/reference'),
      oAuthToken: token,
    };
  }

  /**
   * Onboarding another service, step two: reads digi.me's callback and checks its `state`. The
   * consent's tokens stay as they were; `accountReference` is the account onboarded, when digi.me
   * says. A refusal fails with `ConsentDenied`.
   */
  async completeOnboardService(options: CompleteOnboardServiceOptions): Promise<{ accountReference: string | undefined }> {
    const o = checkOptions<CompleteOnboardServiceOptions>('completeOnboardService', options, SHAPES.completeOnboardService);
    return onboardedAccount(o.callback, o.state);
  }

  // ---- Calls that need no user: the app's key signs them, so there is no token to refresh ----

  /** The contract this client speaks for, as digi.me describes it (docs/protocol.md §9.1). */
  async getContractDetails(options?: AppCallOptions): Promise<ContractDetails> {
    const o = checkOptions<AppCallOptions>('getContractDetails', options, SHAPES.getContractDetails, { optional: true });
    throwIfAborted(o.signal);
    return fetchContractDetails(this.#http, this.#config.baseUrl, o.signal);
  }

  /**
   * digi.me's sources, paged. Without a `type` or `publishedStatus` filter in `sourcesBodyParams`,
   * approved pull sources (as the official SDK asks).
   */
  async querySources(options?: QuerySourcesOptions): Promise<QuerySourcesResult> {
    const o = checkOptions<QuerySourcesOptions>('querySources', options, SHAPES.querySources, { optional: true });
    throwIfAborted(o.signal);
    return fetchSources(this.#http, this.#config.baseUrl, o.sourcesBodyParams, o.signal);
  }

  /** The countries sources are in (all, or those `countriesBodyParams.query.filter.id` lists). */
  async queryCountries(options?: QueryCountriesOptions): Promise<{ data: Country[] }> {
    const o = checkOptions<QueryCountriesOptions>('queryCountries', options, SHAPES.queryCountries, { optional: true });
    throwIfAborted(o.signal);
    return fetchIdList<Country>(this.#http, this.#config.baseUrl, 'countries', o.countriesBodyParams, o.signal);
  }

  /** The platforms sources run on. */
  async queryPlatforms(options?: QueryPlatformsOptions): Promise<{ data: Platform[] }> {
    const o = checkOptions<QueryPlatformsOptions>('queryPlatforms', options, SHAPES.queryPlatforms, { optional: true });
    throwIfAborted(o.signal);
    return fetchIdList<Platform>(this.#http, this.#config.baseUrl, 'platforms', o.platformsBodyParams, o.signal);
  }

  /** The categories of sources. */
  async queryCategories(options?: QueryCategoriesOptions): Promise<{ data: Category[] }> {
    const o = checkOptions<QueryCategoriesOptions>('queryCategories', options, SHAPES.queryCategories, { optional: true });
    throwIfAborted(o.signal);
    return fetchIdList<Category>(this.#http, this.#config.baseUrl, 'categories', o.categoriesBodyParams, o.signal);
  }

  /** A source's sample data sets, by id: what `getAuthorizeUrl({ sampleData: { dataSet } })` can onboard. */
  async getServiceSampleDataSets(options: GetServiceSampleDataSetsOptions): Promise<SampleDataSets> {
    const o = checkOptions<GetServiceSampleDataSetsOptions>('getServiceSampleDataSets', options, SHAPES.getServiceSampleDataSets);
    throwIfAborted(o.signal);
    return fetchSampleDataSets(this.#http, this.#config.baseUrl, o.sourceId, o.signal);
  }

  /** A storage of the app's own, before there is a user; `getAuthorizeUrl({ storageId })` hands it to the user who consents. */
  async createProvisionalStorage(options?: AppCallOptions): Promise<{ storage: Storage }> {
    const o = checkOptions<AppCallOptions>('createProvisionalStorage', options, SHAPES.createProvisionalStorage, { optional: true });
    throwIfAborted(o.signal);
    return { storage: await createProvisionalStorage(this.#http, this.#config.baseUrl, o.signal) };
  }

  // ---- Calls with the user's token: refreshed and retried as readAccounts is ----

  /** Removes one account from the user's library (for every app); the consent's other accounts stay. */
  async deleteAccount(options: AccountCallOptions): Promise<{ deleted: true; oAuthToken: OAuthToken }> {
    const o = checkOptions<AccountCallOptions>('deleteAccount', options, SHAPES.deleteAccount);
    const { token } = await this.#withAccessToken(o.oAuthToken, o.signal, (accessToken) =>
      deleteAccount(this.#http, { baseUrl: this.#config.baseUrl, accessToken, accountId: o.accountId, signal: o.signal }),
    );
    return { deleted: true, oAuthToken: token };
  }

  /**
   * The page where the user withdraws this app's access to one account (send the browser to
   * `location`); it redirects to `redirectUri` (the client's by default) with `result=success`, or
   * `result=failed`.
   */
  async getRevokeAccountPermissionUrl(options: GetRevokeAccountPermissionUrlOptions): Promise<{ location: string; oAuthToken: OAuthToken }> {
    const o = checkOptions<GetRevokeAccountPermissionUrlOptions>('getRevokeAccountPermissionUrl', options, SHAPES.getRevokeAccountPermissionUrl);
    const { value, token } = await this.#withAccessToken(o.oAuthToken, o.signal, (accessToken) =>
      revokeAccountPermissionUrl(this.#http, {
        baseUrl: this.#config.baseUrl,
        accessToken,
        accountId: o.accountId,
        redirectUri: o.redirectUri ?? this.#config.redirectUri,
        signal: o.signal,
      }),
    );
    return { location: value, oAuthToken: token };
  }

  /**
   * The page where the user re-authorises one account whose source asks for it (a sync that ended
   * `partial` with `reauth: true`): a token reference (docs/protocol.md §9.3), then a reference to
   * the account. The page redirects to the client's `redirectUri` with `success` and `state`, no
   * code: the consent's token stays as it was.
   */
  async getReauthorizeAccountUrl(options: GetReauthorizeAccountUrlOptions): Promise<ReauthorizeAccountUrl> {
    const o = checkOptions<GetReauthorizeAccountUrlOptions>('getReauthorizeAccountUrl', options, SHAPES.getReauthorizeAccountUrl);
    const state = randomAlphanumeric(32);
    const { value, token } = await this.#withAccessToken(o.oAuthToken, o.signal, (accessToken) =>
      tokenReference(this.#oauth, { accessToken, state, signal: o.signal }),
    );
    const accountRef = await createReference(this.#http, { baseUrl: this.#config.baseUrl, type: 'accountId', value: o.accountId, signal: o.signal });
    const url = new URL(`${this.#config.onboardUrl}reauthorize`);
    url.searchParams.set('code', value.referenceCode);
    url.searchParams.set('accountRef', accountRef);
    if (o.lng !== undefined) url.searchParams.set('lng', o.lng);
    return { url: url.href, state, session: requireSession(value.session, 'oauth/token/reference'), oAuthToken: token };
  }

  /** One file's metadata (and compression, `last-modified`) without its bytes: a `HEAD` request. */
  async readFileMetadata(options: ReadFileOptions): Promise<FileMetadataResult & { oAuthToken: OAuthToken }> {
    const o = checkOptions<ReadFileOptions>('readFileMetadata', options, SHAPES.readFileMetadata);
    const { value, token } = await this.#withAccessToken(o.oAuthToken, o.signal, (accessToken) =>
      fetchFileMetadata(this.#http, { baseUrl: this.#config.baseUrl, sessionKey: o.sessionKey, fileName: o.fileName, accessToken, signal: o.signal }),
    );
    return { ...value, oAuthToken: token };
  }

  /** The portability report of the user's data at a service type (MedMij), as XML text. */
  async getPortabilityReport(options: GetPortabilityReportOptions): Promise<{ file: string; oAuthToken: OAuthToken }> {
    const o = checkOptions<GetPortabilityReportOptions>('getPortabilityReport', options, SHAPES.getPortabilityReport);
    const { value, token } = await this.#withAccessToken(o.oAuthToken, o.signal, (accessToken) =>
      fetchPortabilityReport(this.#http, {
        baseUrl: this.#config.baseUrl,
        accessToken,
        serviceType: o.serviceType,
        format: o.format ?? 'xml',
        from: o.from,
        to: o.to,
        signal: o.signal,
      }),
    );
    return { file: value, oAuthToken: token };
  }

  /**
   * Writes for the user (the contract must write, `accessType: 'w'`): `type: 'library'` pushes a
   * file into their library, described by `fileDescriptor` (signed with the contract's key);
   * `type: 'provider'` hands a FHIR resource to their account at a provider (a push source).
   */
  async pushData(options: PushDataOptions): Promise<{ oAuthToken: OAuthToken }> {
    const provider = optionOf(options, 'type') === 'provider';
    const o = provider
      ? checkOptions<PushDataToProviderOptions>('pushData', options, SHAPES.pushDataToProvider)
      : checkOptions<PushDataToLibraryOptions>('pushData', options, SHAPES.pushDataToLibrary);
    const { baseUrl, privateKey } = this.#config;
    const { token } = await this.#withAccessToken(o.oAuthToken, o.signal, (accessToken) =>
      o.type === 'provider'
        ? pushToProvider(this.#http, {
            baseUrl,
            accessToken,
            accountId: o.accountId,
            standard: o.standard ?? 'fhir',
            version: o.version,
            data: o.data,
            signal: o.signal,
          })
        : pushToLibrary(this.#http, {
            baseUrl,
            accessToken,
            privateKey,
            fileData: o.data.fileData,
            fileDescriptor: o.data.fileDescriptor,
            signal: o.signal,
          }),
    );
    return { oAuthToken: token };
  }

  /** The user's storage (digi.me makes one the first time an app asks). */
  async getUserStorage(options: TokenCallOptions): Promise<{ storage: Storage; oAuthToken: OAuthToken }> {
    const o = checkOptions<TokenCallOptions>('getUserStorage', options, SHAPES.getUserStorage);
    const { value, token } = await this.#withAccessToken(o.oAuthToken, o.signal, (accessToken) =>
      fetchUserStorage(this.#http, { baseUrl: this.#config.baseUrl, accessToken, signal: o.signal }),
    );
    return { storage: value, oAuthToken: token };
  }

  // ---- The cloud: the app's folder in a storage, each call signed with a cloud token of the contract's ----

  /** The files in a folder of the app's (with `recursive`, also those below it); paths below the app's folder. */
  async listStorageFiles(options: ListStorageFilesOptions): Promise<{ files: StorageFile[]; total: number }> {
    const o = checkOptions<ListStorageFilesOptions>('listStorageFiles', options, SHAPES.listStorageFiles);
    throwIfAborted(o.signal);
    return listStorageFiles(this.#cloud, o);
  }

  /** Uploads a file (encrypted for the contract's own key) to `path` + `fileName`, replacing one there. */
  async uploadFileToStorage(options: UploadFileToStorageOptions): Promise<{ uploaded: true }> {
    const o = checkOptions<UploadFileToStorageOptions>('uploadFileToStorage', options, SHAPES.uploadFileToStorage);
    throwIfAborted(o.signal);
    await uploadStorageFile(this.#cloud, o);
    return { uploaded: true };
  }

  /** A file, decrypted. One that does not decrypt with the contract's key is `FileDecryptionError`. */
  async downloadStorageFile(options: StorageFileOptions): Promise<{ bytes: Buffer }> {
    const o = checkOptions<StorageFileOptions>('downloadStorageFile', options, SHAPES.downloadStorageFile);
    throwIfAborted(o.signal);
    return { bytes: await downloadStorageFile(this.#cloud, o) };
  }

  /** Deletes a file, or a folder (a path ending in `/`) with every file below it. */
  async deleteStorageFiles(options: StorageFileOptions): Promise<{ deleted: true }> {
    const o = checkOptions<StorageFileOptions>('deleteStorageFiles', options, SHAPES.deleteStorageFiles);
    throwIfAborted(o.signal);
    await deleteStorageFiles(this.#cloud, o);
    return { deleted: true };
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
    // The same two steps a web app takes across requests, with the handler in between. The session
    // options are the trigger's (below): consent itself is asked only for the scope.
    const { scope, serviceId, lng, signal } = options;
    const started = await this.#startConsent({ scope, serviceId, lng, signal });
    let raw: unknown;
    try {
      raw = await handler({
        url: started.url,
        redirectUri: this.#config.redirectUri,
        state: started.state,
        fetch: this.#config.fetch,
        ...signalOf(options),
      });
    } catch (error) {
      if (options.signal?.aborted) throw new AbortedError({ cause: error });
      if (error instanceof DigimeError) throw error;
      throw new ConsentFailedError(
        'HandlerFailed',
        `The consent handler failed: ${messageOf(error)}`,
        { cause: error },
      );
    }
    const result = await this.#finishConsent(handlerRedirect(raw), started, options.signal);
    // The consent token replaces the latest token known for `previous` and the stored one itself.
    await this.#keeper.replace(previous === undefined ? undefined : this.#keeper.latest(previous), result.token, 'consent', also);
    return result;
  }

  /** Consent, step one: `oauth/authorize`, and the consent page's URL. */
  async #startConsent(options: GetAuthorizeUrlOptions): Promise<StartedConsent> {
    const pkce = createPkce();
    const state = randomAlphanumeric(32);
    const { preauthorizationCode, session } = await authorize(this.#oauth, {
      pkce,
      state,
      scope: options.scope,
      sessionOptions: options.sessionOptions,
      signal: options.signal,
    });
    // A provisional storage travels to the consent page as a reference (docs/protocol.md §9.6).
    const storageRef =
      options.storageId === undefined
        ? undefined
        : await createReference(this.#http, { baseUrl: this.#config.baseUrl, type: 'cloudId', value: options.storageId, signal: options.signal });
    const url = consentPageUrl(this.#config.onboardUrl, 'authorize', preauthorizationCode, { ...options, storageRef });
    return { url, codeVerifier: pkce.codeVerifier, state, session };
  }

  /** Consent, step two: the redirect checked against the kept `state`, its code exchanged with the kept verifier. */
  async #finishConsent(
    redirect: ConsentRedirect,
    kept: { codeVerifier: string; state: string },
    signal: AbortSignal | undefined,
  ): Promise<{ token: OAuthToken; accountReference: string | undefined }> {
    const approved = approvedRedirect(redirect, kept.state);
    const token = await exchangeCode(this.#oauth, { code: approved.code, codeVerifier: kept.codeVerifier, signal });
    return { token, accountReference: approved.accountReference };
  }
}

/** Creates a client; throws `ConfigurationError` (code `InvalidConfiguration`) for bad options. */
export function createDigimeClient(options: DigimeClientOptions): DigimeClient {
  return new DigimeClient(options);
}

/** The session a consent step's answer must carry for the app to read data with. */
function requireSession(session: Session | undefined, call: string): Session {
  if (!session) throw new UnexpectedResponseError(`POST ${call} answered without a session`);
  return session;
}

/** `refreshToken`'s first argument: the token itself, with a hint for an options object in its place. */
function parseRefreshArgument(value: unknown): OAuthToken {
  let options = false;
  try {
    options = typeof value === 'object' && value !== null && ('oAuthToken' in value || 'userAccessToken' in value);
  } catch {
    // Not readable: parseStoredToken says so.
  }
  if (options) {
    throw new InvalidArgumentError([{ path: 'oAuthToken', message: 'refreshToken takes the token itself: refreshToken(token, { signal })' }]);
  }
  return parseStoredToken(value);
}

/** `options[key]` when it can be read, for choosing how to check the options (which then say what is wrong). */
function optionOf(options: unknown, key: string): unknown {
  try {
    return typeof options === 'object' && options !== null ? (options as Record<string, unknown>)[key] : undefined;
  } catch {
    return undefined;
  }
}

/** Calls an app's callback; what it throws ends the call as `CallbackFailed`. */
function callApp<T>(name: string, callback: (value: T) => unknown, value: T): void {
  try {
    callback(value);
  } catch (error) {
    throw new CallbackFailedError(name, `${name} threw: ${messageOf(error)}`, { cause: error });
  }
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
