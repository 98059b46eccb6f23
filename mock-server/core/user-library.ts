/**
 * A user's library as consents and the data plane see it: the fixture user's accounts, then the
 * sample accounts onboarded into it since start (docs/protocol.md §9.4), in the order they came.
 */
import type { CoreContext } from './context.js';
import type { User } from './model.js';

export function libraryUser(ctx: CoreContext, userId: string): User | undefined {
  const user = ctx.users.get(userId);
  const samples = ctx.store.sampleAccounts.get(userId);
  if (!user || !samples?.length) return user;
  return { ...user, accounts: [...user.accounts, ...samples.map((s) => s.account)] };
}
