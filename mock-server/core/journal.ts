/**
 * The request journal (docs/protocol.md §8.10): what apps sent, newest first, in a bounded ring of
 * `journalSize` entries. An entry names the call, its answer and who made it, read from the
 * request JWT without verifying it (a request the mock refused is journaled too). Secrets never
 * leave it: every token, code, verifier and nested JWT in the claims is replaced by a short
 * fingerprint, the first characters of its SHA-256, which names a value without giving it away.
 * An entry is described when the journal is first read, not when the request is served (a busy
 * mock journals every request, and is rarely asked for the journal): the user behind an
 * authorization code is the one the code names then.
 */
import { createHash } from 'node:crypto';
import { API_BASE_PATH } from './addresses.js';
import type { CoreContext } from './context.js';
import { jwsPayload } from './jws.js';
import { bearerToken } from './request-jwt.js';

/** Claim names whose values are secrets wherever they appear. */
export const SECRET_CLAIMS = new Set([
  'access_token',
  'refresh_token',
  'code',
  'code_verifier',
  'preauthorization_code',
  'reference_code',
  'id_token',
  'token',
  'client_secret',
  'password',
  'privateKey',
  'private_key',
]);

const JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/** `sha256:` and the first 12 characters of the value's base64url SHA-256. */
export function fingerprint(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value) ?? '';
  return `sha256:${createHash('sha256').update(text).digest('base64url').slice(0, 12)}`;
}

/** A copy of the claims with every secret (by name, or any JWT-like value) fingerprinted. */
export function redactClaims(value: unknown, name?: string): unknown {
  if (name !== undefined && SECRET_CLAIMS.has(name) && value !== undefined && value !== null) return fingerprint(value);
  if (typeof value === 'string') return JWS.test(value) && value.length > 40 ? fingerprint(value) : value;
  if (Array.isArray(value)) return value.map((item) => redactClaims(item));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactClaims(v, k)]));
  }
  return value;
}

/** What the request JWT says about a request, unverified: for fault matching and the journal. */
export interface RequestDescription {
  clientId?: string;
  userId?: string;
  grantType?: string;
  /** The claims, secrets fingerprinted. */
  claims?: Record<string, unknown>;
}

const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);

function subjectOf(token: unknown): string | undefined {
  if (typeof token !== 'string') return undefined;
  try {
    return str(jwsPayload(token).sub);
  } catch {
    return undefined;
  }
}

/** The claims of a request's bearer JWT, unverified; undefined when it has none. */
function claimsOf(authorization: string | undefined): Record<string, unknown> | undefined {
  const jwt = bearerToken(authorization);
  if (!jwt) return undefined;
  try {
    return jwsPayload(jwt);
  } catch {
    return undefined;
  }
}

/**
 * Reads the bearer JWT of a request without checking it (faults match on this, and the journal
 * shows it). The user is the `sub` of the access or refresh token it carries, or the consent's user
 * behind an authorization code.
 */
export function describeRequest(ctx: CoreContext, authorization: string | undefined): RequestDescription {
  const claims = claimsOf(authorization);
  if (!claims) return {};
  const code = str(claims.code);
  const consentId = code ? ctx.store.authorizationCodes.get(code)?.consentId : undefined;
  const userId = subjectOf(claims.access_token) ?? subjectOf(claims.refresh_token) ?? (consentId && ctx.store.consents.get(consentId)?.userId);
  const described: RequestDescription = { claims: redactClaims(claims) as Record<string, unknown> };
  const clientId = str(claims.client_id);
  const grantType = str(claims.grant_type);
  if (clientId) described.clientId = clientId;
  if (userId) described.userId = userId;
  if (grantType) described.grantType = grantType;
  return described;
}

export interface JournalEntry extends RequestDescription {
  id: number;
  /** Real time, ISO 8601. */
  at: string;
  /** Mock time, ISO 8601. */
  mockTime: string;
  method: string;
  path: string;
  /** 0 when a fault dropped the connection. */
  status: number;
  durationMs: number;
  error?: { code: string };
  /** The fault that answered or delayed the request. */
  fault?: { id: string; respond?: number; delayMs?: number; drop?: true };
}

/** A request as a transport reports it: its bearer header as it came, described later. */
export interface RecordedRequest extends Omit<JournalEntry, 'id' | 'at' | 'mockTime' | keyof RequestDescription> {
  authorization?: string;
}

/** An entry as kept: the request's bearer header until the entry is first read, its description after. */
interface KeptEntry extends RecordedRequest {
  id: number;
  atMs: number;
  mockMs: number;
  described?: RequestDescription;
}

export interface JournalQuery {
  limit?: number;
  /** An exact path, or a prefix ending in `*`. */
  path?: string;
  clientId?: string;
  userId?: string;
  status?: number;
  /** ISO 8601 real time: only entries at or after it. */
  since?: string;
}

export class Journal {
  /** A ring of `size` entries; `#start` is the oldest. */
  readonly #entries: KeptEntry[] = [];
  #start = 0;
  #next = 1;

  constructor(private readonly size: number) {}

  record(ctx: CoreContext, request: RecordedRequest): void {
    if (this.size <= 0) return;
    const entry: KeptEntry = { id: this.#next++, atMs: ctx.wallClock.now(), mockMs: ctx.clock.now(), ...request };
    if (this.#entries.length < this.size) this.#entries.push(entry);
    else {
      this.#entries[this.#start] = entry;
      this.#start = (this.#start + 1) % this.size;
    }
  }

  /** Newest first. */
  list(ctx: CoreContext, query: JournalQuery = {}): JournalEntry[] {
    const since = query.since === undefined ? undefined : Date.parse(query.since);
    const out: JournalEntry[] = [];
    const n = this.#entries.length;
    for (let k = n - 1; k >= 0; k--) {
      const kept = this.#entries[(this.#start + k) % n]!;
      const e = shown(ctx, kept);
      if (query.path !== undefined && !pathMatches(query.path, e.path)) continue;
      if (query.clientId !== undefined && e.clientId !== query.clientId) continue;
      if (query.userId !== undefined && e.userId !== query.userId) continue;
      if (query.status !== undefined && e.status !== query.status) continue;
      if (since !== undefined && Date.parse(e.at) < since) continue;
      out.push(structuredClone(e));
      if (query.limit !== undefined && out.length >= query.limit) break;
    }
    return out;
  }

  clear(): void {
    this.#entries.length = 0;
    this.#start = 0;
  }
}

/** An entry as the journal shows it; its description is worked out once, and the header it came from dropped. */
function shown(ctx: CoreContext, kept: KeptEntry): JournalEntry {
  if (!kept.described) {
    kept.described = describeRequest(ctx, kept.authorization);
    delete kept.authorization;
  }
  const { id, atMs, mockMs, described, authorization: _authorization, method, path, status, durationMs, ...rest } = kept;
  return {
    id,
    at: new Date(atMs).toISOString(),
    mockTime: new Date(mockMs).toISOString(),
    method,
    path,
    status,
    durationMs,
    ...described,
    ...rest,
  };
}

/**
 * `pattern` is a path, or a prefix ending in `*`; one without a leading `/` is relative to the API
 * base (`oauth/token` is `/v1.7/oauth/token`).
 */
export function pathMatches(pattern: string, path: string): boolean {
  const full = pattern.startsWith('/') ? pattern : `${API_BASE_PATH}/${pattern}`;
  return full.endsWith('*') ? path.startsWith(full.slice(0, -1)) : path === full || path === `${full}/`;
}
