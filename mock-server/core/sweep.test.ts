import { describe, expect, it } from 'vitest';
import { MockClock } from './clock.js';
import { parseConfig } from './config.js';
import type { CoreContext } from './context.js';
import { SigningKey } from './keys.js';
import { Store } from './store.js';
import { sweepExpired } from './sweep.js';
import { testServerKeyPem } from '../../test/support/keys.js';

describe('sweepExpired', () => {
  it('forgets expired tokens, codes and sessions and keeps live ones', async () => {
    const a: CoreContext = {
      config: parseConfig({ logLevel: 'silent' }),
      clock: new MockClock(),
      wallClock: new MockClock(),
      store: new Store(),
      keys: await SigningKey.fromPem(testServerKeyPem()),
      users: new Map(),
    };
    const now = a.clock.now();
    const token = (jti: string, expiresAt: number) =>
      a.store.tokens.set(jti, { jti, kind: 'access', valueHash: jti, clientId: 'c', consentId: 'k', userId: 'u', issuedAt: now, expiresAt, family: 'f' });
    token('old', now - a.config.ttl.refreshToken * 1000 - 1);
    token('recently-expired', now - 1);
    token('live', now + 60_000);
    a.store.sessions.set('s-old', { key: 's-old', clientId: 'c', options: {}, createdAt: now, expiresAt: now });
    a.store.sessions.set('s-live', { key: 's-live', clientId: 'c', options: {}, createdAt: now, expiresAt: now + 60_000 });
    sweepExpired(a);
    expect([...a.store.tokens.keys()]).toEqual(['recently-expired', 'live']);
    expect([...a.store.sessions.keys()]).toEqual(['s-live']);
  });
});
