/**
 * Cross-origin access for web apps, when the `cors` setting names their origins: the API, the
 * consent pages and cloud storage answer those origins and their preflights. The admin API never
 * does, so no web page can drive it through CORS.
 */
import type { WireRequest, WireResponse } from './types.js';

/** Headers a browser app may read beyond the safe ones: the file's metadata on downloads. */
const EXPOSED = 'x-metadata, last-modified, content-type';
/** Headers the official SDKs send besides the safe ones. */
const ALLOWED_HEADERS = 'authorization, content-type, accept, accountid, redirecturi, filedescriptor';

/** The CORS headers for a request from `origin`, or undefined when that origin is not allowed. */
export function corsHeaders(allowed: readonly string[], req: WireRequest): Record<string, string> | undefined {
  const origin = req.headers.origin;
  if (!origin || !(allowed.includes('*') || allowed.includes(origin))) return undefined;
  return { 'access-control-allow-origin': origin, 'access-control-expose-headers': EXPOSED, vary: 'origin' };
}

/** A preflight's answer: which methods the path takes, and the request headers it may carry. */
export function preflightResponse(cors: Record<string, string>, allow: string[], req: WireRequest): WireResponse {
  return {
    status: 204,
    headers: {
      ...cors,
      'access-control-allow-methods': allow.join(', '),
      'access-control-allow-headers': req.headers['access-control-request-headers'] ?? ALLOWED_HEADERS,
      'access-control-max-age': '600',
      allow: allow.join(', '),
    },
  };
}

export const withHeaders = (response: WireResponse, headers: Record<string, string>): WireResponse => ({
  ...response,
  headers: { ...response.headers, ...headers },
});
