/**
 * A file as digi.me sends it (docs/protocol.md §5): the JSON, compressed if the file says so, then
 *
 *   [data key wrapped with the app's RSA public key, RSA-OAEP SHA-1 (256 bytes for RSA-2048)]
 *   [16-byte IV]
 *   [AES-256-CBC ciphertext, PKCS#7 padding]
 *
 * with a fresh random key and IV for every download.
 */
import { constants, createCipheriv, publicEncrypt, randomBytes, type KeyObject } from 'node:crypto';
import { brotliCompressSync, constants as zlib, gzipSync } from 'node:zlib';
import type { Compression } from './data-set.js';

export function compress(plain: Buffer, compression: Compression): Buffer {
  if (compression === 'gzip') return gzipSync(plain);
  // Quality 11 (the default) costs ~10× the time for a few percent; the result is cached anyway.
  if (compression === 'brotli') return brotliCompressSync(plain, { params: { [zlib.BROTLI_PARAM_QUALITY]: 6 } });
  return plain;
}

export function encryptForApp(content: Buffer, appPublicKey: KeyObject): Buffer {
  const key = randomBytes(32);
  const iv = randomBytes(16);
  const wrapped = publicEncrypt(
    { key: appPublicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' },
    key,
  );
  const cipher = createCipheriv('aes-256-cbc', key, iv);
  return Buffer.concat([wrapped, iv, cipher.update(content), cipher.final()]);
}
