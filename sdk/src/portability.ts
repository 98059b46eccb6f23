/**
 * The portability report (docs/protocol.md §9.7): what digi.me holds for the user at one service
 * type (MedMij) over a period, as a document (XML).
 */
import { readBody, sendSigned } from './http.js';
import type { HttpContext } from './http.js';

/** `GET B+export/<serviceType>/report?format=…&from=…&to=…`, the report as text. */
export async function fetchPortabilityReport(
  http: HttpContext,
  options: {
    baseUrl: string;
    accessToken: string;
    serviceType: string;
    format: string;
    /** Unix seconds; an end left out is open. */
    from?: number | undefined;
    to?: number | undefined;
    signal?: AbortSignal | undefined;
  },
): Promise<string> {
  const query = new URLSearchParams({ format: options.format });
  if (options.from !== undefined) query.set('from', String(options.from));
  if (options.to !== undefined) query.set('to', String(options.to));
  const url = `${options.baseUrl}export/${encodeURIComponent(options.serviceType)}/report?${query}`;
  const response = await sendSigned(http, {
    method: 'GET',
    url,
    claims: { access_token: options.accessToken },
    accept: 'application/octet-stream',
    signal: options.signal,
  });
  return readBody(() => response.text(), `GET ${url}`, options.signal);
}
