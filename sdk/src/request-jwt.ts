import { constants, KeyObject, sign } from 'node:crypto';
import { z } from 'zod';
import { checkArgument, nonEmptyString } from './arguments.js';
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

/** A PS512 signing key: RSA, private, 2048 bits or more (what jose accepts for PS512). */
function isRsaSigningKey(key: unknown): key is KeyObject {
  return (
    key instanceof KeyObject &&
    key.type === 'private' &&
    key.asymmetricKeyType === 'rsa' &&
    (key.asymmetricKeyDetails?.modulusLength ?? 0) >= 2048
  );
}

const signerSchema = z.looseObject({
  clientId: nonEmptyString,
  privateKey: z.custom<KeyObject>(isRsaSigningKey, { message: 'must be an RSA private KeyObject of 2048 bits or more' }),
});

const claimsSchema = z.record(z.string(), z.union([z.string(), z.number().finite(), z.undefined()]));

/**
 * Signs a request JWT: header exactly `{"alg":"PS512","typ":"JWT"}` (no kid, jku, iat or exp),
 * claims `client_id`, a fresh 32-character `nonce`, `timestamp` in ms, plus the call's own claims.
 * Call it once per attempt: a retry needs a new nonce.
 *
 * The timestamp is the real wall clock, never the client's injectable clock: the server checks it
 * against real time (docs/protocol.md §8), even when a test has moved token lifetimes by weeks.
 */
export async function signRequestJwt(signer: RequestSigner, claims: CallClaims = {}): Promise<string> {
  checkArgument('signer', signer, signerSchema);
  checkArgument('claims', claims, claimsSchema);
  const payload: Record<string, string | number> = {};
  for (const [name, value] of Object.entries(claims)) if (value !== undefined) payload[name] = value;
  payload.client_id = signer.clientId;
  payload.nonce = randomAlphanumeric(32);
  payload.timestamp = Date.now();
  // Signed with node:crypto directly (RSASSA-PSS, SHA-512, 64-byte salt: PS512), on its thread
  // pool: every request makes one, and a JOSE library's general path costs more than the JWT.
  const input = `${HEADER}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
  const signature = await new Promise<Buffer>((resolve, reject) =>
    sign('sha512', Buffer.from(input), { key: signer.privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 64 }, (error, sig) =>
      error ? reject(error) : resolve(sig),
    ),
  );
  return `${input}.${signature.toString('base64url')}`;
}

const HEADER = Buffer.from(JSON.stringify({ alg: 'PS512', typ: 'JWT' })).toString('base64url');
