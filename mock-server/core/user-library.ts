/**
 * A user's library as consents and the data plane see it: the fixture user's accounts, then the
 * sample accounts onboarded into it since start (docs/protocol.md §9.4), in the order they came,
 * then the accounts at providers the user onboarded (§9.5).
 */
import type { CoreContext } from './context.js';
import type { User } from './model.js';

export function libraryUser(ctx: CoreContext, userId: string): User | undefined {
  const user = ctx.users.get(userId);
  const added = [...(ctx.store.sampleAccounts.get(userId) ?? []), ...(ctx.store.providerAccounts.get(userId) ?? [])];
  if (!user || !added.length) return user;
  return { ...user, accounts: [...user.accounts, ...added.map((s) => s.account)] };
}
