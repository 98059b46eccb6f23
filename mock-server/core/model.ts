/**
 * The domain model the loaders and rules share: users, their accounts, and the data-plane
 * scenarios a user or the server can ask for. Schemas and types only; it depends on nothing of
 * the core, so every loader and rule can depend on it.
 */
import { z } from 'zod';

export const AccountSchema = z
  .object({
    id: z.string().min(1),
    reference: z.string().min(1),
    /** digi.me's account types, as the Node SDK validates them. */
    type: z.enum([
      'USER', 'ADMIN', 'EVENT', 'GROUP', 'BANK', 'CREDIT_CARD', 'IMPORTED',
      'INVESTMENT', 'INSURANCE', 'LOAN', 'REWARD', 'BILL', 'PUSH',
    ]),
    createdDate: z.number().int(),
    updatedDate: z.number().int(),
    serviceGroupId: z.number().int(),
    serviceGroupName: z.string().min(1),
    serviceTypeId: z.number().int(),
    serviceTypeName: z.string().min(1),
    serviceTypeReference: z.string().min(1),
    sourceId: z.number().int(),
    username: z.string().optional(),
    sample: z.boolean().optional(),
  })
  .passthrough();
export type Account = z.infer<typeof AccountSchema>;

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

const PartialAccountSchema = z.union([
  z.string().min(1),
  z.object({ account: z.string().min(1), error: SyncErrorSchema.optional() }).strict(),
]);

/** Data-plane scenarios (core/data/scenarios.ts applies them). */
export const ScenariosSchema = z
  .object({
    /**
     * Accounts (reference or id) whose sync fails half-way: the file list keeps what was synced
     * before the failure, the account's detail is `{state: "partial", error}` and the session's
     * state ends `partial`.
     */
    partialAccounts: z.array(PartialAccountSchema).default([]),
    /**
     * Accounts (reference or id) whose authorisation at the source has lapsed: listed with
     * `accessTokenStatus.authorized: false`, and their sync ends `partial` with the error a source
     * asks for re-authorisation with.
     */
    reauthAccounts: z.array(z.string().min(1)).optional(),
  })
  .strict();
export type Scenarios = z.infer<typeof ScenariosSchema>;
export type ScenariosInput = z.input<typeof ScenariosSchema>;

export const UserSchema = z.object({
  id: z.string().min(1).regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, ".", "_" and "-" only'),
  name: z.string().min(1),
  accounts: z.array(AccountSchema).min(1),
  /** This user's data-plane scenarios, on top of the server's. */
  scenarios: ScenariosSchema.optional(),
});
export type User = z.infer<typeof UserSchema>;
