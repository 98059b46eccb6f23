/**
 * Calls on one of the user's accounts (docs/protocol.md §9.2, §9.3). digi.me takes the account id
 * in an `accountId` header, under the literal path segment `h:accountId`.
 */
import { z } from 'zod';
import { UnexpectedResponseError } from './errors.js';
import { discardBody, isRecord, readJson, sendSigned } from './http.js';
import type { HttpContext } from './http.js';

/** `DELETE B+permission-access/service/h:accountId`: the account leaves the user's library. */
export async function deleteAccount(
  http: HttpContext,
  options: { baseUrl: string; accessToken: string; accountId: string; signal?: AbortSignal | undefined },
): Promise<void> {
  const response = await sendSigned(http, {
    method: 'DELETE',
    url: `${options.baseUrl}permission-access/service/h:accountId`,
    claims: { access_token: options.accessToken },
    headers: { accountId: options.accountId },
    signal: options.signal,
  });
  await discardBody(response);
}

/** `GET B+permission-access/revoke/h:accountId`: the page where the user withdraws the app's access to the account. */
export async function revokeAccountPermissionUrl(
  http: HttpContext,
  options: { baseUrl: string; accessToken: string; accountId: string; redirectUri: string; signal?: AbortSignal | undefined },
): Promise<string> {
  const url = `${options.baseUrl}permission-access/revoke/h:accountId`;
  const response = await sendSigned(http, {
    method: 'GET',
    url,
    claims: { access_token: options.accessToken },
    headers: { accountId: options.accountId, redirectUri: options.redirectUri },
    signal: options.signal,
  });
  const body = await readJson(response, `GET ${url}`, options.signal);
  const location = isRecord(body) ? body.location : undefined;
  if (typeof location !== 'string' || !URL.canParse(location)) {
    throw new UnexpectedResponseError(`GET ${url} answered without a location URL`);
  }
  return location;
}

const referenceSchema = z.looseObject({ id: z.string().min(1) });

/**
 * `POST B+reference`: an opaque id for a value the app puts in a consent-page URL (an account to
 * re-authorise, `accountId`; a storage to hand over, `cloudId`).
 */
export async function createReference(
  http: HttpContext,
  options: { baseUrl: string; type: 'accountId' | 'cloudId'; value: string; signal?: AbortSignal | undefined },
): Promise<string> {
  const url = `${options.baseUrl}reference`;
  const response = await sendSigned(http, {
    method: 'POST',
    url,
    json: { type: options.type, value: options.value },
    signal: options.signal,
  });
  const result = referenceSchema.safeParse(await readJson(response, `POST ${url}`, options.signal));
  if (!result.success) throw new UnexpectedResponseError(`POST ${url} answered without a reference id`);
  return result.data.id;
}
