/**
 * What one data session sees: the accounts of its consent that its scope lets through, and for
 * each the library files it may list, cut down to the objects in scope. The consent's own scope
 * (from authorize) and the session's (from trigger) both apply.
 */
import type { Account, User } from '../model.js';
import type { Consent, DataSession } from '../store.js';
import type { LibraryFile } from './library.js';
import type { SyncError } from '../model.js';
import { accountInScope, objectTypeInScope, resolveScope, runsInScope, type Runs } from './session-scope.js';

export interface SessionFile {
  file: LibraryFile;
  /** The objects kept, as `[start, end)` index runs into `file.objects`. */
  runs: Runs;
  objectCount: number;
}

export interface AccountSelection {
  account: Account;
  /** In name order. */
  files: SessionFile[];
  /** Set when the account's sync ends `partial`. */
  error?: SyncError;
}

export function selectFiles(
  user: User,
  library: readonly LibraryFile[],
  consent: Consent,
  session: DataSession,
  partialError: (account: Account) => SyncError | undefined,
): AccountSelection[] {
  const scopes = [consent.sessionOptions?.scope, session.options.scope]
    .filter((s) => s !== undefined)
    .map((s) => resolveScope(s, session.createdAt));
  const accounts = user.accounts.filter(
    (a) => consent.accountReferences.includes(a.reference) && scopes.every((s) => accountInScope(s, a)),
  );
  return accounts.map((account) => {
    const files: SessionFile[] = [];
    for (const file of library) {
      if (file.account.id !== account.id) continue;
      if (!scopes.every((s) => objectTypeInScope(s, account, file.objectType))) continue;
      const runs = runsInScope(scopes, file.times);
      const objectCount = runs.reduce((n, [a, b]) => n + b - a, 0);
      if (objectCount > 0) files.push({ file, runs, objectCount });
    }
    const error = partialError(account);
    return error ? { account, files, error } : { account, files };
  });
}
