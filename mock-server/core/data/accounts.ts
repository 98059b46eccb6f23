/**
 * `GET permission-access/accounts` (docs/protocol.md §5): the accounts a consent covers, as a bare array,
 * each with the fields the Node SDK requires. An account whose sync scenario asks for
 * re-authorisation reports `accessTokenStatus.authorized: false`, as a source with a lapsed
 * authorisation does. The user's last decision on the revoke or reauthorize page (docs/protocol.md
 * §9.2, §9.3) wins over both the scenario and the fixture.
 */
import type { Account, User } from '../model.js';
import type { Consent } from '../store.js';
import type { SyncError } from '../model.js';

export function accountsView(
  user: User | undefined,
  consent: Consent,
  partialError: (account: Account) => SyncError | undefined,
): Account[] {
  if (!user) return [];
  return user.accounts
    .filter((a) => consent.accountReferences.includes(a.reference))
    .map((a) => ({
      ...a,
      accessTokenStatus: consent.accountAuthorizations?.[a.id]
        ? { authorized: consent.accountAuthorizations[a.id]!.authorized }
        : (a.accessTokenStatus ?? { authorized: partialError(a)?.reauth !== true }),
    }));
}
