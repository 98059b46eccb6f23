/**
 * A user's library of accounts (docs/protocol.md §9.2): the fixture's accounts and the sample and
 * provider accounts onboarded since start (user-library.ts), less those the user deleted.
 * `DELETE permission-access/service/h:accountId` deletes one for every app: it leaves every
 * consent that covered it (so account lists, file lists and downloads lose it). A fixture account
 * stays deleted, a record in the store, and no consent given later covers it; a sample or provider
 * account is simply gone, so onboarding its data set (or provider) again brings a new one.
 */
import type { CoreContext } from './context.js';
import { errors } from './errors.js';
import type { Account, User } from './model.js';
import type { Consent } from './store.js';
import { libraryUser } from './user-library.js';

const deletionKey = (userId: string, accountId: string) => `${userId}/${accountId}`;

function isDeleted(ctx: CoreContext, userId: string, accountId: string): boolean {
  return ctx.store.deletedAccounts.has(deletionKey(userId, accountId));
}

/** The accounts in a user's library now, in the fixture's order. */
export function libraryAccounts(ctx: CoreContext, user: User): Account[] {
  return user.accounts.filter((a) => !isDeleted(ctx, user.id, a.id));
}

/** The id an account header names: 406 ValidationErrors when there is none. */
function accountIdHeader(value: unknown): string {
  if (typeof value !== 'string' || value === '') throw errors.validation('the accountId header is required');
  return value;
}

/** The account with this id that the consent's account list shows, or 404 NotFound. */
export function requireListedAccount(ctx: CoreContext, consent: Consent, accountId: unknown): Account {
  const id = accountIdHeader(accountId);
  const user = libraryUser(ctx, consent.userId);
  const account = user?.accounts.find((a) => a.id === id && consent.accountReferences.includes(a.reference));
  if (!account || isDeleted(ctx, consent.userId, account.id)) throw errors.notFound('The account');
  return account;
}

/** `DELETE permission-access/service/h:accountId`: the account leaves the user's library. */
export function deleteAccount(ctx: CoreContext, consent: Consent, accountId: unknown): void {
  const account = requireListedAccount(ctx, consent, accountId);
  const { userId } = consent;
  const samples = ctx.store.sampleAccounts.get(userId);
  const providers = ctx.store.providerAccounts.get(userId);
  if (samples?.some((s) => s.account.id === account.id)) {
    ctx.store.sampleAccounts.set(userId, samples.filter((s) => s.account.id !== account.id));
  } else if (providers?.some((p) => p.account.id === account.id)) {
    ctx.store.providerAccounts.set(userId, providers.filter((p) => p.account.id !== account.id));
  } else {
    ctx.store.deletedAccounts.set(deletionKey(userId, account.id), { userId, accountId: account.id, deletedAt: ctx.clock.now() });
  }
  for (const other of ctx.store.consents.values()) {
    if (other.userId !== userId) continue;
    other.accountReferences = other.accountReferences.filter((r) => r !== account.reference);
    if (other.accountAuthorizations) delete other.accountAuthorizations[account.id];
  }
}
