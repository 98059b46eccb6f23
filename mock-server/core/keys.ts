/**
 * The server's signing key: RSA (2048 bits or more), PS512, with a stable `kid` (the RFC 7638
 * thumbprint of the public key). It lives in a PEM file so that a restart keeps the key and tokens
 * issued before it still verify. Signing runs on libuv's thread pool (`crypto.sign` with a
 * callback), so the event loop keeps serving while RSA does its work.
 */
import { constants, createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { chmodSync, existsSync, linkSync, mkdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { calculateJwkThumbprint, type JWK } from 'jose';
import { ConfigError } from './config.js';

export interface ServerJwk extends JWK {
  kid: string;
  pem: string;
  kty: 'RSA';
  n: string;
  e: string;
  alg: 'PS512';
  use: 'sig';
}

const b64url = (data: string | Buffer) => Buffer.from(data).toString('base64url');

/** A key that cannot sign for the mock (not RSA, or too short). */
export class SigningKeyError extends Error {
  override name = 'SigningKeyError';
}

export class SigningKey {
  private constructor(
    readonly privateKey: KeyObject,
    readonly publicKey: KeyObject,
    readonly kid: string,
    readonly jwk: ServerJwk,
  ) {}

  static async fromPem(pem: string): Promise<SigningKey> {
    const privateKey = createPrivateKey(pem);
    if (privateKey.asymmetricKeyType !== 'rsa') throw new SigningKeyError('holds a key that is not RSA');
    const bits = privateKey.asymmetricKeyDetails?.modulusLength ?? 0;
    if (bits < 2048) throw new SigningKeyError(`holds an RSA key of ${bits} bits; it needs at least 2048`);
    const publicKey = createPublicKey(privateKey);
    const exported = publicKey.export({ format: 'jwk' }) as { n: string; e: string };
    const kid = await calculateJwkThumbprint({ kty: 'RSA', n: exported.n, e: exported.e }, 'sha256');
    const pem64 = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    return new SigningKey(privateKey, publicKey, kid, {
      kid,
      pem: pem64,
      kty: 'RSA',
      n: exported.n,
      e: exported.e,
      alg: 'PS512',
      use: 'sig',
    });
  }

  /** A new key that lives in memory only (the in-process mock, and the command without a key file). */
  static generate(): Promise<SigningKey> {
    return SigningKey.fromPem(SigningKey.generatePem());
  }

  static generatePem(modulusLength = 2048): string {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength });
    return privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  }

  /**
   * Reads the key file, or creates it (mode 0600) with a new key when it does not exist. The new
   * file is written aside and linked into place, so processes starting together all end up with
   * the one complete key.
   */
  static async loadOrCreate(file: string): Promise<SigningKey> {
    const fail = (why: string) => new ConfigError(`keyFile: ${file} ${why}`);
    if (!existsSync(file)) {
      try {
        mkdirSync(dirname(file), { recursive: true });
        const aside = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
        writeFileSync(aside, SigningKey.generatePem(), { mode: 0o600 });
        chmodSync(aside, 0o600);
        try {
          linkSync(aside, file);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        } finally {
          unlinkSync(aside);
        }
      } catch (err) {
        throw fail(`cannot be created: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
      }
    }
    if (statSync(file).isDirectory()) throw fail('is a folder, not a PEM file');
    let pem: string;
    try {
      pem = readFileSync(file, 'utf8');
    } catch (err) {
      throw fail(`cannot be read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    if (pem.trim() === '') throw fail('is empty');
    if (!/-----BEGIN (RSA )?PRIVATE KEY-----/.test(pem)) throw fail('holds no PEM private key');
    try {
      return await SigningKey.fromPem(pem);
    } catch (err) {
      throw fail(err instanceof SigningKeyError ? err.message : 'holds a PEM private key that cannot be read');
    }
  }

  /** The last header signed, encoded: a server signs with one `jku` nearly always. */
  #header = { jku: undefined as string | undefined, encoded: '' };

  #encodedHeader(jku: string | undefined): string {
    if (this.#header.encoded === '' || this.#header.jku !== jku) {
      const header = jku ? { alg: 'PS512', typ: 'JWT', kid: this.kid, jku } : { alg: 'PS512', typ: 'JWT', kid: this.kid };
      this.#header = { jku, encoded: b64url(JSON.stringify(header)) };
    }
    return this.#header.encoded;
  }

  /** A compact JWS, PS512, header `{alg, typ, kid, jku?}`. No exp/nbf: lifetimes live in the payload. */
  signJws(payload: object, jku?: string): Promise<string> {
    const input = `${this.#encodedHeader(jku)}.${b64url(JSON.stringify(payload))}`;
    return new Promise((resolveSig, reject) => {
      sign(
        'sha512',
        Buffer.from(input),
        { key: this.privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 64 },
        (err, signature) => (err ? reject(err) : resolveSig(`${input}.${signature.toString('base64url')}`)),
      );
    });
  }
}
