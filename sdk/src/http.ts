import { AbortedError, messageOf, NetworkError, ServerError, SdkVersionInvalidError, UnexpectedResponseError } from './errors.js';
import type { ServerErrorBody } from './errors.js';
import { defaultSleep } from './sleep.js';
import { signRequestJwt } from './request-jwt.js';
import type { CallClaims, RequestSigner } from './request-jwt.js';

/** `serverCode` of a `ServerError` whose body was not a digi.me error object. */
export const NO_ERROR_BODY = 'HttpError';

/** How transient failures are retried (the client's `retry` option, with defaults filled in). */
export interface RetryPolicy {
  /** Retries after the first attempt; 0 turns retrying off. */
  retries: number;
  /** First backoff, doubled for each further retry (before jitter). */
  baseDelayMs: number;
  /** No wait is longer than this, `Retry-After` included. */
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { retries: 3, baseDelayMs: 250, maxDelayMs: 10_000 };

export interface HttpContext {
  fetch: typeof fetch;
  signer: RequestSigner;
  /** Retry policy; none when undefined. */
  retry?: RetryPolicy | undefined;
  /** How to wait between attempts (the client's `sleep`); a timer when undefined. */
  sleep?: ((ms: number, signal?: AbortSignal) => Promise<void>) | undefined;
  /** Source of jitter in [0, 1); `Math.random` when undefined. */
  random?: (() => number) | undefined;
}

/**
 * Which failures of a request may be retried: `all` (statuses 408, 429, 500, 502, 503, 504 and
 * network errors), or `network` (network errors only: for a call that must not be repeated once the
 * server may have acted on it, e.g. exchanging a single-use authorization code).
 */
export type RetryMode = 'all' | 'network';

export interface SignedRequest {
  method: 'GET' | 'POST' | 'DELETE' | 'HEAD';
  url: string;
  /** Per-call claims; the JWT (and so its nonce) is made anew for every attempt. */
  claims?: CallClaims;
  /**
   * Makes the bearer token instead of a request JWT, anew for every attempt (the cloud's own
   * short-lived token, docs/protocol.md §9.6).
   */
  bearer?: () => Promise<string>;
  /** JSON body; none when undefined. */
  json?: unknown;
  /** A body of bytes, sent as they are with `contentType`; `json` wins when both are given. */
  bytes?: { data: Uint8Array; contentType: string };
  /** Further request headers (`accountId`, `FileDescriptor`, …). */
  headers?: Record<string, string>;
  accept?: string;
  signal?: AbortSignal | undefined;
  /** What may be retried; `all` by default. */
  retry?: RetryMode;
}

/** Statuses worth another attempt: the server or a proxy may answer differently in a moment. */
const RETRYABLE_STATUSES = new Set([408, 429, 500, 502, 503, 504]);

/**
 * Sends one signed request and returns the response when its status is 2xx. Any other status
 * becomes a `ServerError` carrying digi.me's `error.code`, `message` and `reference`.
 *
 * Transient failures (408, 429, 5xx gateway/server errors, network errors) are retried up to
 * `ctx.retry.retries` times with exponential backoff and jitter, honouring `Retry-After`; every
 * attempt carries a new request JWT (new nonce and timestamp). 401 and other 4xx are never
 * retried here (a 401 is the refresh path's business).
 */
export async function sendSigned(ctx: HttpContext, request: SignedRequest): Promise<Response> {
  const policy = ctx.retry ?? { ...DEFAULT_RETRY, retries: 0 };
  const mode = request.retry ?? 'all';
  const what = `${request.method} ${request.url}`;
  for (let attempt = 0; ; attempt++) {
    throwIfAborted(request.signal);
    let response: Response;
    try {
      response = await sendOnce(ctx, request);
    } catch (error) {
      if (!(error instanceof NetworkError) || attempt >= policy.retries) throw error;
      await wait(ctx, backoffMs(ctx, policy, attempt), request.signal);
      continue;
    }
    if (isOk(response)) return response;
    if (mode === 'all' && RETRYABLE_STATUSES.has(response.status) && attempt < policy.retries) {
      const delay = retryAfterMs(response, policy) ?? backoffMs(ctx, policy, attempt);
      await discardBody(response);
      await wait(ctx, delay, request.signal);
      continue;
    }
    throw await serverErrorFrom(response, what);
  }
}

async function sendOnce(ctx: HttpContext, request: SignedRequest): Promise<Response> {
  const jwt = request.bearer ? await request.bearer() : await signRequestJwt(ctx.signer, request.claims);
  const headers: Record<string, string> = {
    ...request.headers,
    authorization: `Bearer ${jwt}`,
    accept: request.accept ?? 'application/json',
  };
  const init: RequestInit = { method: request.method, headers, redirect: 'manual' };
  if (request.json !== undefined) {
    headers['content-type'] = 'application/json';
    init.body = JSON.stringify(request.json);
  } else if (request.bytes !== undefined) {
    headers['content-type'] = request.bytes.contentType;
    // A copy per attempt: fetch may hold on to (or transfer) what it is given.
    init.body = new Uint8Array(request.bytes.data);
  }
  if (request.signal) init.signal = request.signal;
  return fetchOrThrow(ctx.fetch, request.url, init, request.signal);
}

function isOk(response: Response): boolean {
  return response.status >= 200 && response.status < 300;
}

/** Exponential backoff with jitter: a random wait between half and all of `base * 2^attempt`, capped. */
function backoffMs(ctx: HttpContext, policy: RetryPolicy, attempt: number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
  const random = (ctx.random ?? Math.random)();
  return Math.round(ceiling / 2 + (ceiling / 2) * random);
}

/** `Retry-After` in ms (delta-seconds or an HTTP date, by real time), capped; undefined when absent or unreadable. */
export function retryAfterMs(response: Response, policy: RetryPolicy): number | undefined {
  const value = response.headers.get('retry-after')?.trim();
  if (!value) return undefined;
  let ms: number;
  if (/^\d+(\.\d+)?$/.test(value)) {
    ms = Number(value) * 1000;
  } else {
    const date = Date.parse(value);
    if (Number.isNaN(date)) return undefined;
    ms = date - Date.now();
  }
  return Math.min(policy.maxDelayMs, Math.max(0, Math.round(ms)));
}

/** Frees a body nobody reads. */
export async function discardBody(response: Response): Promise<void> {
  try {
    await response.body?.cancel();
  } catch {
    // Nothing to free.
  }
}

async function wait(ctx: HttpContext, ms: number, signal: AbortSignal | undefined): Promise<void> {
  const sleep = ctx.sleep ?? defaultSleep;
  try {
    await sleep(ms, signal);
  } catch (error) {
    if (signal?.aborted) throw new AbortedError({ cause: error });
    throw error;
  }
  throwIfAborted(signal);
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new AbortedError({ cause: signal.reason });
}

/** True for what `fetch` should return: an object with a numeric `status` and `headers.get`. */
export function isResponseLike(value: unknown): value is Response {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as { status?: unknown; headers?: unknown };
  return (
    typeof candidate.status === 'number' &&
    typeof candidate.headers === 'object' &&
    candidate.headers !== null &&
    typeof (candidate.headers as { get?: unknown }).get === 'function'
  );
}

export async function fetchOrThrow(
  fetchImpl: typeof fetch,
  url: string,
  init: RequestInit,
  signal?: AbortSignal,
): Promise<Response> {
  let response: unknown;
  try {
    response = await fetchImpl(url, init);
  } catch (error) {
    if (signal?.aborted) throw new AbortedError({ cause: error });
    throw new NetworkError(`Could not reach ${url}: ${messageOf(error)}`, { cause: error });
  }
  if (!isResponseLike(response)) {
    throw new UnexpectedResponseError(`${init.method ?? 'GET'} ${url}: fetch returned something that is not a Response`);
  }
  return response;
}

/** Bodies whose error answer had no readable JSON at all (empty or not JSON): see `isAccessTokenRejection`. */
const unparsedBodies = new WeakSet<ServerError>();

/** Turns a non-2xx response into a `ServerError`, reading digi.me's error body if there is one. */
export async function serverErrorFrom(response: Response, request: string): Promise<ServerError> {
  let text = '';
  try {
    text = await response.text();
  } catch {
    // A body that cannot be read is treated like a missing one.
  }
  const { body, parsed } = errorBodyOf(text, response);
  const init = { status: response.status, error: body, request };
  const error =
    response.status === 403 && (body.code === 'SDKVersionInvalid' || body.code === 'SDKInvalid')
      ? new SdkVersionInvalidError(init)
      : new ServerError(init);
  if (!parsed) unparsedBodies.add(error);
  return error;
}

function errorBodyOf(text: string, response: Response): { body: ServerErrorBody; parsed: boolean } {
  let body: unknown;
  let parsed = true;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
    parsed = false;
  }
  if (isRecord(body)) {
    const error = body.error;
    // Current shape: {"error": {"code", "message", "reference"}}.
    if (isRecord(error) && typeof error.code === 'string') {
      return {
        parsed,
        body: {
          code: error.code,
          message: typeof error.message === 'string' ? error.message : '',
          ...(typeof error.reference === 'string' ? { reference: error.reference } : {}),
        },
      };
    }
    // Older storage-API shape: {"error": "<code>", "message": "..."}.
    if (typeof error === 'string') {
      return { parsed, body: { code: error, message: typeof body.message === 'string' ? body.message : '' } };
    }
  }
  const snippet = text.length > 200 ? `${text.slice(0, 200)}…` : text;
  return {
    parsed,
    body: { code: NO_ERROR_BODY, message: `${response.status} ${response.statusText ?? ''}${snippet ? `: ${snippet}` : ''}` },
  };
}

/**
 * Reads a response body: an abort while reading is `Aborted`, any other failure (connection lost
 * mid-body) a `NetworkError`.
 */
export async function readBody<T>(read: () => Promise<T>, request: string, signal?: AbortSignal): Promise<T> {
  try {
    return await read();
  } catch (error) {
    if (signal?.aborted) throw new AbortedError({ cause: error });
    throw new NetworkError(`${request}: the response body could not be read: ${messageOf(error)}`, {
      cause: error,
    });
  }
}

/** Reads a JSON body, or fails with `UnexpectedResponse`. */
export async function readJson(response: Response, request: string, signal?: AbortSignal): Promise<unknown> {
  const text = await readBody(() => response.text(), request, signal);
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
 * True for the answers a refresh can fix: 401 `InvalidToken`, or a 401 whose body is empty or not
 * JSON (as the official SDK does, e.g. for file downloads). A 401 with some other JSON body (even
 * `{}`) is not retried with a refresh.
 */
export function isAccessTokenRejection(error: unknown): error is ServerError {
  return (
    error instanceof ServerError &&
    error.status === 401 &&
    (error.serverCode === 'InvalidToken' || unparsedBodies.has(error))
  );
}
