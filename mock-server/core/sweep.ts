/**
 * Forgetting what can no longer be used: long-expired tokens, expired codes and sessions. A
 * forgotten token answers as an expired one does (401 InvalidToken), so this only bounds memory
 * in a long-running mock. Run now and then from the paths that add records.
 */
import type { CoreContext } from './context.js';
import type { Store } from './store.js';

const EVERY = 1024;

/** Per store, its count of additions at the last sweep. */
const lastSweep = new WeakMap<Store, number>();

/**
 * Sweeps every 1024 additions, or, once the store holds more than eight times that many tokens,
 * every eighth of their number: a sweep looks at every record, so its cost per addition stays the
 * same however many a long-running mock holds.
 */
export function noteAddition(ctx: CoreContext): void {
  const { store } = ctx;
  const n = ++store.additions;
  let last = lastSweep.get(store) ?? 0;
  if (last > n) last = 0; // counted again from zero after a reset
  if (n - last < Math.max(EVERY, store.tokens.size >> 3)) return;
  lastSweep.set(store, n);
  sweepExpired(ctx);
}

export function sweepExpired(ctx: CoreContext): void {
  const now = ctx.clock.now();
  const { store } = ctx;
  // Expired tokens are kept a refresh-token lifetime longer: re-authorisation may still name one.
  const grace = ctx.config.ttl.refreshToken * 1000;
  let forgotten = 0;
  for (const [k, t] of store.tokens) {
    if (t.expiresAt + grace <= now) {
      store.tokens.delete(k);
      forgotten++;
    }
  }
  if (forgotten > 0 && store.presignedAccess.size > 0) {
    const families = new Set<string>();
    for (const t of store.tokens.values()) families.add(t.family);
    for (const family of store.presignedAccess.keys()) if (!families.has(family)) store.presignedAccess.delete(family);
  }
  for (const [k, c] of store.preauthorizationCodes) if (c.expiresAt <= now) store.preauthorizationCodes.delete(k);
  // A used code stays until it expires, so that a replay can still revoke what it produced.
  for (const [k, c] of store.authorizationCodes) if (c.expiresAt <= now) store.authorizationCodes.delete(k);
  for (const [k, s] of store.sessions) if (s.expiresAt <= now) store.sessions.delete(k);
  for (const [k, c] of store.revokeCodes) if (c.expiresAt <= now) store.revokeCodes.delete(k);
  for (const [k, r] of store.references) if (r.expiresAt <= now) store.references.delete(k);
}
