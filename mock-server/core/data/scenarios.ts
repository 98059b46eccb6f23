/**
 * Scenarios of the data plane: accounts whose sync ends `partial` (PROTOCOL §5), chosen in the
 * server configuration (`scenarios.partialAccounts`) or in a user's fixture (`user.json`'s
 * `scenarios.partialAccounts`). An entry names an account by reference or id, and may say which
 * error the sync ends with; the default is the error a source asks for re-authorisation with.
 */
import { z } from 'zod';
import type { Account } from '../fixtures.js';

/** The `error` of a `partial` account detail; `code` and `statusCode` are required by the Node SDK. */
export const SyncErrorSchema = z
  .object({
    code: z.string().min(1),
    statusCode: z.number().int().min(100).max(599),
    message: z.string().optional(),
    reauth: z.boolean().optional(),
    retryAfter: z.number().nonnegative().optional(),
  })
  .strict();
export type SyncError = z.infer<typeof SyncErrorSchema>;

export const DEFAULT_SYNC_ERROR: SyncError = {
  code: 'ServiceAuthorizationError',
  statusCode: 401,
  message: 'Service authorization required',
  reauth: true,
};

const PartialAccountSchema = z.union([
  z.string().min(1),
  z.object({ account: z.string().min(1), error: SyncErrorSchema.optional() }).strict(),
]);

export const ScenariosSchema = z
  .object({
    /**
     * Accounts (reference or id) whose sync fails half-way: the file list keeps what was synced
     * before the failure, the account's detail is `{state: "partial", error}` and the session's
     * state ends `partial`.
     */
    partialAccounts: z.array(PartialAccountSchema).default([]),
  })
  .strict();
export type Scenarios = z.infer<typeof ScenariosSchema>;
export type ScenariosInput = z.input<typeof ScenariosSchema>;

/** The error an account's sync ends with under these scenarios, if it ends `partial`. */
export function partialError(account: Account, ...sources: (Scenarios | undefined)[]): SyncError | undefined {
  for (const scenarios of sources) {
    for (const entry of scenarios?.partialAccounts ?? []) {
      const name = typeof entry === 'string' ? entry : entry.account;
      if (name === account.reference || name === account.id) {
        return typeof entry === 'string' ? DEFAULT_SYNC_ERROR : (entry.error ?? DEFAULT_SYNC_ERROR);
      }
    }
  }
  return undefined;
}
