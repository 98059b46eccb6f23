import { constants, createCipheriv, publicEncrypt, randomBytes } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { brotliCompressSync, gzipSync } from 'node:zlib';

export type TestCompression = 'gzip' | 'brotli' | 'none';

/** Encrypts a file the way digi.me does (docs/protocol.md §5), for the SDK to decrypt. */
export function encryptFile(appPublicKey: KeyObject, content: unknown, compression: TestCompression = 'none'): Buffer {
  let plain = Buffer.from(typeof content === 'string' ? content : JSON.stringify(content), 'utf8');
  if (compression === 'gzip') plain = gzipSync(plain);
  if (compression === 'brotli') plain = brotliCompressSync(plain);
  const dataKey = randomBytes(32);
  const iv = randomBytes(16);
  const wrapped = publicEncrypt({ key: appPublicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' }, dataKey);
  const cipher = createCipheriv('aes-256-cbc', dataKey, iv);
  return Buffer.concat([wrapped, iv, cipher.update(plain), cipher.final()]);
}

export function metadataHeader(metadata: Record<string, unknown>, compression?: TestCompression): string {
  const value = compression === undefined ? { metadata } : { metadata, compression };
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}
