/** Test keys: the demo app's TEST-ONLY key pair from fixtures/, and fresh ones made on demand. */
import { generateKeyPairSync, type KeyObject, createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const fixture = (p: string) => fileURLToPath(new URL(`../../fixtures/${p}`, import.meta.url));

export const DEMO_APP_ID = 'demo-app';
export const DEMO_CONTRACT_ID = 'demo-ongoing';
export const DEMO_CLIENT_ID = `${DEMO_APP_ID}_${DEMO_CONTRACT_ID}`;
export const demoPrivateKeyPem = readFileSync(fixture('apps/demo-app.private.TEST-ONLY.pem'), 'utf8');
export const demoPrivateKey: KeyObject = createPrivateKey(demoPrivateKeyPem);

let serverKeyPem: string | undefined;
/** One RSA-2048 server key per test process (generation costs ~100 ms). */
export function testServerKeyPem(): string {
  serverKeyPem ??= generateKeyPairSync('rsa', { modulusLength: 2048 })
    .privateKey.export({ type: 'pkcs8', format: 'pem' })
    .toString();
  return serverKeyPem;
}

export function newRsaKeyPair(bits = 2048) {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: bits });
  return {
    privateKey,
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}
