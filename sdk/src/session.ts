import { z } from 'zod';
import { UnexpectedResponseError } from './errors.js';
import { isRecord, readJson, sendSigned } from './http.js';
import type { HttpContext } from './http.js';
import type { SdkAgent } from './config.js';
import { issuesOf } from './validation.js';

/** A time range in Unix seconds, or the last `<n>d` / `<n>m` / `<n>y`. */
export type TimeRange = { from?: number; to?: number } | { last: string };

export interface ServiceGroupScope {
  id: number;
  serviceTypes?: { id: number; serviceObjectTypes?: { id: number }[] }[];
}

/** Narrows the data of a session (docs/protocol.md §4). */
export interface Scope {
  timeRanges?: TimeRange[];
  serviceGroups?: ServiceGroupScope[];
  criteria?: { from?: number; last?: string; metadata?: Record<string, unknown> }[];
}

/** Further trigger options digi.me accepts, sent as given at the top level of the body. */
export interface SessionOptions {
  limits?: Record<string, unknown>;
  sourceFetch?: boolean;
  sourceFetchFilter?: Record<string, unknown>;
}

/** A data session. `expiry` is Unix time in milliseconds. */
export interface Session {
  key: string;
  expiry: number;
}

export type SessionState = 'pending' | 'running' | 'partial' | 'completed';

export interface AccountSyncDetail {
  state: string;
  error?: { code: string; statusCode: number; message?: string; reauth?: boolean; retryAfter?: number };
  [field: string]: unknown;
}

export interface FileListEntry {
  name: string;
  /** Unix milliseconds; grows when the file is synced again. */
  updatedDate: number;
  [field: string]: unknown;
}

export interface FileList {
  status: {
    /** `pending`, `running`, `partial` or `completed` (any other value is treated as not finished). */
    state: SessionState | (string & {});
    details?: Record<string, AccountSyncDetail>;
  };
  fileList?: FileListEntry[];
}

const sessionSchema = z.object({ key: z.string().min(1), expiry: z.number() });

const fileListSchema = z.looseObject({
  status: z.looseObject({
    state: z.string(),
    details: z.record(z.string(), z.looseObject({ state: z.string() })).optional(),
  }),
  fileList: z.array(z.looseObject({ name: z.string().min(1), updatedDate: z.number() })).optional(),
});

export function parseSession(value: unknown, request: string): Session {
  const result = sessionSchema.safeParse(value);
  if (!result.success) {
    throw new UnexpectedResponseError(`${request}: the session is malformed (${describe(result.error)})`);
  }
  return { key: result.data.key, expiry: result.data.expiry };
}

/** The session when `value` is one, else undefined. */
export function safeParseSession(value: unknown): Session | undefined {
  const result = sessionSchema.safeParse(value);
  return result.success ? { key: result.data.key, expiry: result.data.expiry } : undefined;
}

/** `POST B+permission-access/trigger`: opens a data session for the user. */
export async function triggerSession(
  http: HttpContext,
  options: {
    baseUrl: string;
    agent: SdkAgent;
    accessToken: string;
    scope?: Scope | undefined;
    sessionOptions?: SessionOptions | undefined;
    signal?: AbortSignal | undefined;
  },
): Promise<Session> {
  const url = `${options.baseUrl}permission-access/trigger`;
  const response = await sendSigned(http, {
    method: 'POST',
    url,
    claims: { access_token: options.accessToken },
    json: {
      ...options.sessionOptions,
      ...(options.scope !== undefined ? { scope: options.scope } : {}),
      agent: { sdk: options.agent },
    },
    signal: options.signal,
  });
  const body = await readJson(response, `POST ${url}`, options.signal);
  if (!isRecord(body)) throw new UnexpectedResponseError(`POST ${url} answered with a body that is not an object`);
  return parseSession(body.session, `POST ${url}`);
}

/** A user-scoped GET (the JWT carries the access token), read as JSON. */
async function getUserJson(http: HttpContext, url: string, accessToken: string, signal: AbortSignal | undefined): Promise<unknown> {
  const response = await sendSigned(http, { method: 'GET', url, claims: { access_token: accessToken }, signal });
  return readJson(response, `GET ${url}`, signal);
}

/** `GET B+permission-access/query/<sessionKey>`: the session's sync status and files so far. */
export async function fetchFileList(
  http: HttpContext,
  options: { baseUrl: string; sessionKey: string; accessToken: string; signal?: AbortSignal | undefined },
): Promise<FileList> {
  const url = `${options.baseUrl}permission-access/query/${encodeURIComponent(options.sessionKey)}`;
  const body = await getUserJson(http, url, options.accessToken, options.signal);
  const result = fileListSchema.safeParse(body);
  if (!result.success) {
    throw new UnexpectedResponseError(`GET ${url}: the file list is malformed (${describe(result.error)})`);
  }
  return result.data as FileList;
}

/** `GET B+permission-access/accounts`: the user's accounts (a bare JSON array). */
export async function fetchAccounts(
  http: HttpContext,
  options: { baseUrl: string; accessToken: string; signal?: AbortSignal | undefined },
): Promise<Account[]> {
  const url = `${options.baseUrl}permission-access/accounts`;
  const body = await getUserJson(http, url, options.accessToken, options.signal);
  // v1.7 answers a bare array; tolerate the older {"accounts": [...]} wrapper.
  const list = Array.isArray(body) ? body : isRecord(body) && Array.isArray(body.accounts) ? body.accounts : undefined;
  const result = z.array(accountSchema).safeParse(list);
  if (!result.success) {
    throw new UnexpectedResponseError(`GET ${url}: the account list is malformed (${describe(result.error)})`);
  }
  return result.data as Account[];
}

/** `DELETE B+user`: removes the user, with every token, consent and session for this contract. */
export async function deleteUser(
  http: HttpContext,
  options: { baseUrl: string; accessToken: string; signal?: AbortSignal | undefined },
): Promise<void> {
  const url = `${options.baseUrl}user`;
  const response = await sendSigned(http, {
    method: 'DELETE',
    url,
    claims: { access_token: options.accessToken },
    signal: options.signal,
  });
  await response.body?.cancel();
}

/** One of the user's accounts (docs/protocol.md §5); other fields digi.me sends are kept. */
export interface Account {
  id: string;
  reference: string;
  type: string;
  createdDate?: number;
  updatedDate?: number;
  serviceGroupId?: number;
  serviceGroupName?: string;
  serviceTypeId?: number;
  serviceTypeName?: string;
  serviceTypeReference?: string;
  sourceId?: number;
  username?: string;
  sample?: boolean;
  accessTokenStatus?: { authorized: boolean; expiresAt?: number };
  [field: string]: unknown;
}

// Only the shape is checked: which fields an account has is digi.me's business, not a reason to fail.
const accountSchema = z.record(z.string(), z.unknown());

function describe(error: z.ZodError): string {
  return issuesOf(error).map((i) => `${i.path || '(root)'}: ${i.message}`).join('; ');
}
