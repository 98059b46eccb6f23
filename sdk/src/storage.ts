/**
 * Storage (docs/protocol.md §9.6): a place in digi.me's cloud where the app keeps files of its own
 * for a user. The storage itself comes from the API (`POST storage` before there is a user,
 * `GET storage` for the user's); its files live in the cloud, under the app's own folder, and each
 * cloud call carries a short-lived token the contract's key signs, not a request JWT. Files are
 * encrypted here before they go up, for the contract's own key, and decrypted when they come down:
 * the cloud keeps them as it gets them.
 */
import { constants, createCipheriv, createPublicKey, publicEncrypt, randomBytes } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { SignJWT } from 'jose';
import { z } from 'zod';
import { UnexpectedResponseError } from './errors.js';
import { decryptFileBytes } from './files.js';
import { discardBody, readBody, readJson, sendSigned } from './http.js';
import type { HttpContext } from './http.js';

export interface Storage {
  id: string;
  kid: string;
}

/** A file in a storage. `path` and `originalPath` are the folder below the app's own (`/photos/`). */
export interface StorageFile {
  id: string;
  /** Lower-cased, as the cloud lists it. */
  name: string;
  originalName: string;
  /** Lower-cased. */
  path: string;
  originalPath: string;
}

/** Who signs cloud tokens, and where the cloud is. */
export interface CloudContext {
  http: HttpContext;
  cloudBaseUrl: string;
  appId: string;
  contractId: string;
  privateKey: KeyObject;
}

const storageSchema = z.looseObject({ id: z.string().min(1), kid: z.string() });
const listSchema = z.looseObject({
  files: z.array(z.looseObject({ id: z.string(), name: z.string(), originalName: z.string(), path: z.string(), originalPath: z.string() })),
  total: z.number(),
});

async function storageAnswer(response: Response, request: string, signal: AbortSignal | undefined): Promise<Storage> {
  const result = storageSchema.safeParse(await readJson(response, request, signal));
  if (!result.success) throw new UnexpectedResponseError(`${request} answered without a storage {id, kid}`);
  return { id: result.data.id, kid: result.data.kid };
}

/** `POST B+storage`: a storage of the app's, until a consent hands it to a user. */
export async function createProvisionalStorage(http: HttpContext, baseUrl: string, signal: AbortSignal | undefined): Promise<Storage> {
  const url = `${baseUrl}storage`;
  // Not repeated once digi.me may have made one: a second attempt would make a second storage.
  const response = await sendSigned(http, { method: 'POST', url, signal, retry: 'network' });
  return storageAnswer(response, `POST ${url}`, signal);
}

/** `GET B+storage`: the user's storage (digi.me makes one the first time). */
export async function fetchUserStorage(
  http: HttpContext,
  options: { baseUrl: string; accessToken: string; signal?: AbortSignal | undefined },
): Promise<Storage> {
  const url = `${options.baseUrl}storage`;
  const response = await sendSigned(http, { method: 'GET', url, claims: { access_token: options.accessToken }, signal: options.signal });
  return storageAnswer(response, `GET ${url}`, options.signal);
}

/**
 * A cloud token: PS512 by the contract's key, header `typ: at+jwt` and `kid <contractId>_<appId>_0`,
 * claims `sub` (app), `iss` (contract), `aud: cloud`, and a minute to live by the real clock.
 */
export function signCloudToken(cloud: CloudContext): Promise<string> {
  const iat = Math.floor(Date.now() / 1000);
  return new SignJWT({ sub: cloud.appId, iss: cloud.contractId, aud: 'cloud', iat, exp: iat + 60 })
    .setProtectedHeader({ alg: 'PS512', typ: 'at+jwt', kid: `${cloud.contractId}_${cloud.appId}_0` })
    .sign(cloud.privateKey);
}

/** `/a/b/` from `a/b`, `/a/b`, `a/b/` (the root, `/`, when there is none). */
export function folderPath(path: string | undefined): string {
  const trimmed = (path ?? '').replace(/^\/+|\/+$/g, '');
  return trimmed === '' ? '/' : `/${trimmed}/`;
}

/** `path` with one leading `/`. */
export function filePath(path: string): string {
  return `/${path.replace(/^\/+/, '')}`;
}

