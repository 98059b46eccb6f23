/**
 * A TypeScript digi.me client with the Ongoing Access semantics of the seed: consent once, keep
 * the `OAuthToken`, and let the SDK refresh it (proactively and on 401), share refreshes between
 * concurrent calls, and run consent again when the refresh token has expired.
 */
export { createDigimeClient, DigimeClient } from './client.js';
export type {
  AccountCallOptions,
  AppCallOptions,
  AuthorizeOngoingAccessOptions,
  AuthorizeOngoingAccessResult,
  AuthorizeUrl,
  CompleteOnboardServiceOptions,
  ExchangeCodeForTokenOptions,
  FileFailure,
  GetAuthorizeUrlOptions,
  GetOnboardServiceUrlOptions,
  GetPortabilityReportOptions,
  GetReauthorizeAccountUrlOptions,
  GetReauthorizeUrlOptions,
  GetRevokeAccountPermissionUrlOptions,
  GetServiceSampleDataSetsOptions,
  ListStorageFilesOptions,
  OnboardServiceUrl,
  PushDataOptions,
  PushDataToLibraryOptions,
  PushDataToProviderOptions,
  QueryCategoriesOptions,
  QueryCountriesOptions,
  QueryPlatformsOptions,
  QuerySourcesOptions,
  ReadAllFilesOptions,
  ReadAllFilesProgress,
  ReadAllFilesResult,
  ReadFileOptions,
  ReauthorizeAccountUrl,
  SessionCallOptions,
  StorageCallOptions,
  StorageFileOptions,
  TokenCallOptions,
  UploadFileToStorageOptions,
} from './client.js';
export type {
  Category,
  ContractDetails,
  Country,
  IdQueryBodyParams,
  Platform,
  PublishedStatus,
  QuerySourcesResult,
  SampleDataSets,
  Source,
  SourcesBodyParams,
} from './discovery.js';
export type { FileDescriptor } from './push.js';
export type { Storage, StorageFile } from './storage.js';
export type { ConsentPageOptions } from './oauth.js';

export { DIGIME_BASE_URL, DIGIME_CLOUD_BASE_URL, DIGIME_ONBOARD_URL, SDK_NAME, SDK_VERSION } from './config.js';
export type { DigimeClientOptions, SdkAgent, TokenChangeEvent, TokenChangeReason } from './config.js';

export { oAuthTokenSchema } from './token.js';
export type { OAuthToken } from './token.js';

export type {
  Account,
  AccountSyncDetail,
  FileList,
  FileListEntry,
  Scope,
  ServiceGroupScope,
  Session,
  SessionOptions,
  SessionState,
  TimeRange,
} from './session.js';
export type { Compression, FileMetadata, FileMetadataResult, SessionFile } from './files.js';

export type {
  ConsentApproved,
  ConsentHandler,
  ConsentRedirect,
  ConsentRefused,
  ConsentRequest,
  ParsedConsentHandler,
} from './consent/types.js';
export { parseConsentRedirect } from './consent/redirect.js';
export type { ConsentCallback } from './consent/redirect.js';
export { createAutoConsentHandler } from './consent/auto.js';
export type { AutoConsentOptions } from './consent/auto.js';
export {
  clickApprove,
  createBrowserConsentHandler,
  DEFAULT_CHROMIUM_ARGS,
  DEFAULT_CHROMIUM_PATH,
} from './consent/browser.js';
export type { BrowserConsentOptions, ConsentPageAction } from './consent/browser.js';
export { createRedirectConsentHandler } from './consent/redirect-handler.js';
export type { RedirectConsentHandler, RedirectConsentHandlerOptions } from './consent/redirect-handler.js';

export {
  AbortedError,
  CallbackFailedError,
  ConfigurationError,
  ConsentDeniedError,
  ConsentFailedError,
  DigimeError,
  FileDecryptionError,
  InvalidArgumentError,
  InvalidTokenError,
  isDigimeError,
  NetworkError,
  OAuthTokenExpiredError,
  PollTimeoutError,
  SdkVersionInvalidError,
  ServerError,
  TokenVerificationError,
  UnexpectedResponseError,
} from './errors.js';
export { TokenPersistFailedError } from './token-persistence.js';
export type {
  DigimeErrorCode,
  FileDecryptionStage,
  ServerErrorBody,
  TokenVerificationReason,
  ValidationIssue,
} from './errors.js';

// Building blocks, for apps and tests that speak the protocol at a lower level.
export { createPkce, codeChallengeFor } from './pkce.js';
export type { Pkce } from './pkce.js';
export { signRequestJwt } from './request-jwt.js';
export { ServerTokenVerifier } from './server-token.js';
export { decryptFileBytes, parseMetadataHeader } from './files.js';
