/**
 * Scenarios of the data plane: accounts whose sync ends `partial` (docs/protocol.md §5), chosen in the
 * server configuration (`scenarios.partialAccounts`) or in a user's fixture (`user.json`'s
 * `scenarios.partialAccounts`). An entry names an account by reference or id, and may say which
 * error the sync ends with; the default is the error a source asks for re-authorisation with.
 * The user's decisions on the revoke and reauthorize pages (docs/protocol.md §9.2, §9.3), kept on
 * the consent, come first: a withdrawn account asks for re-authorisation, a re-authorised one
 * syncs without its scenario.
 */
import type { Account, Scenarios, SyncError } from '../model.js';
import type { Consent } from '../store.js';

export const DEFAULT_SYNC_ERROR: SyncError = {
  code: 'ServiceAuthorizationError',
  statusCode: 401,
  message: 'Service authorization required',
  reauth: true,
};

/** The error an account's sync ends with under these scenarios, if it ends `partial`. */
export function partialError(account: Account, ...sources: (Scenarios | undefined)[]): SyncError | undefined {
  for (const scenarios of sources) {
    if (scenarios?.reauthAccounts?.some((name) => name === account.reference || name === account.id)) return DEFAULT_SYNC_ERROR;
    for (const entry of scenarios?.partialAccounts ?? []) {
      const name = typeof entry === 'string' ? entry : entry.account;
      if (name === account.reference || name === account.id) {
        return typeof entry === 'string' ? DEFAULT_SYNC_ERROR : (entry.error ?? DEFAULT_SYNC_ERROR);
      }
    }
  }
  return undefined;
}

/** The error an account's sync ends with for this consent, if it ends `partial`. */
export function consentSyncError(consent: Consent, account: Account, ...sources: (Scenarios | undefined)[]): SyncError | undefined {
  const decided = consent.accountAuthorizations?.[account.id];
  if (decided) return decided.authorized ? undefined : DEFAULT_SYNC_ERROR;
  return partialError(account, ...sources);
}
