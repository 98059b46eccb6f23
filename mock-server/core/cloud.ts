/**
 * The cloud under a storage (docs/protocol.md §9.6): each app keeps files under its own folder,
 * `clouds/<storageId>/files/apps/<appId>/…`, and signs every call with a short-lived token of its
 * own (PS512 by the contract key, `aud: "cloud"`, `exp` a minute on). Files are stored verbatim:
 * clients encrypt before upload and decrypt after download. Names match case-insensitively, as the
 * paths the list answers are lower-cased.
 */
import { decodeJwt, decodeProtectedHeader } from 'jose';
import type { CoreContext } from './context.js';
import { ApiError, errors } from './errors.js';
import { randomId } from './ids.js';
import { bearerToken, verifyPs512 } from './request-jwt.js';
import { requireStorage } from './storage.js';
import type { AppContract, Storage, StorageFile } from './store.js';

/** A cloud call's address: whose storage, which app's folder, and the path below that folder. */
export interface CloudAddress {
  storageId: string;
  appId: string;
  /** Starts with `/`; a folder ends with `/`. */
  path: string;
}

/** An entry of a folder listing, as the official SDK's codec requires. */
export interface StorageFileEntry {
  id: string;
  name: string;
  originalName: string;
  path: string;
  originalPath: string;
}

const invalidToken = (why: string) => new ApiError('InvalidToken', `The cloud token is invalid: ${why}`);

/** The app contract behind a cloud bearer token, or 401 InvalidToken naming what is wrong. */
function verifyCloudToken(ctx: CoreContext, authorization: string | undefined): AppContract {
  const jwt = bearerToken(authorization);
  if (!jwt) throw invalidToken('a bearer token is required');
  let header: ReturnType<typeof decodeProtectedHeader>;
  let claims: ReturnType<typeof decodeJwt>;
  try {
    header = decodeProtectedHeader(jwt);
    claims = decodeJwt(jwt);
  } catch {
    throw invalidToken('not a JWT');
  }
  if (header.alg !== 'PS512') throw invalidToken('it must be signed with PS512');
  const { sub, iss, aud, exp } = claims;
  if (typeof sub !== 'string' || typeof iss !== 'string') throw invalidToken('sub (the app id) and iss (the contract id) are required');
  const app = ctx.store.apps.get(`${sub}_${iss}`);
  if (!app) throw invalidToken(`no contract ${iss} of app ${sub}`);
  if (header.kid !== undefined && !String(header.kid).startsWith(`${iss}_${sub}_`)) throw invalidToken(`kid must be ${iss}_${sub}_0`);
  if (!verifyPs512(jwt, app.publicKey)) throw invalidToken("the signature does not verify with the contract's key");
  if (!(aud === 'cloud' || (Array.isArray(aud) && aud.includes('cloud')))) throw invalidToken('aud must be "cloud"');
  if (typeof exp !== 'number') throw invalidToken('exp is required');
  // Clients sign with their real time, so the real clock judges it, as for request JWTs.
  if (ctx.wallClock.now() >= exp * 1000) throw new ApiError('InvalidToken', 'The cloud token has expired');
  return app;
}

/** A folder (`/a/b/`) and a file name from a path; spaces, and empty segments, are refused. */
function splitPath(path: string): { folder: string; name: string } {
  if (!path.startsWith('/')) throw errors.validation('the path must start with /', 400);
  if (/\s/.test(path)) throw errors.validation('storage paths must not contain spaces', 400);
  const cut = path.lastIndexOf('/') + 1;
  const folder = path.slice(0, cut);
  if (folder.includes('//')) throw errors.validation('the path has an empty folder name', 400);
  return { folder, name: path.slice(cut) };
}

const fileKey = (storageId: string, appId: string, folder: string, name: string) =>
  `${storageId}/${appId}/${(folder + name).toLowerCase()}`;

