import { constants, createDecipheriv, KeyObject, privateDecrypt, webcrypto } from 'node:crypto';
import { promisify } from 'node:util';
import { brotliDecompress, gunzip } from 'node:zlib';
import { FileDecryptionError, InvalidArgumentError, UnexpectedResponseError } from './errors.js';
import { discardBody, isRecord, readBody, sendSigned } from './http.js';
import type { HttpContext } from './http.js';

const gunzipAsync = promisify(gunzip);
const brotliDecompressAsync = promisify(brotliDecompress);

const IV_LENGTH = 16;
const DATA_KEY_LENGTH = 32;

export type Compression = 'gzip' | 'brotli' | 'none';

/** Mapped files carry `objectCount`, `objectType`, `serviceGroup`, `serviceName`, `schema`; raw files `mimetype`, `accounts`. */
export type FileMetadata = Record<string, unknown>;

/** One file of a session, decrypted, decompressed and (when it is JSON) parsed. */
export interface SessionFile {
  fileName: string;
  /** The parsed JSON; `undefined` for a raw file that is not JSON (see `bytes`). */
  data: unknown;
  /** The decrypted, decompressed bytes. */
  bytes: Buffer;
  metadata: FileMetadata;
  compression: Compression;
  /** The `last-modified` header, when sent. */
  lastModified: string | undefined;
}

/** A file's parts, checked: the wrapped data key (one modulus length), the IV, the AES-256-CBC blocks. */
interface EncryptedFile {
  file: Buffer;
  keyLength: number;
  headerLength: number;
  at: { fileName?: string };
}

function encryptedFile(privateKey: KeyObject, body: Uint8Array, fileName?: string): EncryptedFile {
  if (!(privateKey instanceof KeyObject) || privateKey.type !== 'private' || privateKey.asymmetricKeyType !== 'rsa') {
    throw new InvalidArgumentError([{ path: 'privateKey', message: 'must be an RSA private KeyObject' }]);
  }
  if (!(body instanceof Uint8Array)) throw new InvalidArgumentError([{ path: 'body', message: 'must be a Uint8Array (or Buffer)' }]);
  if (fileName !== undefined && typeof fileName !== 'string') {
    throw new InvalidArgumentError([{ path: 'fileName', message: 'must be a string' }]);
  }
  const at = fileName !== undefined ? { fileName } : {};
  const file = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const keyLength = Math.ceil((privateKey.asymmetricKeyDetails?.modulusLength ?? 2048) / 8);
  const headerLength = keyLength + IV_LENGTH;
  if (file.length < headerLength + 16 || (file.length - headerLength) % 16 !== 0) {
    throw new FileDecryptionError(
      'size',
      `The file is ${file.length} bytes; expected ${headerLength} bytes of key and IV and whole 16-byte blocks after`,
      at,
    );
  }
  return { file, keyLength, headerLength, at };
}

function keyError(at: EncryptedFile['at'], cause: unknown): FileDecryptionError {
  return new FileDecryptionError('key', 'The data key does not decrypt with this private key', { ...at, cause });
}

function decipher({ file, keyLength, headerLength, at }: EncryptedFile, dataKey: Buffer): Buffer {
  if (dataKey.length !== DATA_KEY_LENGTH) {
    throw new FileDecryptionError('key', `The data key is ${dataKey.length} bytes, not ${DATA_KEY_LENGTH}`, at);
  }
  try {
    const decipher = createDecipheriv('aes-256-cbc', dataKey, file.subarray(keyLength, headerLength));
    return Buffer.concat([decipher.update(file.subarray(headerLength)), decipher.final()]);
  } catch (error) {
    throw new FileDecryptionError('decrypt', 'The file content does not decrypt', { ...at, cause: error });
  }
}

/**
 * Decrypts a downloaded file (docs/protocol.md §5): the data key RSA-OAEP (SHA-1) wrapped with the
 * app's public key (one modulus length: 256 bytes for a 2048-bit key), a 16-byte IV, then
 * AES-256-CBC with PKCS#7 padding. Any failure is a `FileDecryptionError`.
 */
