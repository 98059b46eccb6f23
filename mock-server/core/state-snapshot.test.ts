import { createPublicKey, generateKeyPairSync, KeyObject } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { MockClock } from './clock.js';
import { parseConfig } from './config.js';
import type { CoreContext } from './context.js';
import { DataPlane } from './data/data-plane.js';
import { SigningKey } from './keys.js';
import { restoreSnapshot, takeSnapshot } from './state-snapshot.js';
import { Store } from './store.js';
import { testServerKeyPem } from '../../test/support/keys.js';

async function context(): Promise<CoreContext> {
  return {
    config: parseConfig({ logLevel: 'silent' }),
    clock: new MockClock(),
    wallClock: new MockClock(),
    store: new Store(),
    keys: await SigningKey.fromPem(testServerKeyPem()),
    users: new Map(),
  };
}

const directory = (ctx: CoreContext) => ({ fixtures: new Map(), data: new DataPlane(ctx) });

describe('state snapshots', () => {
  it('write every map of the store, bytes as base64 and keys as public PEM, and read them back as they were', async () => {
    const ctx = await context();
    const publicKey = createPublicKey(testServerKeyPem());
    ctx.store.apps.set('a_b', { clientId: 'a_b', appId: 'a', contractId: 'b', name: 'a', publicKeyPem: 'pem', publicKey });
    ctx.store.pushedFiles.set('f', {
      name: 'f', userId: 'u', clientId: 'a_b', appId: 'a', contractId: 'b', mimeType: 'application/octet-stream', accounts: [], createdAt: 1,
      data: new Uint8Array([0, 1, 2, 254, 255]),
    });
    ctx.store.nonces.set('a_b:n', 42);
    const snapshot = JSON.parse(JSON.stringify(takeSnapshot(ctx)));
    expect(snapshot.store.pushedFiles.f.data).toEqual({ $bytes: 'AAEC/v8=' });
    expect(snapshot.store.apps.a_b.publicKey.$publicKey).toContain('BEGIN PUBLIC KEY');
    expect(Object.keys(snapshot.store)).not.toContain('presignedAccess');
    for (const name of Object.keys(ctx.store)) {
      if ((ctx.store as unknown as Record<string, unknown>)[name] instanceof Map && name !== 'presignedAccess') expect(snapshot.store).toHaveProperty(name);
    }

    const other = await context();
    restoreSnapshot(other, directory(other), snapshot);
    expect(Buffer.from(other.store.pushedFiles.get('f')!.data)).toEqual(Buffer.from([0, 1, 2, 254, 255]));
    const app = other.store.apps.get('a_b')!;
    expect(app.publicKey).toBeInstanceOf(KeyObject);
    expect(app.publicKey.equals(publicKey)).toBe(true);
    expect(other.store.nonces.get('a_b:n')).toBe(42);
  });

  it('never writes a private key', async () => {
    const ctx = await context();
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    ctx.store.apps.set('a_b', { clientId: 'a_b', appId: 'a', contractId: 'b', name: 'a', publicKeyPem: 'pem', publicKey: privateKey });
    expect(() => takeSnapshot(ctx)).toThrow(/private key cannot be written/);
  });
});
