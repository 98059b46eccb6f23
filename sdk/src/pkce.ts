import { createHash, randomBytes } from 'node:crypto';
import { InvalidArgumentError } from './errors.js';

export interface Pkce {
  /** 43 base64url characters (32 random bytes); sent with the code exchange. */
  codeVerifier: string;
  /** `base64url(SHA-256(codeVerifier))`; sent with the authorize call. */
  codeChallenge: string;
  codeChallengeMethod: 'S256';
}

export function codeChallengeFor(codeVerifier: string): string {
  if (typeof codeVerifier !== 'string') {
    throw new InvalidArgumentError([{ path: 'codeVerifier', message: `must be a string, got ${typeof codeVerifier}` }]);
  }
  return createHash('sha256').update(codeVerifier, 'ascii').digest('base64url');
}

export function createPkce(): Pkce {
  const codeVerifier = randomBytes(32).toString('base64url');
  return { codeVerifier, codeChallenge: codeChallengeFor(codeVerifier), codeChallengeMethod: 'S256' };
}
