/**
 * digi.me's error table (docs/protocol.md §6, with the mock's choices in §8). Every failure the core
 * reports is an ApiError, an answer in digi.me's error shape: transports turn it into
 * `{"error":{code,message,reference}}` with its status and never show anything else.
 */
import { randomUUID } from 'node:crypto';

export const ERROR_STATUS = {
  InvalidToken: 401,
  InvalidClient: 403,
  InvalidRedirectUri: 404,
  InsufficientScope: 403,
  SDKVersionInvalid: 403,
  ServiceAuthorizationError: 403,
  ValidationErrors: 406,
  InvalidRequest: 406,
  InvalidGrant: 400,
  NotFound: 404,
  MethodNotAllowed: 405,
  PayloadTooLarge: 413,
  Forbidden: 403,
  /** The admin API's token is missing or wrong (docs/protocol.md §8.10). */
  Unauthorized: 401,
  /** An admin call's body is not JSON (§8.10). */
  UnsupportedMediaType: 415,
  /** An answer a fault of the control plane asked for (§8.10). */
  TooManyRequests: 429,
  ServerError: 500,
  ServiceUnavailable: 503,
} as const;

export type ApiErrorCode = keyof typeof ERROR_STATUS;

export interface ApiErrorBody {
  error: { code: string; message: string; reference: string };
}

export class ApiError extends Error {
  readonly code: ApiErrorCode;
  readonly status: number;
  readonly reference: string;

  constructor(code: ApiErrorCode, message: string, status?: number) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.status = status ?? ERROR_STATUS[code];
    this.reference = randomUUID();
  }

  toBody(): ApiErrorBody {
    return { error: { code: this.code, message: this.message, reference: this.reference } };
  }
}

/** The messages clients match on, written once. */
export const errors = {
  invalidAccessToken: () => new ApiError('InvalidToken', 'The token (access_token) is invalid'),
  invalidRefreshToken: () => new ApiError('InvalidToken', 'The token (refresh_token) is invalid'),
  invalidClient: (clientId: string) => new ApiError('InvalidClient', `The client_id (${clientId}) is invalid`),
  invalidRedirectUri: (uri: string) => new ApiError('InvalidRedirectUri', `The redirect_uri (${uri}) is invalid`),
  /** 406 on the digi.me API; the admin API answers 400. */
  validation: (detail?: string, status?: number) =>
    new ApiError('ValidationErrors', detail ? `Parameter validation errors: ${detail}` : 'Parameter validation errors', status),
  nonceUsed: (nonce: string) =>
    new ApiError('InvalidRequest', `The nonce provided in JWT payload (${nonce}) has already been used`),
  staleTimestamp: () =>
    new ApiError('InvalidRequest', 'The timestamp provided in JWT payload is outside the allowed window'),
  invalidGrant: (detail: string) => new ApiError('InvalidGrant', detail),
  notFound: (what = 'The requested resource') => new ApiError('NotFound', `${what} was not found`),
};

/** Any thrown value as an ApiError; unknown failures become a bare 500 with no detail. */
export function asApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  return new ApiError('ServerError', 'Internal server error');
}
