/**
 * The request JWT every `/v1.7` call carries (PROTOCOL §2): PS512 only, signed by the app
 * contract's registered key, with `client_id`, a never-reused `nonce` and a `timestamp` (ms) close to
 * the real wall clock. The nonce is remembered for as long as the timestamp window lasts.
 */
import { compactVerify, decodeJwt, decodeProtectedHeader } from 'jose';
import type { Clock } from './clock.js';
import { errors } from './errors.js';
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
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match?.[1];
}

export async function verifyRequestJwt(jwt: string | undefined, rules: RequestJwtRules): Promise<VerifiedRequest> {
  if (!jwt) throw errors.validation('missing Authorization bearer JWT');
  let alg: unknown;
  let unverified: Record<string, unknown>;
  try {
    alg = decodeProtectedHeader(jwt).alg;
    unverified = decodeJwt(jwt);
  } catch {
    throw errors.validation('the Authorization bearer is not a JWT');
  }
  if (alg !== 'PS512') throw errors.validation('the request JWT must be signed with PS512');
  const clientId = unverified.client_id;
  if (typeof clientId !== 'string' || clientId === '') throw errors.validation('client_id is required');
  const app = rules.store.apps.get(clientId);
  if (!app) throw errors.invalidClient(clientId);

  let claims: Record<string, unknown>;
  try {
    const { payload } = await compactVerify(jwt, app.publicKey, { algorithms: ['PS512'] });
    claims = JSON.parse(Buffer.from(payload).toString('utf8')) as Record<string, unknown>;
  } catch {
    throw errors.validation('the request JWT signature does not verify with the registered key');
  }
  const { nonce, timestamp } = claims;
  if (typeof nonce !== 'string' || nonce.length < 8) throw errors.validation('nonce is required');
  if (typeof timestamp !== 'number' || !Number.isFinite(timestamp)) throw errors.validation('timestamp is required');

  const now = rules.wallClock.now();
  const windowMs = rules.windowSeconds * 1000;
  if (Math.abs(now - timestamp) > windowMs) throw errors.staleTimestamp();

  const nonceKey = `${clientId}:${nonce}`;
  const remembered = rules.store.nonces.get(nonceKey);
  if (remembered !== undefined && remembered >= now) throw errors.nonceUsed(nonce);
  rememberNonce(rules.store.nonces, nonceKey, timestamp + windowMs, now);
  return { app, claims: claims as RequestClaims };
}

/** Stores a nonce and, now and then, forgets those whose window has passed. */
function rememberNonce(nonces: Map<string, number>, key: string, until: number, now: number): void {
  nonces.set(key, until);
  if (nonces.size % 1024 === 0) {
    for (const [k, v] of nonces) if (v < now) nonces.delete(k);
  }
}
