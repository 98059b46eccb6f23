/**
 * Everything the authority remembers, as plain records in maps keyed by their identifiers. The
 * records hold no functions or key objects beyond the registered public keys, so a store can be
 * snapshot and restored, or kept by another adapter later.
 */
import type { KeyObject } from 'node:crypto';
import type { SessionOptions } from './session-options.js';

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
}

export class Store {
  readonly apps = new Map<string, AppContract>();
  readonly preauthorizationCodes = new Map<string, PreauthorizationCode>();
  readonly authorizationCodes = new Map<string, AuthorizationCode>();
  readonly consents = new Map<string, Consent>();
  readonly tokens = new Map<string, TokenRecord>();
  readonly sessions = new Map<string, DataSession>();
  /** `client_id:nonce` → wall-clock ms until which it is remembered. */
  readonly nonces = new Map<string, number>();
  /**
   * Per token family, the next access token, already being signed (tokens.ts). A cache of
   * signatures, not state: losing it costs one signature.
   */
  readonly presignedAccess = new Map<string, { jti: string; value: Promise<string> }>();
  /** Records added since start; every so often expired ones are swept (sweep.ts). */
  additions = 0;
}
