/**
 * Everything the authority remembers, as plain records in maps keyed by their identifiers. The
 * records hold no functions or key objects beyond the registered public keys, so a store can be
 * snapshot and restored, or kept by another adapter later.
 */
import type { KeyObject } from 'node:crypto';
import type { SessionOptions } from './session-options.js';
import type { Account, Scenarios } from './model.js';
import type { AppContractConfig } from './settings.js';

export interface AppContract {
  /** `<appId>_<contractId>`, the request JWT's `client_id`. */
  clientId: string;
  appId: string;
  contractId: string;
  name: string;
  description?: string;
  publicKeyPem: string;
  publicKey: KeyObject;
  redirectUris?: string[];
  ttl?: { accessToken?: number; refreshToken?: number };
  accessType?: 'r' | 'w';
  /** Its sessions list raw files (pushed to the library). */
  rawData?: boolean;
  /** Contract details without a rule behind them (docs/protocol.md §9.1). */
  details?: AppContractConfig['details'];
}

/** Issued by `oauth/authorize` (or `oauth/token/reference`), spent on a consent page. */
export interface PreauthorizationCode {
  code: string;
  kind: 'authorize' | 'user-reauth' | 'onboard';
  clientId: string;
  redirectUri: string;
  state?: string;
  codeChallenge?: string;
  /** Session options from `actions.pull` at authorize time. */
  sessionOptions?: SessionOptions;
  /** Set when an existing user re-authorises (the JWT carried an access token). */
  consentId?: string;
  /** The data session handed out with the code; it becomes readable once consent is given. */
  sessionKey?: string;
  service?: string;
  expiresAt: number;
  usedAt?: number;
}

export interface AuthorizationCode {
  code: string;
  clientId: string;
  consentId: string;
  redirectUri: string;
  codeChallenge: string;
  expiresAt: number;
  usedAt?: number;
  /** The token family minted from this code, revoked if the code is replayed. */
  family?: string;
}

export interface Consent {
  consentId: string;
  clientId: string;
  userId: string;
  /** References of the user's accounts the consent covers. */
  accountReferences: string[];
  sessionOptions?: SessionOptions;
  createdAt: number;
  revokedAt?: number;
  /**
   * Per account id, what the user last decided about this consent's access to that account: withdrawn
   * on the revoke page, or given again on the reauthorize page (docs/protocol.md §9.2, §9.3).
   */
  accountAuthorizations?: Record<string, AccountAuthorization>;
}

export interface AccountAuthorization {
  authorized: boolean;
  /** Mock time of the decision (ms). */
  decidedAt: number;
}

export interface TokenRecord {
  jti: string;
  kind: 'access' | 'refresh';
  /** SHA-256 of the token (base64url): enough to recognise it, useless to steal, and small. */
  valueHash: string;
  clientId: string;
  consentId: string;
  userId: string;
  issuedAt: number;
  expiresAt: number;
  revokedAt?: number;
  /** The tokens minted from one code exchange and the refreshes that followed it. */
  family: string;
  /** Refresh tokens under rotation: when this value was replaced by a newer one. */
  rotatedAt?: number;
}

export interface DataSession {
  key: string;
  clientId: string;
  /** Undefined while the consent that goes with an authorize call has not been given. */
  consentId?: string;
  options: SessionOptions;
  createdAt: number;
  expiresAt: number;
  /** References of accounts onboarded with `triggerQuery=false`: this session leaves their files out. */
  excludedAccounts?: string[];
}

/** A sample account (docs/protocol.md §9.4): in a user's library, with another fixture user's account's data. */
export interface SampleAccount {
  userId: string;
  account: Account;
  /** Whose data it carries: the fixture user the sample data set is named for, and their account. */
  dataUserId: string;
  dataAccountId: string;
}

/** The user's account at a provider (a push source), made when the user onboarded it (docs/protocol.md §9.5). */
export interface ProviderAccount {
  userId: string;
  account: Account;
}

/** A file an app pushed into its user's library (docs/protocol.md §9.5): listed as a raw file. */
export interface PushedFile {
  /** The file's name in file lists: URL-safe, never like a mapped file's `18_…`. */
  name: string;
  userId: string;
  clientId: string;
  appId: string;
  contractId: string;
  mimeType: string;
  /** The app's own ids for its user, from the file descriptor. */
  accounts: { accountId: string }[];
  reference?: string[];
  tags?: string[];
  /** Mock time of the push (ms). */
  createdAt: number;
  data: Uint8Array;
}

