/**
 * Targeted expiry and revocation: what a test needs to make one user's (or one app's) tokens die
 * now, without moving the clock for everyone. Expired means "as if its lifetime had run out";
 * revoked means withdrawn; both answer 401 InvalidToken, as digi.me does.
 */
import type { CoreContext } from './context.js';
import type { TokenRecord } from './store.js';

export interface TokenSelector {
  /** Which tokens: access, refresh, or both (default). */
  token?: 'access' | 'refresh' | 'all';
  /** `<appId>_<contractId>` */
  clientId?: string;
  userId?: string;
  consentId?: string;
}

function selected(t: TokenRecord, s: TokenSelector): boolean {
  const kind = s.token ?? 'all';
  return (
    (kind === 'all' || t.kind === kind) &&
    (s.clientId === undefined || t.clientId === s.clientId) &&
    (s.userId === undefined || t.userId === s.userId) &&
    (s.consentId === undefined || t.consentId === s.consentId)
  );
}

/** How many tokens a call touched, and of how many app contracts: an empty selector touches all. */
export interface TokensTouched {
  tokens: number;
  apps: number;
}

/** Ends the life of the selected live tokens now. */
export function expireTokens(ctx: CoreContext, selector: TokenSelector = {}): TokensTouched {
  const now = ctx.clock.now();
  const apps = new Set<string>();
  let tokens = 0;
  for (const t of ctx.store.tokens.values()) {
    if (selected(t, selector) && t.expiresAt > now && t.revokedAt === undefined) {
      t.expiresAt = now;
      tokens++;
      apps.add(t.clientId);
    }
  }
  return { tokens, apps: apps.size };
}

/** Revokes the selected tokens. */
export function revokeTokens(ctx: CoreContext, selector: TokenSelector = {}): TokensTouched {
  const now = ctx.clock.now();
  const apps = new Set<string>();
  let tokens = 0;
  for (const t of ctx.store.tokens.values()) {
    if (selected(t, selector) && t.revokedAt === undefined) {
      t.revokedAt = now;
      tokens++;
      apps.add(t.clientId);
    }
  }
  return { tokens, apps: apps.size };
}
