/**
 * Every failure the SDK reports is a `DigimeError` with a stable `code`, so callers can branch on
 * `error.code` (or `instanceof`) without parsing messages. One class per code, as in jose.
 */

/** The stable codes. Treat this list as public API: codes are only ever added. */
export type DigimeErrorCode =
  | 'InvalidConfiguration'
  | 'InvalidArgument'
  | 'OAuthTokenExpired'
  | 'InvalidToken'
  | 'ConsentDenied'
  | 'ConsentFailed'
  | 'ServerError'
  | 'FileDecryptionError'
  | 'TokenVerificationFailed'
  | 'UnexpectedResponse'
  | 'NetworkError'
  | 'Aborted'
  | 'PollTimeout'
  | 'TokenPersistFailed'
  | 'SDKVersionInvalid'
  | 'CallbackFailed';

export abstract class DigimeError extends Error {
  abstract readonly code: DigimeErrorCode;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** One problem with an input, named by its path (e.g. `baseUrl`, `oAuthToken.accessToken.value`). */
export interface ValidationIssue {
  path: string;
  message: string;
}

function describeIssues(issues: readonly ValidationIssue[]): string {
  return issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ');
}

/** The options given to `createDigimeClient` are unusable; `issues` names each bad field. */
export class ConfigurationError extends DigimeError {
  readonly code = 'InvalidConfiguration' as const;
  readonly issues: readonly ValidationIssue[];

  constructor(issues: readonly ValidationIssue[], options?: { cause?: unknown }) {
    super(`Invalid digi.me client configuration: ${describeIssues(issues)}`, options);
    this.issues = issues;
  }
}

/** The arguments of one call are unusable (e.g. a stored token that is not an `OAuthToken`). */
export class InvalidArgumentError extends DigimeError {
  readonly code = 'InvalidArgument' as const;
  readonly issues: readonly ValidationIssue[];

  constructor(issues: readonly ValidationIssue[], options?: { cause?: unknown }) {
    super(`Invalid argument: ${describeIssues(issues)}`, options);
    this.issues = issues;
  }
}

/** Fields digi.me puts in every error body: `{"error": {code, message, reference}}`. */
export interface ServerErrorBody {
  code: string;
  message: string;
  reference?: string;
}

/**
 * digi.me answered with an error status. `serverCode`, `serverMessage` and `reference` are digi.me's
 * own `error.code`, `error.message` and `error.reference`; `status` is the HTTP status.
 */
export class ServerError extends DigimeError {
  /** `ServerError`, or `SDKVersionInvalid` for the subclass `SdkVersionInvalidError`. */
  readonly code: 'ServerError' | 'SDKVersionInvalid' = 'ServerError';
  readonly status: number;
  readonly serverCode: string;
  readonly serverMessage: string;
  readonly reference: string | undefined;
  /** The method and URL of the failed request, for logs. */
  readonly request: string;

  constructor(
    init: { status: number; error: ServerErrorBody; request: string },
    options?: { cause?: unknown },
  ) {
    super(
      `digi.me answered ${init.status} ${init.error.code}: ${init.error.message}` +
        (init.error.reference ? ` (reference ${init.error.reference})` : ''),
      options,
    );
    this.status = init.status;
    this.serverCode = init.error.code;
    this.serverMessage = init.error.message;
    this.reference = init.error.reference;
    this.request = init.request;
  }

  /** digi.me's error body, as sent. */
  get error(): ServerErrorBody {
    return {
      code: this.serverCode,
      message: this.serverMessage,
      ...(this.reference !== undefined ? { reference: this.reference } : {}),
    };
  }
}

/**
 * digi.me refused this SDK (403 `SDKVersionInvalid` or `SDKInvalid`): the `agent.sdk` it sent is
 * too old or unknown. A `ServerError` with all its fields, under its own code.
 */
export class SdkVersionInvalidError extends ServerError {
  override readonly code = 'SDKVersionInvalid' as const;
}

/**
 * The refresh token is expired, revoked or unknown: only a new consent can help. Raised when
 * `autoRecoverExpiredCredentials` is false, and by data calls (whose session belongs to the old
 * consent) whatever that setting. `cause` is the server's answer when there was one.
 */
export class OAuthTokenExpiredError extends DigimeError {
  readonly code = 'OAuthTokenExpired' as const;