function entry(file: StorageFile): StorageFileEntry {
  return {
    id: file.id,
    name: file.name.toLowerCase(),
    originalName: file.name,
    path: `/apps/${file.appId.toLowerCase()}${file.folder.toLowerCase()}`,
    originalPath: `/apps/${file.appId}${file.folder}`,
  };
}

/** Checks the token, that it is this app's folder, and that the app may use the storage. */
function access(ctx: CoreContext, authorization: string | undefined, address: CloudAddress) {
  const app = verifyCloudToken(ctx, authorization);
  if (address.appId !== app.appId) throw new ApiError('Forbidden', "The token's app may use only its own folder, /apps/" + app.appId);
  const storage = requireStorage(ctx, app, address.storageId);
  return { app, storage, ...splitPath(address.path) };
}

function filesIn(ctx: CoreContext, storageId: string, appId: string, folder: string, recursive: boolean): StorageFile[] {
  const lower = folder.toLowerCase();
  return [...ctx.store.storageFiles.values()]
    .filter((f) => f.storageId === storageId && f.appId === appId)
    .filter((f) => (recursive ? f.folder.toLowerCase().startsWith(lower) : f.folder.toLowerCase() === lower))
    .sort((a, b) => {
      const x = entry(a).path + entry(a).name;
      const y = entry(b).path + entry(b).name;
      return x < y ? -1 : x > y ? 1 : 0;
    });
}

/** `POST …/<folder>/<name>`: stores the bytes, replacing a file of the same path. */
export function uploadStorageFile(ctx: CoreContext, authorization: string | undefined, address: CloudAddress, body: Uint8Array | undefined): StorageFileEntry {
  const { storage } = access(ctx, authorization, address);
  return storeFile(ctx, storage, address.appId, address.path, body);
}

/** Puts a file at `path` in an app's folder of a storage, replacing one of the same path. */
export function storeFile(ctx: CoreContext, storage: Storage, appId: string, path: string, body: Uint8Array | undefined): StorageFileEntry {
  const { folder, name } = splitPath(path);
  if (name === '') throw errors.validation('a file name is required', 400);
  const file: StorageFile = {
    id: randomId(12),
    storageId: storage.id,
    appId,
    folder,
    name,
    data: new Uint8Array(body ?? []),
    uploadedAt: ctx.clock.now(),
  };
  ctx.store.storageFiles.set(fileKey(storage.id, appId, folder, name), file);
  return entry(file);
}

/** `GET …/<folder>/?recursive=true|false`: the folder's files, and with `recursive`, those below it. */
export function listStorageFiles(ctx: CoreContext, authorization: string | undefined, address: CloudAddress, recursive: boolean) {
  const { storage, folder } = access(ctx, authorization, address);
  const files = filesIn(ctx, storage.id, address.appId, folder, recursive).map(entry);
  return { files, total: files.length };
}

/** `GET …/<path>`: the bytes as uploaded. */
export function downloadStorageFile(ctx: CoreContext, authorization: string | undefined, address: CloudAddress): Uint8Array {
  const { storage, folder, name } = access(ctx, authorization, address);
  const file = name === '' ? undefined : ctx.store.storageFiles.get(fileKey(storage.id, address.appId, folder, name));
  if (!file) throw errors.notFound('The file');
  return file.data;
}

/** `DELETE …/<path>`: one file, or, for a path ending in `/`, every file under that folder. */
export function deleteStorageFiles(ctx: CoreContext, authorization: string | undefined, address: CloudAddress): void {
  const { storage, folder, name } = access(ctx, authorization, address);
  if (name === '') {
    for (const f of filesIn(ctx, storage.id, address.appId, folder, true)) {
      ctx.store.storageFiles.delete(fileKey(storage.id, f.appId, f.folder, f.name));
    }
    return;
  }
  if (!ctx.store.storageFiles.delete(fileKey(storage.id, address.appId, folder, name))) throw errors.notFound('The file');
}