/** The address of a path in the app's folder of a storage; each segment percent-encoded. */
function cloudUrl(cloud: CloudContext, storageId: string, path: string): string {
  const encoded = path.split('/').map(encodeURIComponent).join('/');
  return `${cloud.cloudBaseUrl}clouds/${encodeURIComponent(storageId)}/files/apps/${encodeURIComponent(cloud.appId)}${encoded}`;
}

/** The cloud's layout (docs/protocol.md §9.6, §5.3): a data key for the contract's own public key, an IV, AES-256-CBC. */
export function encryptForStorage(privateKey: KeyObject, plain: Uint8Array): Buffer {
  const dataKey = randomBytes(32);
  const iv = randomBytes(16);
  const wrapped = publicEncrypt({ key: createPublicKey(privateKey), padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' }, dataKey);
  const cipher = createCipheriv('aes-256-cbc', dataKey, iv);
  return Buffer.concat([wrapped, iv, cipher.update(plain), cipher.final()]);
}

/** What follows `/apps/<appId>` in a listed path (the cloud lists them from the storage's root). */
function belowAppFolder(path: string, appId: string): string {
  const prefix = `/apps/${appId}`;
  return path.toLowerCase().startsWith(prefix.toLowerCase()) ? path.slice(prefix.length) || '/' : path;
}

/** `GET C+clouds/<storage>/files/apps/<app><folder>?recursive=…`. */
export async function listStorageFiles(
  cloud: CloudContext,
  options: { storageId: string; path?: string | undefined; recursive?: boolean | undefined; signal?: AbortSignal | undefined },
): Promise<{ files: StorageFile[]; total: number }> {
  const url = `${cloudUrl(cloud, options.storageId, folderPath(options.path))}?recursive=${options.recursive ? 'true' : 'false'}`;
  const response = await sendSigned(cloud.http, { method: 'GET', url, bearer: () => signCloudToken(cloud), signal: options.signal });
  const result = listSchema.safeParse(await readJson(response, `GET ${url}`, options.signal));
  if (!result.success) throw new UnexpectedResponseError(`GET ${url}: the file list is malformed`);
  const files = result.data.files.map((f) => ({
    id: f.id,
    name: f.name,
    originalName: f.originalName,
    path: belowAppFolder(f.path, cloud.appId),
    originalPath: belowAppFolder(f.originalPath, cloud.appId),
  }));
  return { files, total: result.data.total };
}

/** `POST C+…<folder><fileName>`: the bytes, encrypted for the contract's own key. */
export async function uploadStorageFile(
  cloud: CloudContext,
  options: { storageId: string; path?: string | undefined; fileName: string; fileData: Uint8Array; signal?: AbortSignal | undefined },
): Promise<void> {
  const url = cloudUrl(cloud, options.storageId, `${folderPath(options.path)}${options.fileName}`);
  const response = await sendSigned(cloud.http, {
    method: 'POST',
    url,
    bearer: () => signCloudToken(cloud),
    bytes: { data: encryptForStorage(cloud.privateKey, options.fileData), contentType: 'application/octet-stream' },
    signal: options.signal,
  });
  await discardBody(response);
}

/** `GET C+…<path>`: the file, decrypted. */
export async function downloadStorageFile(
  cloud: CloudContext,
  options: { storageId: string; path: string; signal?: AbortSignal | undefined },
): Promise<Buffer> {
  const path = filePath(options.path);
  const url = cloudUrl(cloud, options.storageId, path);
  const response = await sendSigned(cloud.http, {
    method: 'GET',
    url,
    bearer: () => signCloudToken(cloud),
    accept: 'application/octet-stream',
    signal: options.signal,
  });
  const body = new Uint8Array(await readBody(() => response.arrayBuffer(), `GET ${url}`, options.signal));
  return decryptFileBytes(cloud.privateKey, body, path);
}

/** `DELETE C+…<path>`: a file, or a folder (ending in `/`) with every file below it. */
export async function deleteStorageFiles(
  cloud: CloudContext,
  options: { storageId: string; path: string; signal?: AbortSignal | undefined },
): Promise<void> {
  const url = cloudUrl(cloud, options.storageId, filePath(options.path));
  const response = await sendSigned(cloud.http, { method: 'DELETE', url, bearer: () => signCloudToken(cloud), signal: options.signal });
  await discardBody(response);
}
