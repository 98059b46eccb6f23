import { constants, createDecipheriv, generateKeyPairSync, privateDecrypt } from 'node:crypto';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { compress, encryptForApp } from './encryption.js';

const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });

function decrypt(body: Buffer): Buffer {
  const key = privateDecrypt({ key: privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' }, body.subarray(0, 256));
  const d = createDecipheriv('aes-256-cbc', key, body.subarray(256, 272));
  return Buffer.concat([d.update(body.subarray(272)), d.final()]);
}

describe('file encryption', () => {
  it('lays out wrapped key, IV and AES-256-CBC ciphertext, with fresh keys each time', () => {
    for (const size of [0, 1, 15, 16, 17, 5000]) {
      const plain = Buffer.alloc(size, 7);
      const a = encryptForApp(plain, publicKey);
      expect(a.length).toBe(256 + 16 + (Math.floor(size / 16) + 1) * 16);
      expect(decrypt(a)).toEqual(plain);
      expect(encryptForApp(plain, publicKey).subarray(0, 272).equals(a.subarray(0, 272))).toBe(false);
    }
  });

  it('compresses as the file says', () => {
    const plain = Buffer.from(JSON.stringify(Array.from({ length: 200 }, (_, i) => ({ i, genre: 'indie rock' }))));
    expect(compress(plain, 'none')).toBe(plain);
    expect(gunzipSync(compress(plain, 'gzip'))).toEqual(plain);
    expect(brotliDecompressSync(compress(plain, 'brotli'))).toEqual(plain);
    expect(compress(plain, 'brotli').length).toBeLessThan(plain.length / 5);
  });
});
