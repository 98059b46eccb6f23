/**
 * Token rules that no public call can reach yet: a consent withdrawn (or gone) while its tokens are
 * still live. Every token of the consent stops, whatever its own state.
 */
import { describe, expect, it } from 'vitest';
import { testServerKeyPem } from '../../test/support/keys.js';
import { MockClock } from './clock.js';
import { parseConfig } from './config.js';
import type { CoreContext } from './context.js';
import { SigningKey } from './keys.js';
import { Store, type AppContract, type Consent } from './store.js';
import { consentNamedBy, issueTokens, refreshTokens, requireAccessToken } from './tokens.js';

const T0 = Date.parse('2031-03-01T00:00:00.000Z');
const JKU = 'http://127.0.0.1/v1.7/jwks/oauth';
const app = { clientId: 'demo-app_demo-ongoing', appId: 'demo-app', contractId: 'demo-ongoing' } as AppContract;

async function consentWithTokens() {
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
  const { access, refresh } = await issueTokens(ctx, app, consent, JKU);
  return { ctx, consent, access: access.value, refresh: refresh.value };
}

/** What a call answers: 'ok', or the status and code of the error it throws. */
async function outcome(call: () => unknown) {
  try {
    await call();
    return 'ok';
  } catch (e) {
    const { status, code } = e as { status?: number; code?: string };
    return `${status} ${code}`;
  }
}

function expectEveryTokenStopped({ ctx, access, refresh }: Awaited<ReturnType<typeof consentWithTokens>>) {
  return Promise.all([
    outcome(() => requireAccessToken(ctx, app, access)),
    outcome(() => consentNamedBy(ctx, app, access)),
    outcome(() => refreshTokens(ctx, app, refresh, JKU)),
  ]).then((results) => expect(results).toEqual(['401 InvalidToken', '401 InvalidToken', '401 InvalidToken']));
}

describe('a consent that is no longer given stops its tokens', () => {
  it('while the consent is given, its tokens work', async () => {
    const { ctx, access, refresh } = await consentWithTokens();
    expect(await outcome(() => requireAccessToken(ctx, app, access))).toBe('ok');
    expect(await outcome(() => consentNamedBy(ctx, app, access))).toBe('ok');
    expect(await outcome(() => refreshTokens(ctx, app, refresh, JKU))).toBe('ok');
  });

  it('a withdrawn consent: its access token, its re-authorisation and its refresh token are refused', async () => {
    const given = await consentWithTokens();
    given.consent.revokedAt = T0;
    await expectEveryTokenStopped(given);
  });

  it('a consent that is gone: the same', async () => {
    const given = await consentWithTokens();
    given.ctx.store.consents.delete(given.consent.consentId);
    await expectEveryTokenStopped(given);
  });
});
