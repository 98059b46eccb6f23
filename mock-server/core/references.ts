/**
 * `POST reference` (docs/protocol.md §9.3): an opaque id that stands for a value an app names in a
 * consent-page URL, so that the value itself never travels in it. A reference is bound to the app
 * contract that asked for it, its type and its value, and lives `ttl.referenceCode` of mock time;
 * it may be used any number of times meanwhile. Each type has a validator; other types are refused.
 */
import type { CoreContext } from './context.js';
import { errors } from './errors.js';
import { randomId } from './ids.js';
import type { VerifiedRequest } from './request-jwt.js';
import { requireStorage } from './storage.js';
import type { AppContract, Reference } from './store.js';
import { noteAddition } from './sweep.js';

/** Throws an ApiError when this app contract may not reference `value`. Reads the store only. */
export type ReferenceValidator = (ctx: CoreContext, app: AppContract, value: string) => void;

/** The types an app may reference, each with the rule its values follow. */
export const REFERENCE_TYPES = new Map<string, ReferenceValidator>([
  // The call carries no user, so whose account it is can only be checked where the reference is
  // used: the reauthorize page knows the consent's user.
  ['accountId', () => undefined],
  // A storage the app may use (docs/protocol.md §9.6): one it created, or its user's; 404 otherwise.
  ['cloudId', (ctx, app, value) => void requireStorage(ctx, app, value)],
]);

/** Longer values are no identifier a digi.me client sends. */
const MAX_VALUE_LENGTH = 1024;

// The SDK reads only `id`; a 400 (not 406) for a body that names nothing referenceable.
const invalid = (detail: string) => errors.validation(detail, 400);

/** `POST reference` → `{id}`. */
export function createReference(ctx: CoreContext, { app }: VerifiedRequest, body: unknown): { id: string } {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw invalid('the body must be a JSON object with type and value');
  const { type, value } = body as Record<string, unknown>;
  const validate = typeof type === 'string' ? REFERENCE_TYPES.get(type) : undefined;
  if (!validate) throw invalid(`type must be one of ${[...REFERENCE_TYPES.keys()].join(', ')}`);
  if (typeof value !== 'string' || value === '') throw invalid('value must be a non-empty string');
  if (value.length > MAX_VALUE_LENGTH) throw invalid(`value must be at most ${MAX_VALUE_LENGTH} characters`);
  validate(ctx, app, value);
  const reference: Reference = {
    id: randomId(24),
    clientId: app.clientId,
    type: type as string,
    value,
    expiresAt: ctx.clock.now() + ctx.config.ttl.referenceCode * 1000,
  };
  ctx.store.references.set(reference.id, reference);
  noteAddition(ctx);
  return { id: reference.id };
}

/** The value a live reference of this app contract and type stands for; undefined otherwise. */
export function resolveReference(ctx: CoreContext, clientId: string, id: unknown, type: string): string | undefined {
  const reference = typeof id === 'string' ? ctx.store.references.get(id) : undefined;
  if (!reference || reference.clientId !== clientId || reference.type !== type) return undefined;
  if (ctx.clock.now() >= reference.expiresAt) return undefined;
  return reference.value;
}
