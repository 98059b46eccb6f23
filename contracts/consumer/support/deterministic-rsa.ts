/**
 * RSA-PSS signatures and RSA-OAEP encryption whose randomness (the PSS salt, the OAEP seed) is
 * derived from the input instead of drawn at random. Verifiers and decrypters cannot tell the
 * difference; the point is that the examples in the committed pact file come out byte-identical
 * on every run, so `npm test` does not leave a changed pact behind. Test code only: a
 * deterministic OAEP seed leaks equality of plaintexts, which is harmless for fixed examples.
 */
import { constants, createHash, privateEncrypt, publicEncrypt, type KeyObject } from 'node:crypto';

type Hash = 'sha1' | 'sha512';
const HASH_LENGTH: Record<Hash, number> = { sha1: 20, sha512: 64 };

const digest = (hash: Hash, ...parts: Buffer[]) => {
  const h = createHash(hash);
  for (const part of parts) h.update(part);
  return h.digest();
};

/** MGF1 (RFC 8017 B.2.1). */
function mgf1(seed: Buffer, length: number, hash: Hash): Buffer {
  const blocks: Buffer[] = [];
  for (let counter = 0; blocks.length * HASH_LENGTH[hash] < length; counter++) {
    const c = Buffer.alloc(4);
    c.writeUInt32BE(counter);
    blocks.push(digest(hash, seed, c));
  }
  return Buffer.concat(blocks).subarray(0, length);
}

const xor = (a: Buffer, b: Buffer) => Buffer.from(a.map((byte, i) => byte ^ (b[i] ?? 0)));

function modulusBits(key: KeyObject): number {
  const bits = key.asymmetricKeyDetails?.modulusLength;
  if (!bits) throw new Error('an RSA key is required');
  return bits;
}

/** RSASSA-PSS with SHA-512, MGF1-SHA-512 and a 64-byte salt (JWS `PS512`), salt derived from the message. */
export function signPs512(message: Buffer, privateKey: KeyObject): Buffer {
  const modBits = modulusBits(privateKey);
  const k = Math.ceil(modBits / 8);
  const emBits = modBits - 1;
  const emLen = Math.ceil(emBits / 8);
  const hLen = 64;
  const mHash = digest('sha512', message);
  const salt = digest('sha512', Buffer.from('pact-example-salt'), mHash);
  const h = digest('sha512', Buffer.alloc(8), mHash, salt);
  const db = Buffer.concat([Buffer.alloc(emLen - salt.length - hLen - 2), Buffer.from([1]), salt]);
  const maskedDb = xor(db, mgf1(h, emLen - hLen - 1, 'sha512'));
  maskedDb[0] = maskedDb[0]! & (0xff >> (8 * emLen - emBits));
  const em = Buffer.concat([maskedDb, h, Buffer.from([0xbc])]);
  // RSASP1 on the encoded message, left-padded to the modulus length.
  return privateEncrypt({ key: privateKey, padding: constants.RSA_NO_PADDING }, Buffer.concat([Buffer.alloc(k - emLen), em]));
}

/** RSAES-OAEP with SHA-1 and MGF1-SHA-1 (what digi.me wraps file keys with), seed derived from the data. */
export function encryptOaepSha1(data: Buffer, publicKey: KeyObject): Buffer {
  const k = Math.ceil(modulusBits(publicKey) / 8);
  const hLen = 20;
  if (data.length > k - 2 * hLen - 2) throw new Error('message too long for RSA-OAEP');
  const lHash = digest('sha1', Buffer.alloc(0));
  const db = Buffer.concat([lHash, Buffer.alloc(k - data.length - 2 * hLen - 2), Buffer.from([1]), data]);
  const seed = digest('sha1', Buffer.from('pact-example-seed'), data);
  const maskedDb = xor(db, mgf1(seed, k - hLen - 1, 'sha1'));
  const maskedSeed = xor(seed, mgf1(maskedDb, hLen, 'sha1'));
  return publicEncrypt({ key: publicKey, padding: constants.RSA_NO_PADDING }, Buffer.concat([Buffer.from([0]), maskedSeed, maskedDb]));
}

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');

/** A compact PS512 JWS of `payload` under `header` (which must say `"alg":"PS512"`). */
export function compactJws(header: Record<string, unknown>, payload: Record<string, unknown>, privateKey: KeyObject): string {
  const input = `${b64url(header)}.${b64url(payload)}`;
  return `${input}.${signPs512(Buffer.from(input, 'ascii'), privateKey).toString('base64url')}`;
}
