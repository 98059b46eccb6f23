/**
 * The core's public API: everything outside mock-server/core (transports, pages, the CLI, the
 * provider kit, tests) imports from here, and reaches the rules only through `Authority`.
 */
export { Authority, type AuthorityOptions, type AuthorityOverview, type ConsentView } from './authority.js';
export { API_BASE_PATH } from './addresses.js';
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
export { objectTypeName } from './data/object-types.js';
export { ApiError, asApiError, errors, type ApiErrorBody, type ApiErrorCode } from './errors.js';
export { SigningKey } from './keys.js';
export type { Account, User } from './model.js';
export { bearerToken, type RequestClaims, type VerifiedRequest } from './request-jwt.js';
export type { ConsentSeed, SeededTokens } from './seeding.js';
export type { SessionOptions } from './session-options.js';
export type { TokenSelector } from './targeted-expiry.js';
export type { IssuedToken } from './tokens.js';
export { formatIssues } from './validation.js';
