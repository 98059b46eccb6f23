import { AbortedError, NetworkError, ServerError, UnexpectedResponseError } from './errors.js';
import type { ServerErrorBody } from './errors.js';
import { signRequestJwt } from './request-jwt.js';
import type { CallClaims, RequestSigner } from './request-jwt.js';

/** `serverCode` of a `ServerError` whose body was not a digi.me error object. */
export const NO_ERROR_BODY = 'HttpError';

export interface HttpContext {
  fetch: typeof fetch;
  signer: RequestSigner;
}

export interface SignedRequest {
  method: 'GET' | 'POST' | 'DELETE' | 'HEAD';
  url: string;
  /** Per-call claims; the JWT (and so its nonce) is made anew for every attempt. */
  claims?: CallClaims;
  /** JSON body; none when undefined. */
  json?: unknown;
  accept?: string;
  signal?: AbortSignal | undefined;
}

/**
 * Sends one signed request and returns the response when its status is 2xx. Any other status
 * becomes a `ServerError` carrying digi.me's `error.code`, `message` and `reference`.
 */
export async function sendSigned(ctx: HttpContext, request: SignedRequest): Promise<Response> {
  const jwt = await signRequestJwt(ctx.signer, request.claims);
  const headers: Record<string, string> = {
    authorization: `Bearer ${jwt}`,
    accept: request.accept ?? 'application/json',
  };
  const init: RequestInit = { method: request.method, headers, redirect: 'manual' };
  if (request.json !== undefined) {
    headers['content-type'] = 'application/json';
    init.body = JSON.stringify(request.json);
  }
  if (request.signal) init.signal = request.signal;
  const response = await fetchOrThrow(ctx.fetch, request.url, init, request.signal);
  if (response.ok) return response;
  throw await serverErrorFrom(response, `${request.method} ${request.url}`);
}

export async function fetchOrThrow(
  fetchImpl: typeof fetch,
  url: string,
  init: RequestInit,
  signal?: AbortSignal,
): Promise<Response> {
  try {
    return await fetchImpl(url, init);
  } catch (error) {
    if (signal?.aborted) throw new AbortedError({ cause: error });
    throw new NetworkError(`Could not reach ${url}: ${(error as Error)?.message ?? String(error)}`, { cause: error });
  }
}

/** Turns a non-2xx response into a `ServerError`, reading digi.me's error body if there is one. */
export async function serverErrorFrom(response: Response, request: string): Promise<ServerError> {
  let text = '';
  try {
    text = await response.text();
  } catch {
    // A body that cannot be read is treated like a missing one.
  }
  return new ServerError({ status: response.status, error: errorBodyOf(text, response), request });
}

function errorBodyOf(text: string, response: Response): ServerErrorBody {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  if (isRecord(body)) {
    const error = body.error;
    // Current shape: {"error": {"code", "message", "reference"}}.
    if (isRecord(error) && typeof error.code === 'string') {
      return {
        code: error.code,
        message: typeof error.message === 'string' ? error.message : '',
        ...(typeof error.reference === 'string' ? { reference: error.reference } : {}),
      };
    }
    // Older storage-API shape: {"error": "<code>", "message": "..."}.
    if (typeof error === 'string') {
      return { code: error, message: typeof body.message === 'string' ? body.message : '' };
    }
  }
  const snippet = text.length > 200 ? `${text.slice(0, 200)}…` : text;
  return { code: NO_ERROR_BODY, message: `${response.status} ${response.statusText}${snippet ? `: ${snippet}` : ''}` };
}

/** Reads a JSON body, or fails with `UnexpectedResponse`. */
export async function readJson(response: Response, request: string): Promise<unknown> {
  const text = await response.text();
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UnexpectedResponseError(`${request} answered ${response.status} with a body that is not JSON`, {
      cause: error,
      status: response.status,
    });
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * True for the answers a refresh can fix: 401 `InvalidToken`, or a 401 without a digi.me error
 * body (as the official SDK does, e.g. for file downloads).
 */
export function isAccessTokenRejection(error: unknown): error is ServerError {
  return (
    error instanceof ServerError &&
    error.status === 401 &&
    (error.serverCode === 'InvalidToken' || error.serverCode === NO_ERROR_BODY)
  );
}
