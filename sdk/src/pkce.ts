import { createHash, randomBytes } from 'node:crypto';

export interface Pkce {
  /** 43 base64url characters (32 random bytes); sent with the code exchange. */
  codeVerifier: string;
  /** `base64url(SHA-256(codeVerifier))`; sent with the authorize call. */
  codeChallenge: string;
  codeChallengeMethod: 'S256';
}

export function codeChallengeFor(codeVerifier: string): string {
  return createHash('sha256').update(codeVerifier, 'ascii').digest('base64url');
}

export function createPkce(): Pkce {
  const codeVerifier = randomBytes(32).toString('base64url');
  return { codeVerifier, codeChallenge: codeChallengeFor(codeVerifier), codeChallengeMethod: 'S256' };
}
