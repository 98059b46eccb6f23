/** A bad app fixture stops the start with a message naming the file. */
import { generateKeyPairSync } from 'node:crypto';
import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { Authority, SigningKey } from '../../mock-server/core/index.js';
import { testServerKeyPem } from '../support/keys.js';

const fixtures = fileURLToPath(new URL('../../fixtures', import.meta.url));

async function startWith(appFile: string, content: string) {
  const dir = mkdtempSync(join(tmpdir(), 'fx-'));
  cpSync(fixtures, dir, { recursive: true });
  writeFileSync(join(dir, 'apps', appFile), content);
  return Authority.create({ logLevel: 'silent', fixturesDir: dir }, { signingKey: await SigningKey.fromPem(testServerKeyPem()) });
}

it('names the app fixture whose key is too weak', async () => {
  const weak = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
  await expect(startWith('weak.json', JSON.stringify({ appId: 'weak', contractId: 'c', publicKey: weak }))).rejects.toThrow(/Fixture .*weak\.json: .*2048/);
});

it('names an app fixture that is not an object', async () => {
  await expect(startWith('null.json', 'null')).rejects.toThrow(/Fixture .*null\.json: must hold a JSON object/);
});

it('names the field of a fixture that misses one', async () => {
  await expect(startWith('bad.json', JSON.stringify({ appId: 'x' }))).rejects.toThrow(/Fixture .*bad\.json: contractId/);
});