export function decryptFileBytes(privateKey: KeyObject, body: Uint8Array, fileName?: string): Buffer {
  const parts = encryptedFile(privateKey, body, fileName);
  let dataKey: Buffer;
  try {
    dataKey = privateDecrypt(
      { key: privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' },
      parts.file.subarray(0, parts.keyLength),
    );
  } catch (error) {
    throw keyError(parts.at, error);
  }
  return decipher(parts, dataKey);
}

/** The contract's key as WebCrypto takes it for RSA-OAEP (SHA-1), made once per key; undefined if it does not import. */
const oaepKeys = new WeakMap<KeyObject, Promise<CryptoKey | undefined>>();

function oaepKeyOf(privateKey: KeyObject): Promise<CryptoKey | undefined> {
  let key = oaepKeys.get(privateKey);
  if (!key) {
    key = webcrypto.subtle
      .importKey('pkcs8', privateKey.export({ type: 'pkcs8', format: 'der' }), { name: 'RSA-OAEP', hash: 'SHA-1' }, false, ['decrypt'])
      .catch(() => undefined);
    oaepKeys.set(privateKey, key);
  }
  return key;
}

/**
 * As `decryptFileBytes`, with the data key unwrapped on Node's thread pool (WebCrypto) rather than
 * on the event loop: a file's RSA decryption then overlaps the other files' downloads. A key
 * WebCrypto does not import is used as `decryptFileBytes` uses it.
 */
async function decryptFileBytesOffThread(privateKey: KeyObject, body: Uint8Array, fileName: string): Promise<Buffer> {
  const parts = encryptedFile(privateKey, body, fileName);
  const key = await oaepKeyOf(privateKey);
  if (!key) return decryptFileBytes(privateKey, body, fileName);
  let dataKey: Buffer;
  try {
    dataKey = Buffer.from(await webcrypto.subtle.decrypt({ name: 'RSA-OAEP' }, key, parts.file.subarray(0, parts.keyLength)));
  } catch (error) {
    throw keyError(parts.at, error);
  }
  return decipher(parts, dataKey);
}

export async function decompress(data: Buffer, compression: Compression, fileName?: string): Promise<Buffer> {
  try {
    if (compression === 'gzip') return await gunzipAsync(data);
    if (compression === 'brotli') return await brotliDecompressAsync(data);
    return data;
  } catch (error) {
    throw new FileDecryptionError('decompress', `The file does not decompress as ${compression}`, {
      cause: error,
      ...(fileName !== undefined ? { fileName } : {}),
    });
  }
}

/** Reads the `x-metadata` header: base64url JSON `{metadata, compression?}`. */
export function parseMetadataHeader(header: string | null, request: string): { metadata: FileMetadata; compression: Compression } {
  if (header !== null && header !== undefined && typeof header !== 'string') {
    throw new InvalidArgumentError([{ path: 'header', message: 'must be the x-metadata header: a string, or null' }]);
  }
  if (typeof request !== 'string') throw new InvalidArgumentError([{ path: 'request', message: 'must be a string' }]);
  if (!header) throw new UnexpectedResponseError(`${request}: the response has no x-metadata header`);
  let decoded: unknown;
  try {
    // Node's base64url decoder also accepts standard base64.
    decoded = JSON.parse(Buffer.from(header, 'base64url').toString('utf8'));
  } catch (error) {
    throw new UnexpectedResponseError(`${request}: x-metadata is not base64url JSON`, { cause: error });
  }
  if (!isRecord(decoded) || !isRecord(decoded.metadata)) {
    throw new UnexpectedResponseError(`${request}: x-metadata has no metadata object`);
  }
  const raw = decoded.compression;
  let compression: Compression;
  if (raw === undefined || raw === null || raw === 'none' || raw === '') compression = 'none';
  else if (raw === 'gzip' || raw === 'brotli') compression = raw;
  else throw new UnexpectedResponseError(`${request}: x-metadata names an unknown compression ${JSON.stringify(raw)}`);
  return { metadata: decoded.metadata, compression };
}

/** Mapped files are JSON; raw files are JSON when their `mimetype` says so. */
function isJson(metadata: FileMetadata): boolean {
  const mimetype = metadata.mimetype;
  if (typeof mimetype === 'string') return /json/i.test(mimetype);
  return true;
}

/** Decrypts, decompresses and parses one downloaded file. */
export async function decodeFile(
  privateKey: KeyObject,
  body: Uint8Array,
  header: { metadata: FileMetadata; compression: Compression; lastModified: string | undefined },
  fileName: string,
): Promise<SessionFile> {
  const bytes = await decompress(await decryptFileBytesOffThread(privateKey, body, fileName), header.compression, fileName);
  let data: unknown;
  if (isJson(header.metadata)) {
    try {
      data = JSON.parse(bytes.toString('utf8'));
    } catch (error) {
      throw new FileDecryptionError('parse', 'The decrypted file is not JSON', { cause: error, fileName });
    }
  }
  return { fileName, data, bytes, metadata: header.metadata, compression: header.compression, lastModified: header.lastModified };
}

/** `GET B+permission-access/query/<sessionKey>/<fileName>` and decode the result. */
export async function fetchFile(
  http: HttpContext,
  options: {
    baseUrl: string;
    sessionKey: string;
    fileName: string;
    accessToken: string;
    privateKey: KeyObject;
    signal?: AbortSignal | undefined;
  },
): Promise<SessionFile> {
  const url =
    `${options.baseUrl}permission-access/query/` +
    `${encodeURIComponent(options.sessionKey)}/${encodeURIComponent(options.fileName)}`;
  const response = await sendSigned(http, {
    method: 'GET',
    url,
    claims: { access_token: options.accessToken },
    accept: 'application/octet-stream',
    signal: options.signal,
  });
  const header = parseMetadataHeader(response.headers.get('x-metadata'), `GET ${url}`);
  const body = new Uint8Array(await readBody(() => response.arrayBuffer(), `GET ${url}`, options.signal));
  return decodeFile(
    options.privateKey,
    body,
    { ...header, lastModified: response.headers.get('last-modified') ?? undefined },
    options.fileName,
  );
}

/** What `HEAD B+permission-access/query/<sessionKey>/<fileName>` says about a file, without its bytes. */
export interface FileMetadataResult {
  fileName: string;
  metadata: FileMetadata;
  compression: Compression;
  /** The `last-modified` header, when sent. */
  lastModified: string | undefined;
}

/** `HEAD B+permission-access/query/<sessionKey>/<fileName>`: the file's `x-metadata` and `last-modified`. */
export async function fetchFileMetadata(
  http: HttpContext,
  options: { baseUrl: string; sessionKey: string; fileName: string; accessToken: string; signal?: AbortSignal | undefined },
): Promise<FileMetadataResult> {
  const url =
    `${options.baseUrl}permission-access/query/` +
    `${encodeURIComponent(options.sessionKey)}/${encodeURIComponent(options.fileName)}`;
  const response = await sendSigned(http, {
    method: 'HEAD',
    url,
    claims: { access_token: options.accessToken },
    signal: options.signal,
  });
  await discardBody(response);
  const { metadata, compression } = parseMetadataHeader(response.headers.get('x-metadata'), `HEAD ${url}`);
  return { fileName: options.fileName, metadata, compression, lastModified: response.headers.get('last-modified') ?? undefined };
}
