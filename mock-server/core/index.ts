/**
 * The core's public API: everything outside mock-server/core (transports, pages, the CLI, the
 * provider kit, tests) imports from here, and reaches the rules only through `Authority`.
 */
export { Authority, type AuthorityOptions, type AuthorityOverview, type ConsentView } from './authority.js';
export { API_BASE_PATH, CLOUD_BASE_PATH } from './addresses.js';
export type { CloudAddress, StorageFileEntry } from './cloud.js';
export type { AppView } from './apps.js';
export { MockClock, wallClock, type Clock, type ClockChange, type ClockState } from './clock.js';
export {
  AppContractConfigSchema,
  ConfigError,
  ConfigSchema,
  configFromEnv,
  configFromFlags,
  defaultText,
  flagArg,
  flagOptions,
  mergeConfig,
  packageRoot,
  parseConfig,
  resolvePaths,
  SETTINGS,
  type AppContractConfig,
  type MockConfig,
  type MockConfigInput,
  type Setting,
} from './config.js';
export { ConsentPageError, type ConsentPage, type ConsentRequest } from './consent.js';
export type { ReauthorizeRequest, RevokeRequest } from './account-access.js';
export { objectTypeName } from './data/object-types.js';
export { ApiError, asApiError, errors, type ApiErrorBody, type ApiErrorCode } from './errors.js';
export { SigningKey } from './keys.js';
export type { Account, User } from './model.js';
export { bearerToken, type RequestClaims, type VerifiedRequest } from './request-jwt.js';
export type { ConsentSeed, SeededTokens } from './seeding.js';
export type { SessionOptions } from './session-options.js';
export type { TokenSelector } from './targeted-expiry.js';
export type { IssuedToken } from './tokens.js';
export { formatIssues, parseInput } from './validation.js';
export type { AdminRequest } from './admin-access.js';
export { FaultSpecSchema, type AppliedFault, type FaultRequest, type FaultSpec, type FaultSpecInput, type FaultView } from './faults.js';
export { fingerprint, redactClaims, type JournalEntry, type JournalQuery, type RecordedRequest, type RequestDescription } from './journal.js';
export type { KeyView, Rotation } from './key-rotation.js';
export { ScenariosSchema, type Scenarios, type ScenariosInput } from './model.js';
export { CreateUserSchema, UserScenarioSchema, type CreatedUser, type CreateUserInput, type UserScenarioInput } from './runtime-users.js';
export { STATE_FORMAT, STATE_VERSION, type StateSnapshot } from './state-snapshot.js';
