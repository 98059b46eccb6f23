/**
 * Storages (docs/protocol.md §9.6): an app creates a provisional storage before it has a user, and
 * names it on the consent page (`storageRef`); approval hands it to the user who consents. A user
 * who has none gets one when an app first asks for theirs. An app may use a storage it created,
 * or one whose user has given it consent.
 */
import type { CoreContext } from './context.js';
import { errors } from './errors.js';
import { randomId } from './ids.js';
import type { VerifiedRequest } from './request-jwt.js';
import type { AppContract, Storage } from './store.js';
import { requireAccessToken } from './tokens.js';

/** The wire form: `{id, kid}`; `kid` is opaque to apps. */
export const storageView = ({ id, kid }: Storage) => ({ id, kid });

function newStorage(ctx: CoreContext, clientId: string, userId?: string): Storage {
  const id = randomId(12);
  const storage: Storage = { id, kid: `${id}_0`, clientId, ...(userId && { userId }), createdAt: ctx.clock.now() };
  ctx.store.storages.set(id, storage);
  return storage;
}

const storageOfUser = (ctx: CoreContext, userId: string) => [...ctx.store.storages.values()].find((s) => s.userId === userId);

/** `POST storage`: a provisional storage, the app's until a consent names it. */
export function createProvisionalStorage(ctx: CoreContext, { app }: VerifiedRequest) {
  return storageView(newStorage(ctx, app.clientId));
}

/** `GET storage`: the storage of the user behind the access token, made on first call. */
export function userStorage(ctx: CoreContext, { app, claims }: VerifiedRequest) {
  const { consent } = requireAccessToken(ctx, app, claims.access_token);
  return storageView(storageOfUser(ctx, consent.userId) ?? newStorage(ctx, app.clientId, consent.userId));
}

/** Whether an app contract may use a storage: it created it, or the storage's user consented to it. */
export function mayUseStorage(ctx: CoreContext, app: AppContract, storage: Storage): boolean {
  if (storage.clientId === app.clientId) return true;
  if (storage.userId === undefined) return false;
  for (const c of ctx.store.consents.values()) {
    if (c.clientId === app.clientId && c.userId === storage.userId && c.revokedAt === undefined) return true;
  }
  return false;
}

/** A storage this app may use, by id; 404 NotFound otherwise, without saying whether it exists. */
export function requireStorage(ctx: CoreContext, app: AppContract, id: unknown): Storage {
  const storage = typeof id === 'string' ? ctx.store.storages.get(id) : undefined;
  if (!storage || !mayUseStorage(ctx, app, storage)) throw errors.notFound('The storage');
  return storage;
}

/**
 * On approval of a consent opened with a `storageRef`: a provisional storage becomes the user's.
 * A user who already has a storage keeps it, and the provisional one stays the app's.
 */
export function claimStorage(ctx: CoreContext, storageId: string, userId: string): void {
  const storage = ctx.store.storages.get(storageId);
  if (!storage || storage.userId !== undefined || storageOfUser(ctx, userId)) return;
  storage.userId = userId;
}
