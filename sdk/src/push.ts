/**
 * Push (docs/protocol.md §9.5): a file into the user's library, described by a `FileDescriptor`
 * the contract's key signs, or a FHIR resource for one of the user's provider accounts. Neither
 * is repeated after digi.me may have received it (only a failure to connect is retried): a second
 * push would be a second file.
 */
import { SignJWT } from 'jose';
import type { KeyObject } from 'node:crypto';
import { discardBody, sendSigned } from './http.js';
import type { HttpContext } from './http.js';

/** What digi.me records about a pushed file (the descriptor's `metadata`). */
export interface FileDescriptor {
  mimeType: string;
  /** The app's own ids for the user, at least one. */
  accounts: { accountId: string }[];
  reference?: string[];
  tags?: string[];
  [field: string]: unknown;
}

/** `POST B+permission-access/import`: the bytes as they are, with the signed descriptor. */
export async function pushToLibrary(
  http: HttpContext,
  options: {
    baseUrl: string;
    accessToken: string;
    privateKey: KeyObject;
    fileData: Uint8Array;
    fileDescriptor: FileDescriptor;
    signal?: AbortSignal | undefined;
  },
): Promise<void> {
  // No nonce or timestamp: the descriptor describes the file, it does not authorise the request.
  const descriptor = await new SignJWT({ metadata: options.fileDescriptor })
    .setProtectedHeader({ alg: 'PS512', typ: 'JWT' })
    .sign(options.privateKey);
  const response = await sendSigned(http, {
    method: 'POST',
    url: `${options.baseUrl}permission-access/import`,
    claims: { access_token: options.accessToken },
    headers: { FileDescriptor: descriptor },
    bytes: { data: options.fileData, contentType: 'application/octet-stream' },
    signal: options.signal,
    retry: 'network',
  });
  await discardBody(response);
}

/** `POST B+permission-access/import/h:accountId/<standard>/<version>`: a resource for a provider account. */
export async function pushToProvider(
  http: HttpContext,
  options: {
    baseUrl: string;
    accessToken: string;
    accountId: string;
    standard: string;
    version: string;
    data: Record<string, unknown>;
    signal?: AbortSignal | undefined;
  },
): Promise<void> {
  const response = await sendSigned(http, {
    method: 'POST',
    url: `${options.baseUrl}permission-access/import/h:accountId/${encodeURIComponent(options.standard)}/${encodeURIComponent(options.version)}`,
    claims: { access_token: options.accessToken },
    headers: { accountId: options.accountId },
    json: options.data,
    signal: options.signal,
    retry: 'network',
  });
  await discardBody(response);
}
