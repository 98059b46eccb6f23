/**
 * Rotating the server's signing key (docs/protocol.md §8.10): a key ring of the current key and the
 * one it replaced. New tokens and answers are signed with the new key; the JWKS serves both, so a
 * client verifying a token signed before the rotation still finds its key, until the previous key
 * is retired. A key made here lives in memory: the key file keeps the key the mock started with.
 */
import type { CoreContext } from './context.js';
import { SigningKey, type ServerJwk } from './keys.js';

export interface KeyView {
  kid: string;
  status: 'current' | 'previous';
}

export interface Rotation {
  kid: string;
  /** The replaced key's id, while the JWKS still serves it. */
  previous?: string;
}

/** The public keys the JWKS serves: the current one first. */
export function publicKeys(ctx: CoreContext): ServerJwk[] {
  return ctx.previousKey ? [ctx.keys.jwk, ctx.previousKey] : [ctx.keys.jwk];
}

export function keyViews(ctx: CoreContext): KeyView[] {
  return publicKeys(ctx).map((jwk, i) => ({ kid: jwk.kid, status: i === 0 ? 'current' : 'previous' }));
}

/**
 * A new current key; the old one becomes the previous (or goes at once with `retirePrevious`). A
 * key ring holds two keys, so a key that was already previous is retired by a second rotation.
 */
export async function rotateKeys(ctx: CoreContext, options: { retirePrevious?: boolean } = {}): Promise<Rotation> {
  const next = await SigningKey.generate();
  const replaced = ctx.keys;
  ctx.keys = next;
  ctx.previousKey = options.retirePrevious ? undefined : replaced.jwk;
  // Access tokens signed ahead carry the old key's kid; they are signed again with the new one.
  ctx.store.presignedAccess.clear();
  return ctx.previousKey ? { kid: next.kid, previous: ctx.previousKey.kid } : { kid: next.kid };
}
