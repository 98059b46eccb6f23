/**
 * msw (v2) request handlers over the same wire handler and core as the Express server, so an app's
 * tests can run the mock in-process: same keys, clock, store and rules.
 */
import { http, type HttpHandler } from 'msw';
import { type Authority, CLOUD_BASE_PATH } from '../core/index.js';
import { createWireHandler } from '../wire/handler.js';
import { encodeBody, type WireResponse } from '../wire/types.js';

export interface DigimeHandlerUrls {
  /** The SDK's `baseUrl`; must end in `/v1.7/`. Default `https://api.digi.me/v1.7/`. */
  baseUrl?: string;
  /** The SDK's `onboardUrl`; must end in `/apps/saas/`. Default `https://api.digi.me/apps/saas/`. */
  onboardUrl?: string;
  /** The SDK's `cloudBaseUrl`, any URL ending in `/`. Default `https://cloud.digi.me/v1/`. */
  cloudBaseUrl?: string;
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function originOf(url: string, suffix: string, name: string): string {
  const parsed = new URL(url);
  if (parsed.pathname !== suffix) throw new Error(`${name} must be an origin followed by ${suffix}, got ${url}`);
  return parsed.origin;
}

function toResponse(out: WireResponse, method: string): Response {
  const body = out.status === 204 || out.status === 304 || method === 'HEAD' ? null : (encodeBody(out) ?? null);
  return new Response(body as Uint8Array<ArrayBuffer> | null, { status: out.status, headers: out.headers });
}

/** Handlers for the API (`baseUrl`), the consent pages (`onboardUrl`), `/__admin` on the API's origin, and the cloud (`cloudBaseUrl`). */
export function createDigimeHandlers(authority: Authority, urls: DigimeHandlerUrls = {}): HttpHandler[] {
  const api = originOf(urls.baseUrl ?? 'https://api.digi.me/v1.7/', '/v1.7/', 'baseUrl');
  const onboard = originOf(urls.onboardUrl ?? 'https://api.digi.me/apps/saas/', '/apps/saas/', 'onboardUrl');
  const handle = createWireHandler(authority);
  const cloud = new URL(urls.cloudBaseUrl ?? 'https://cloud.digi.me/v1/');
  if (!cloud.pathname.endsWith('/')) throw new Error(`cloudBaseUrl must end in /, got ${cloud.href}`);
  const resolver = async ({ request }: { request: Request }, url = new URL(request.url)) => {
    const hasBody = request.method !== 'GET' && request.method !== 'HEAD';
    const out = await handle({
      method: request.method,
      url,
      headers: Object.fromEntries(request.headers),
      body: hasBody ? new Uint8Array(await request.arrayBuffer()) : undefined,
      onboardUrl: `${onboard}/apps/saas/`,
    });
    // A fault that drops the connection is a network error for the client.
    return out.drop ? Response.error() : toResponse(out, request.method);
  };
  return [
    http.all(`${api}/v1.7/*`, resolver),
    http.all(`${onboard}/apps/saas/*`, resolver),
    http.all(`${api}/__admin/*`, resolver),
    // The route table serves the cloud under CLOUD_BASE_PATH, whatever its base here.
    http.all(`${cloud.origin}${cloud.pathname}*`, ({ request }) => {
      const url = new URL(request.url);
      url.pathname = `${CLOUD_BASE_PATH}/${url.pathname.slice(cloud.pathname.length)}`;
      return resolver({ request }, url);
    }),
    // A path with a leading double slash (`//v1.7/…`) escapes the patterns above; the route table
    // answers it (404) as the server does, instead of the network. Other paths stay the app's.
    ...[...new Set([api, onboard])].map((origin) => http.all(new RegExp(`^${escapeRegExp(origin)}//`), resolver)),
  ];
}
