import { describe, expect, it } from 'vitest';
import { decryptFileBytes, FileDecryptionError, parseMetadataHeader, UnexpectedResponseError } from '../src/index.js';
import { decodeFile } from '../src/files.js';
import { encryptFile, metadataHeader } from './helpers/file-crypto.js';
import { testKeyPair } from './helpers/keys.js';

const app = testKeyPair('files-app');
const other = testKeyPair('files-other');
const content = { genres: ['jazz', 'rock'], n: 42 };

function stageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(FileDecryptionError);
    expect((error as FileDecryptionError).code).toBe('FileDecryptionError');
    return (error as FileDecryptionError).stage;
  }
  throw new Error('expected a FileDecryptionError');
}

describe('file decryption', () => {
  it('unwraps the data key with RSA-OAEP SHA-1 and decrypts AES-256-CBC', () => {
    const bytes = encryptFile(app.publicKey, content);
    expect(bytes.length % 16).toBe(0);
    expect(JSON.parse(decryptFileBytes(app.privateKey, bytes).toString('utf8'))).toEqual(content);
  });

  it.each(['none', 'gzip', 'brotli'] as const)('decompresses (%s) and parses', async (compression) => {
    const bytes = encryptFile(app.publicKey, content, compression);
    const file = await decodeFile(app.privateKey, bytes, { metadata: { objectType: '406' }, compression, lastModified: undefined }, 'f.json');
    expect(file.data).toEqual(content);
    expect(JSON.parse(file.bytes.toString('utf8'))).toEqual(content);
  });

  it('refuses a file that is too short or not whole blocks', () => {
    expect(stageOf(() => decryptFileBytes(app.privateKey, new Uint8Array(0)))).toBe('size');
    expect(stageOf(() => decryptFileBytes(app.privateKey, new Uint8Array(272)))).toBe('size');
    const good = encryptFile(app.publicKey, content);
    expect(stageOf(() => decryptFileBytes(app.privateKey, good.subarray(0, good.length - 1)))).toBe('size');
  });

  it('refuses a file for another key, and a corrupted wrapped key', () => {
    const good = encryptFile(app.publicKey, content);
    expect(stageOf(() => decryptFileBytes(other.privateKey, good))).toBe('key');
    const corrupt = Buffer.from(good);
    corrupt[10] = (corrupt[10] ?? 0) ^ 0xff;
    expect(stageOf(() => decryptFileBytes(app.privateKey, corrupt))).toBe('key');
    expect(stageOf(() => decryptFileBytes(app.privateKey, Buffer.alloc(512, 1)))).toBe('key');
  });

  it('turns every corruption of the content into a FileDecryptionError, whichever stage notices', async () => {
    for (const compression of ['none', 'gzip', 'brotli'] as const) {
      const good = encryptFile(app.publicKey, { long: 'x'.repeat(500), compression }, compression);
      for (const at of [256, 270, 272, 300, good.length - 17, good.length - 1]) {
        const corrupt = Buffer.from(good);
        corrupt[at] = (corrupt[at] ?? 0) ^ 0x5a;
        const error = await decodeFile(app.privateKey, corrupt, { metadata: {}, compression, lastModified: undefined }, 'c.json').then(
          (file) => file,
          (e: unknown) => e,
        );
        if (!(error instanceof FileDecryptionError)) {
          // Flipping a byte of the IV changes only the first block of plaintext; the result may still
          // happen to be valid JSON for uncompressed data, but never equal to the original.
          expect(error).toHaveProperty('data');
          expect((error as { data: unknown }).data).not.toEqual({ long: 'x'.repeat(500), compression });
          continue;
        }
        expect(error.code).toBe('FileDecryptionError');
        expect(error.fileName).toBe('c.json');
      }
    }
  });

  it('reports bytes that are not JSON after decryption as FileDecryptionError (parse)', async () => {
    const bytes = encryptFile(app.publicKey, 'not json {');
    const error = await decodeFile(app.privateKey, bytes, { metadata: {}, compression: 'none', lastModified: undefined }, 'x.json').catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'FileDecryptionError', stage: 'parse' });
  });

  it('leaves raw non-JSON files unparsed', async () => {
    const bytes = encryptFile(app.publicKey, 'plain text');
    const file = await decodeFile(app.privateKey, bytes, { metadata: { mimetype: 'text/plain' }, compression: 'none', lastModified: undefined }, 'x.txt');
    expect(file.data).toBeUndefined();
    expect(file.bytes.toString()).toBe('plain text');
  });
});

describe('x-metadata', () => {
  it('decodes base64url JSON {metadata, compression}', () => {
    expect(parseMetadataHeader(metadataHeader({ objectCount: 2 }, 'gzip'), 'GET f')).toEqual({ metadata: { objectCount: 2 }, compression: 'gzip' });
    expect(parseMetadataHeader(metadataHeader({ a: 1 }), 'GET f')).toEqual({ metadata: { a: 1 }, compression: 'none' });
  });

  it('refuses a missing or malformed header and unknown compression', () => {
    expect(() => parseMetadataHeader(null, 'GET f')).toThrow(UnexpectedResponseError);
    expect(() => parseMetadataHeader('%%%', 'GET f')).toThrow(UnexpectedResponseError);
    expect(() => parseMetadataHeader(Buffer.from('{"compression":"gzip"}').toString('base64url'), 'GET f')).toThrow(UnexpectedResponseError);
    expect(() => parseMetadataHeader(Buffer.from('{"metadata":{},"compression":"zstd"}').toString('base64url'), 'GET f')).toThrow(/compression/);
  });
});
