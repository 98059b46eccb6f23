/**
 * Faults (docs/protocol.md §8.10): answers real digi.me gives now and then, on demand, so an app's
 * retries, backoff and timeouts can be tested: an error status (429 with `Retry-After`, 503…), a
 * delay before the real answer, or a connection closed without one. A fault matches API requests
 * by method, path, grant type, client and user (read from the request JWT), and applies to the next
 * `times` of them, or until it is removed. The first fault added that matches is the one applied.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { pathMatches, type RequestDescription } from './journal.js';

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** Headers a fault may not set: the transports frame the answer themselves. */
const FRAMING_HEADERS = new Set(['content-length', 'transfer-encoding', 'connection', 'keep-alive', 'upgrade']);

export const FaultMatchSchema = z
  .object({
    /** HTTP method, any case. */
    method: z.string().regex(/^[A-Za-z]+$/, 'must be an HTTP method').optional(),
    /** An exact path or a prefix ending in `*`; without a leading `/` it is relative to `/v1.7/`. */
    path: z.string().min(1).optional(),
    /** On `oauth/token`: the refresh grant or the code exchange. */
    grantType: z.enum(['refresh_token', 'authorization_code']).optional(),
    /** The request JWT's `client_id`. */
    clientId: z.string().min(1).optional(),
    /** The user of the access or refresh token (or authorization code) the request carries. */
    userId: z.string().min(1).optional(),
  })
  .strict();

export const FaultSpecSchema = z
  .object({
    match: FaultMatchSchema,
    /** Answer this instead of the real answer. */
    respond: z
      .object({
        status: z.number().int().min(400).max(599),
        /** Default: digi.me's code for the status (`TooManyRequests` for 429, `ServiceUnavailable` for 503…). */
        error: z.object({ code: z.string().min(1), message: z.string() }).strict().optional(),
        /** Extra headers, e.g. `{"retry-after": "2"}`. */
        headers: z
          .record(
            z.string().regex(HEADER_NAME, 'must be a header name').refine((h) => !FRAMING_HEADERS.has(h.toLowerCase()), 'is set by the server'),
            z.string().regex(/^[^\r\n]*$/, 'must be one line'),
          )
          .optional(),
      })
      .strict()
      .optional(),
    /** Milliseconds (real time) to wait before answering. */
    delayMs: z.number().int().min(0).max(600_000).optional(),
    /** Close the connection without an answer (in-process: a network error). */
    drop: z.literal(true).optional(),
    /** How many matching requests get the fault; default: every one until it is removed. */
    times: z.number().int().positive().optional(),
  })
  .strict()
  .refine((f) => f.respond !== undefined || f.delayMs !== undefined || f.drop === true, {
    message: 'give respond, delayMs or drop',
  });

export type FaultSpec = z.infer<typeof FaultSpecSchema>;
export type FaultSpecInput = z.input<typeof FaultSpecSchema>;

export interface FaultView extends FaultSpec {
  id: string;
  /** Matching requests still to get it; null: until removed. */
  remaining: number | null;
  /** Requests it was applied to. */
  hits: number;
}

/** What a transport does for a request a fault matched. */
export interface AppliedFault {
  id: string;
  delayMs?: number;
  drop?: true;
  /** The answer to give instead of the real one. */
  respond?: { status: number; headers: Record<string, string>; body: { error: { code: string; message: string; reference: string } } };
}

const DEFAULT_ERRORS: Record<number, [string, string]> = {
  400: ['ValidationErrors', 'Parameter validation errors'],
  401: ['InvalidToken', 'The token is invalid'],
  403: ['Forbidden', 'Forbidden'],
  404: ['NotFound', 'The requested resource was not found'],
  408: ['RequestTimeout', 'The request timed out'],
  429: ['TooManyRequests', 'Too many requests; try again later'],
  500: ['ServerError', 'Internal server error'],
  502: ['BadGateway', 'Bad gateway'],
  503: ['ServiceUnavailable', 'The service is unavailable; try again later'],
  504: ['GatewayTimeout', 'Gateway timeout'],
};

function defaultError(status: number): { code: string; message: string } {
  const [code, message] = DEFAULT_ERRORS[status] ?? (status >= 500 ? ['ServerError', 'Internal server error'] : ['ValidationErrors', 'Request failed']);
  return { code, message };
}

export interface FaultRequest extends RequestDescription {
  method: string;
  path: string;
}

export class Faults {
  readonly #faults: FaultView[] = [];
  #next = 1;

  add(spec: FaultSpec): { id: string } {
    const id = `fault-${this.#next++}`;
    this.#faults.push({ id, ...structuredClone(spec), remaining: spec.times ?? null, hits: 0 });
    return { id };
  }

  list(): FaultView[] {
    return this.#faults.map((f) => structuredClone(f));
  }

  /** Whether any fault is set: when none is, a request need not be read to be matched. */
  get empty(): boolean {
    return this.#faults.length === 0;
  }

  /** False when there is no such fault. */
  remove(id: string): boolean {
    const i = this.#faults.findIndex((f) => f.id === id);
    if (i < 0) return false;
    this.#faults.splice(i, 1);
    return true;
  }

  clear(): void {
    this.#faults.length = 0;
  }

  /** The fault for this request, if one matches: counted as applied. */
  take(request: FaultRequest): AppliedFault | undefined {
    if (this.#faults.length === 0) return undefined;
    const fault = this.#faults.find((f) => f.remaining !== 0 && matches(f.match, request));
    if (!fault) return undefined;
    fault.hits++;
    if (fault.remaining !== null) fault.remaining--;
    const applied: AppliedFault = { id: fault.id };
    if (fault.delayMs !== undefined) applied.delayMs = fault.delayMs;
    if (fault.drop) applied.drop = true;
    else if (fault.respond) {
      const error = fault.respond.error ?? defaultError(fault.respond.status);
      applied.respond = {
        status: fault.respond.status,
        headers: { 'content-type': 'application/json; charset=utf-8', ...fault.respond.headers },
        body: { error: { ...error, reference: randomUUID() } },
      };
    }
    return applied;
  }
}

function matches(match: FaultSpec['match'], request: FaultRequest): boolean {
  return (
    (match.method === undefined || match.method.toUpperCase() === request.method.toUpperCase()) &&
    (match.path === undefined || pathMatches(match.path, request.path)) &&
    (match.grantType === undefined || match.grantType === request.grantType) &&
    (match.clientId === undefined || match.clientId === request.clientId) &&
    (match.userId === undefined || match.userId === request.userId)
  );
}