/** A FHIR resource pushed to a provider account (§9.5): kept, never listed in a session. */
export interface ProviderPush {
  id: string;
  userId: string;
  clientId: string;
  accountId: string;
  standard: string;
  version: string;
  body: unknown;
  receivedAt: number;
}

/** A cloud storage (§9.6): provisional (its app's) until a consent hands it to a user. */
export interface Storage {
  id: string;
  kid: string;
  /** The app contract that created it. */
  clientId: string;
  userId?: string;
  createdAt: number;
}

/** A file in a storage, under one app's folder; bytes as uploaded (the client encrypts). */
export interface StorageFile {
  id: string;
  storageId: string;
  appId: string;
  /** Folder as uploaded, with both slashes: `/Photos/`. */
  folder: string;
  name: string;
  data: Uint8Array;
  uploadedAt: number;
}

/** An account the user deleted from their library (docs/protocol.md §9.2): gone for every app. */
/** A token response signed ahead of the refresh that will answer with it (tokens.ts). */
export interface PresignedResponse {
  /** What it was signed for besides its access token: that token's expiry second and the key-set URL. */
  basis: string;
  jws: Promise<string>;
}

/** An access token signed ahead of the refresh that will hand it out; the next one may carry its token response. */
export interface PresignedAccessToken {
  jti: string;
  value: Promise<string>;
  response?: PresignedResponse;
}

/** A token family's signing ahead: its next access tokens, how many it keeps so, and when (mock clock, ms) it last got tokens. */
export interface PresignedFamily {
  depth: number;
  tokens: PresignedAccessToken[];
  lastIssuedAt: number;
}

export interface DeletedAccount {
  userId: string;
  accountId: string;
  deletedAt: number;
}

/** Issued by `permission-access/revoke/h:accountId`, spent on the revoke page. */
export interface RevokeCode {
  code: string;
  clientId: string;
  consentId: string;
  accountId: string;
  redirectUri: string;
  expiresAt: number;
  usedAt?: number;
}

/** An opaque id for a value an app names in a consent-page URL (`POST reference`, docs/protocol.md §9.3). */
export interface Reference {
  id: string;
  clientId: string;
  type: string;
  value: string;
  expiresAt: number;
}

/** A user made at run time: the fixture user whose accounts and data it copies (runtime-users.ts). */
export interface RuntimeUser {
  id: string;
  name: string;
  template: string;
  /** Mock time of its creation (ms). */
  createdAt: number;
}

export class Store {
  readonly apps = new Map<string, AppContract>();
  readonly preauthorizationCodes = new Map<string, PreauthorizationCode>();
  readonly authorizationCodes = new Map<string, AuthorizationCode>();
  readonly consents = new Map<string, Consent>();
  readonly tokens = new Map<string, TokenRecord>();
  readonly sessions = new Map<string, DataSession>();
  /** `<userId>/<accountId>` → the deletion. */
  readonly deletedAccounts = new Map<string, DeletedAccount>();
  readonly revokeCodes = new Map<string, RevokeCode>();
  readonly references = new Map<string, Reference>();
  /** `client_id:nonce` → wall-clock ms until which it is remembered. */
  readonly nonces = new Map<string, number>();
  /**
   * Per token family, its next access tokens, already being signed (tokens.ts), and how many it
   * keeps so; the next one's token response too, for a family refreshed often. A cache of
   * signatures, not state: losing it costs a signature per token.
   */
  readonly presignedAccess = new Map<string, PresignedFamily>();
  /** Raw files pushed to users' libraries, by name. */
  readonly pushedFiles = new Map<string, PushedFile>();
  readonly providerPushes = new Map<string, ProviderPush>();
  readonly storages = new Map<string, Storage>();
  /** By `<storageId>/<appId>/<lower-cased folder and name>`: names match case-insensitively. */
  readonly storageFiles = new Map<string, StorageFile>();
  /** Sample accounts onboarded into users' libraries, by user id. */
  readonly sampleAccounts = new Map<string, SampleAccount[]>();
  /** Accounts at providers that users onboarded, by user id. */
  readonly providerAccounts = new Map<string, ProviderAccount[]>();
  /** Users made at run time (`POST /__admin/users`), each a copy of a fixture user's data set. */
  readonly runtimeUsers = new Map<string, RuntimeUser>();
  /** Scenarios set at run time for a user (`PUT /__admin/users/:id/scenario`): they replace the user's own. */
  readonly userScenarios = new Map<string, Scenarios>();
  /** Records added since start; every so often expired ones are swept (sweep.ts). */
  additions = 0;
}
