/**
 * digi.me's error table (PROTOCOL §6, with the mock's choices in §8). Every failure the core
 * reports is a DigimeError; transports turn it into `{"error":{code,message,reference}}` with its
 * status and never show anything else.
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
  ServerError: 500,
  ServiceUnavailable: 503,
} as const;

export type DigimeErrorCode = keyof typeof ERROR_STATUS;

export interface DigimeErrorBody {
  error: { code: string; message: string; reference: string };
}

export class DigimeError extends Error {
  readonly code: DigimeErrorCode;
  readonly status: number;
  readonly reference: string;

  constructor(code: DigimeErrorCode, message: string, status?: number) {
    super(message);
    this.name = 'DigimeError';
    this.code = code;
    this.status = status ?? ERROR_STATUS[code];
    this.reference = randomUUID();
  }

  toBody(): DigimeErrorBody {
    return { error: { code: this.code, message: this.message, reference: this.reference } };
  }
}

/** The messages clients match on, written once. */
export const errors = {
  invalidAccessToken: () => new DigimeError('InvalidToken', 'The token (access_token) is invalid'),
  invalidRefreshToken: () => new DigimeError('InvalidToken', 'The token (refresh_token) is invalid'),
  invalidClient: (clientId: string) => new DigimeError('InvalidClient', `The client_id (${clientId}) is invalid`),
  invalidRedirectUri: (uri: string) => new DigimeError('InvalidRedirectUri', `The redirect_uri (${uri}) is invalid`),
  validation: (detail?: string) =>
    new DigimeError('ValidationErrors', detail ? `Parameter validation errors: ${detail}` : 'Parameter validation errors'),
  nonceUsed: (nonce: string) =>
    new DigimeError('InvalidRequest', `The nonce provided in JWT payload (${nonce}) has already been used`),
  staleTimestamp: () =>
    new DigimeError('InvalidRequest', 'The timestamp provided in JWT payload is outside the allowed window'),
  invalidGrant: (detail: string) => new DigimeError('InvalidGrant', detail),
  notFound: (what = 'The requested resource') => new DigimeError('NotFound', `${what} was not found`),
};

/** Any thrown value as a DigimeError; unknown failures become a bare 500 with no detail. */
export function asDigimeError(err: unknown): DigimeError {
  if (err instanceof DigimeError) return err;
  return new DigimeError('ServerError', 'Internal server error');
}
