/**
 * The request JWT every `/v1.7` call carries (docs/protocol.md §2): PS512 only, signed by the app
 * contract's registered key, with `client_id`, a never-reused `nonce` and a `timestamp` (ms) close to
 * the real wall clock. The nonce is remembered for as long as the timestamp window lasts.
 */
import { constants, verify, type KeyObject } from 'node:crypto';
import type { Clock } from './clock.js';
import { errors } from './errors.js';
import { decodeJws } from './jws.js';
import type { AppContract, Store } from './store.js';

export interface RequestClaims {
  client_id: string;
  nonce: string;
  timestamp: number;
  [claim: string]: unknown;
}

export interface VerifiedRequest {
  app: AppContract;
  claims: RequestClaims;
}

export interface RequestJwtRules {
  store: Store;
  wallClock: Clock;
  /** Seconds either side of the wall clock. */
  windowSeconds: number;
}

/** Pulls the JWT out of an `Authorization: Bearer …` header. */
export function bearerToken(header: string | undefined): string | undefined {
  // Stryker disable next-line StringLiteral: any text that is not a bearer header gives the same answer as the empty one
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match?.[1];
}

export async function verifyRequestJwt(jwt: string | undefined, rules: RequestJwtRules): Promise<VerifiedRequest> {
  if (!jwt) throw errors.validation('missing Authorization bearer JWT');
  let alg: unknown;
  let unverified: Record<string, unknown>;
  try {
    const { header, payload } = decodeJws(jwt);
    alg = header.alg;
    unverified = payload;
  } catch {
    throw errors.validation('the Authorization bearer is not a JWT');
  }
  if (alg !== 'PS512') throw errors.validation('the request JWT must be signed with PS512');
  const clientId = unverified.client_id;
  if (typeof clientId !== 'string' || clientId === '') throw errors.validation('client_id is required');
  const app = rules.store.apps.get(clientId);
  if (!app) throw errors.invalidClient(clientId);

  if (!verifyPs512(jwt, app.publicKey)) {
    throw errors.validation('the request JWT signature does not verify with the registered key');
  }
  const claims = unverified;
  const { nonce, timestamp } = claims;
  if (typeof nonce !== 'string' || nonce.length < 8) throw errors.validation('nonce is required');
  if (typeof timestamp !== 'number' || !Number.isFinite(timestamp)) throw errors.validation('timestamp is required');

  const now = rules.wallClock.now();
  const windowMs = rules.windowSeconds * 1000;
  if (Math.abs(now - timestamp) > windowMs) throw errors.staleTimestamp();

  const nonceKey = `${clientId}:${nonce}`;
  if ((rules.store.nonces.get(nonceKey) ?? -Infinity) >= now) throw errors.nonceUsed(nonce);
  rememberNonce(rules.store.nonces, nonceKey, timestamp + windowMs, now);
  return { app, claims: claims as RequestClaims };
}

/**
 * RSASSA-PSS with SHA-512 over `header.payload` (RFC 7518 §3.5); false for anything else, never a
 * throw. An RSA verification costs tens of microseconds, so it runs inline rather than queueing
 * behind token signing on the thread pool.
 */
export function verifyPs512(jwt: string, key: KeyObject): boolean {
  const dot = jwt.lastIndexOf('.');
  const signature = Buffer.from(jwt.slice(dot + 1), 'base64url');
  try {
    return verify('sha512', Buffer.from(jwt.slice(0, dot)), { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 64 }, signature);
  } catch {
    return false;
  }
}

/**
 * Per map of nonces, the size at which it is next pruned: 1024, or a quarter more than the last
 * pruning left, so that however many nonces the window holds, each is looked at a few times at
 * most (a busy mock remembers hundreds of thousands).
 */
const pruneAt = new WeakMap<Map<string, number>, number>();

/** Stores a nonce and, now and then, forgets those whose window has passed. */
function rememberNonce(nonces: Map<string, number>, key: string, until: number, now: number): void {
  nonces.set(key, until);
  if (nonces.size < (pruneAt.get(nonces) ?? 1024)) return;
  for (const [k, v] of nonces) if (v < now) nonces.delete(k);
  pruneAt.set(nonces, Math.max(1024, Math.ceil(nonces.size * 1.25)));
}
