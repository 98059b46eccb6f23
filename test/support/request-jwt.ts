/**
 * Signs request JWTs the way a digi.me client does (docs/protocol.md §2), independently of our SDK, so
 * server tests do not lean on the code they are meant to check.
 */
import { createHash, randomBytes, type KeyObject } from 'node:crypto';
import { SignJWT } from 'jose';
import { DEMO_CLIENT_ID, demoPrivateKey } from './keys.js';

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
export const nonce = () => Array.from(randomBytes(32), (b) => ALPHANUMERIC[b % 62]).join('');

export interface SignOptions {
  key?: KeyObject;
  clientId?: string;
  alg?: string;
  timestamp?: number;
  nonce?: string;
}

export function signRequest(claims: Record<string, unknown> = {}, options: SignOptions = {}): Promise<string> {
  return new SignJWT({
    client_id: options.clientId ?? DEMO_CLIENT_ID,
    nonce: options.nonce ?? nonce(),
    timestamp: options.timestamp ?? Date.now(),
    ...claims,
  })
    .setProtectedHeader({ alg: options.alg ?? 'PS512', typ: 'JWT' })
    .sign(options.key ?? demoPrivateKey);
}

/** A PKCE verifier (43 base64url characters) and its S256 challenge. */
export function pkce() {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}
