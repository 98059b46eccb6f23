import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { codeChallengeFor, createPkce } from '../src/index.js';

describe('PKCE', () => {
  it('makes a 43-character base64url verifier and its S256 challenge', () => {
    const pkce = createPkce();
    expect(pkce.codeVerifier).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(pkce.codeChallengeMethod).toBe('S256');
    expect(pkce.codeChallenge).toBe(createHash('sha256').update(pkce.codeVerifier).digest('base64url'));
    expect(pkce.codeChallenge).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('matches the RFC 7636 appendix B example', () => {
    expect(codeChallengeFor('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk')).toBe('E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
  });

  it('never repeats a verifier', () => {
    const verifiers = new Set(Array.from({ length: 200 }, () => createPkce().codeVerifier));
    expect(verifiers.size).toBe(200);
  });
});
