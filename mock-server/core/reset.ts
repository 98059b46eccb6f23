/**
 * Reset (docs/protocol.md §8.10): back to the state at start, between tests. Every record the store
 * holds goes (consents, tokens, codes, sessions, nonces, users and scenarios made at run time…),
 * the app contracts registered at start come back as they were (those registered at run time
 * go), and the mock clock returns to real time. The signing keys stay, so a JWKS a client has
 * cached is still good.
 */
import type { CoreContext } from './context.js';
import { refreshUsers, type UserDirectory } from './runtime-users.js';
import type { AppContract } from './store.js';

export function resetState(ctx: CoreContext, dir: UserDirectory, startApps: ReadonlyMap<string, AppContract>): void {
  for (const map of Object.values(ctx.store)) if (map instanceof Map) map.clear();
  for (const [clientId, app] of startApps) ctx.store.apps.set(clientId, app);
  ctx.store.additions = 0;
  ctx.clock.reset();
  refreshUsers(ctx, dir);
}
