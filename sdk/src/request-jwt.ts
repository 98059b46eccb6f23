import { SignJWT } from 'jose';
import type { KeyObject } from 'node:crypto';
import { randomAlphanumeric } from './random.js';

/** Claims every request carries besides the per-call ones (docs/protocol.md §2). */
export interface BaseClaims {
  client_id: string;
  nonce: string;
  timestamp: number;
}

export type CallClaims = Record<string, string | number | undefined>;

export interface RequestSigner {
  clientId: string;
  privateKey: KeyObject;
}

/**
 * Signs a request JWT: header exactly `{"alg":"PS512","typ":"JWT"}` (no kid, jku, iat or exp),
 * claims `client_id`, a fresh 32-character `nonce`, `timestamp` in ms, plus the call's own claims.
 * Call it once per attempt: a retry needs a new nonce.
 *
 * The timestamp is the real wall clock, never the client's injectable clock: the server checks it
 * against real time (docs/protocol.md §8), even when a test has moved token lifetimes by weeks.
 */
export async function signRequestJwt(signer: RequestSigner, claims: CallClaims = {}): Promise<string> {
  const payload: Record<string, string | number> = {};
  for (const [name, value] of Object.entries(claims)) if (value !== undefined) payload[name] = value;
  payload.client_id = signer.clientId;
  payload.nonce = randomAlphanumeric(32);
  payload.timestamp = Date.now();
  return new SignJWT(payload).setProtectedHeader({ alg: 'PS512', typ: 'JWT' }).sign(signer.privateKey);
}
