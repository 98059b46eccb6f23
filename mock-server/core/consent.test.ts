/**
 * Consent rules that no public call can reach yet: an authorization code whose consent was
 * withdrawn (or is gone) before the code exchange gets no tokens.
 */
import { describe, expect, it } from 'vitest';
import { testServerKeyPem } from '../../test/support/keys.js';
import { MockClock } from './clock.js';
import { parseConfig } from './config.js';
import { exchangeCode, pkceChallenge } from './consent.js';
import type { CoreContext } from './context.js';
import { SigningKey } from './keys.js';
import type { VerifiedRequest } from './request-jwt.js';
import { Store, type AppContract, type Consent } from './store.js';

const T0 = Date.parse('2031-03-01T00:00:00.000Z');
const JKU = 'http://127.0.0.1/v1.7/jwks/oauth';
const VERIFIER = 'v'.repeat(43);
const app = { clientId: 'demo-app_demo-ongoing', appId: 'demo-app', contractId: 'demo-ongoing' } as AppContract;

/** A consent given on the page, and the authorization code that came with it. */
async function consentWithCode() {
  const wall = { now: () => T0 };
  const ctx: CoreContext = {
    config: parseConfig({ logLevel: 'silent' }),
    clock: new MockClock({ source: wall, frozen: true }),
    wallClock: wall,
    store: new Store(),
    keys: await SigningKey.fromPem(testServerKeyPem()),
    users: new Map(),
  };
  const consent: Consent = { consentId: 'consent-1', clientId: app.clientId, userId: 'demo', accountReferences: [], createdAt: T0 };
  ctx.store.consents.set(consent.consentId, consent);
  ctx.store.authorizationCodes.set('code-1', {
    code: 'code-1',
    clientId: app.clientId,
    consentId: consent.consentId,
    redirectUri: 'https://app.example/callback',
    codeChallenge: pkceChallenge(VERIFIER),
    expiresAt: T0 + 600_000,
  });
  const request = { app, claims: { client_id: app.clientId, nonce: 'n'.repeat(16), timestamp: T0, code: 'code-1', code_verifier: VERIFIER } } as VerifiedRequest;
  return { ctx, consent, exchange: () => exchangeCode(ctx, request, JKU) };
}

async function outcome(call: () => Promise<unknown>) {
  try {
    await call();
    return 'ok';
  } catch (e) {
    const { status, code, message } = e as { status?: number; code?: string; message?: string };
    return `${status} ${code}: ${message}`;
  }
}

describe('the code exchange needs the consent to be still given', () => {
  it('a code of a given consent gets tokens for it', async () => {
    const { exchange } = await consentWithCode();
    const { access, refresh } = await exchange();
    expect([access.consentId, refresh.consentId]).toEqual(['consent-1', 'consent-1']);
  });

  it('a code whose consent was withdrawn gets 400 InvalidGrant', async () => {
    const { consent, exchange } = await consentWithCode();
    consent.revokedAt = T0;
    expect(await outcome(exchange)).toBe('400 InvalidGrant: The consent behind this code was withdrawn');
  });

  it('a code whose consent is gone gets 400 InvalidGrant', async () => {
    const { ctx, consent, exchange } = await consentWithCode();
    ctx.store.consents.delete(consent.consentId);
    expect(await outcome(exchange)).toBe('400 InvalidGrant: The consent behind this code was withdrawn');
  });
});