  constructor(message = 'The refresh token has expired; the user must consent again', options?: { cause?: unknown }) {
    super(message, options);
  }
}

/**
 * The access token was rejected even after a refresh (a refreshed token that is still refused).
 * `cause` is the last `ServerError`.
 */
export class InvalidTokenError extends DigimeError {
  readonly code = 'InvalidToken' as const;
}

/** The user refused consent (the redirect said `success=false` with a refusal code). */
export class ConsentDeniedError extends DigimeError {
  readonly code = 'ConsentDenied' as const;
  readonly errorCode: string;
  readonly errorMessage: string | undefined;

  constructor(errorCode: string, errorMessage?: string) {
    super(`The user did not consent (${errorCode}${errorMessage ? `: ${errorMessage}` : ''})`);
    this.errorCode = errorCode;
    this.errorMessage = errorMessage;
  }
}

/**
 * Consent did not complete for a reason other than a refusal: an error code other than a refusal
 * in the redirect, a `state` that does not match, a consent page that did not redirect, a handler
 * that timed out. `errorCode` is digi.me's code when there is one, else the SDK's reason.
 */
export class ConsentFailedError extends DigimeError {
  readonly code = 'ConsentFailed' as const;
  readonly errorCode: string;

  constructor(errorCode: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.errorCode = errorCode;
  }
}

/** Where decoding a downloaded file failed. */
export type FileDecryptionStage = 'size' | 'key' | 'decrypt' | 'decompress' | 'parse';

/** A downloaded file could not be decrypted, decompressed or parsed: corrupt bytes or wrong key. */
export class FileDecryptionError extends DigimeError {
  readonly code = 'FileDecryptionError' as const;
  readonly stage: FileDecryptionStage;
  readonly fileName: string | undefined;

  constructor(stage: FileDecryptionStage, message: string, options?: { cause?: unknown; fileName?: string }) {
    super(options?.fileName ? `${options.fileName}: ${message}` : message, options);
    this.stage = stage;
    this.fileName = options?.fileName;
  }
}

/** Why a server-signed token was not accepted. */
export type TokenVerificationReason =
  | 'malformed'
  | 'algorithm'
  | 'untrusted-jku'
  | 'unknown-kid'
  | 'jwks'
  | 'signature'
  | 'claims';

/**
 * A token in a server response failed verification: not PS512, a `jku` off the configured origin,
 * a `kid` not in the key set, a bad signature, or a payload of the wrong shape.
 */
export class TokenVerificationError extends DigimeError {
  readonly code = 'TokenVerificationFailed' as const;
  readonly reason: TokenVerificationReason;

  constructor(reason: TokenVerificationReason, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.reason = reason;
  }
}

/** A successful status with a body or headers that do not follow the protocol. */
export class UnexpectedResponseError extends DigimeError {
  readonly code = 'UnexpectedResponse' as const;
  readonly status: number | undefined;

  constructor(message: string, options?: { cause?: unknown; status?: number }) {
    super(message, options);
    this.status = options?.status;
  }
}

/** `fetch` itself failed (connection refused, DNS, reset): no HTTP answer at all. */
export class NetworkError extends DigimeError {
  readonly code = 'NetworkError' as const;
}

/** The caller's `AbortSignal` fired. */
export class AbortedError extends DigimeError {
  readonly code = 'Aborted' as const;

  constructor(options?: { cause?: unknown }) {
    super('The operation was aborted', options);
  }
}

/** `readAllFiles` gave up waiting for the session to reach `completed` or `partial`. */
export class PollTimeoutError extends DigimeError {
  readonly code = 'PollTimeout' as const;
}

/**
 * A function the app handed the SDK (`onFile`, `onProgress`, the client's `sleep` or `now`) threw,
 * or returned something unusable. `callback` names it; `cause` is what it threw.
 */
export class CallbackFailedError extends DigimeError {
  readonly code = 'CallbackFailed' as const;
  readonly callback: string;

  constructor(callback: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.callback = callback;
  }
}

/**
 * What a thrown value says, for a message: its `message`, else its string form. Never throws, for
 * values that cannot be read or turned into a string (a null-prototype object, a revoked proxy).
 */
export function messageOf(value: unknown): string {
  try {
    const message = (value as { message?: unknown } | null | undefined)?.message;
    return typeof message === 'string' ? message : String(value);
  } catch {
    return `a thrown ${typeof value}`;
  }
}

export function isDigimeError(value: unknown): value is DigimeError {
  return value instanceof DigimeError;
}
