/**
 * A transport's view of one HTTP exchange, free of Express and msw. Every transport turns its
 * request into a WireRequest, hands it to `handle`, and writes the WireResponse back unchanged.
 */
export interface WireRequest {
  method: string;
  /** Absolute URL as the client addressed it (its origin is used for the `jku`). */
  url: URL;
  /** Lower-case header names. */
  headers: Record<string, string | undefined>;
  /** The raw body, undefined when there is none. */
  body?: Uint8Array;
  /** The peer's IP address; undefined for in-process transports. */
  remoteAddress?: string;
  /**
   * The consent web client's base URL (O) this transport serves, when it is not the request's
   * origin (msw may serve the API and the pages on two origins); links to pages go there.
   */
  onboardUrl?: string;
}

export interface WireResponse {
  status: number;
  headers: Record<string, string>;
  /** Bytes or text as given; objects are sent as JSON. */
  body?: string | Uint8Array | object;
  /** No answer at all (a fault, docs/protocol.md §8.10): Express closes the connection, msw answers a network error. */
  drop?: true;
}

export const json = (status: number, body: object, headers: Record<string, string> = {}): WireResponse => ({
  status,
  headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
  body,
});

export const html = (status: number, body: string): WireResponse => ({
  status,
  headers: {
    'content-type': 'text/html; charset=utf-8',
    // No form-action: browsers apply it to the redirect after the post, which goes to the app.
    'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
    'x-content-type-options': 'nosniff',
    'cache-control': 'no-store',
  },
  body,
});

export const redirect = (location: string, status = 302): WireResponse => ({
  status,
  headers: { location, 'cache-control': 'no-store' },
});

/** The bytes a WireResponse body stands for, and its content type when it was an object. */
export function encodeBody(response: WireResponse): Uint8Array | undefined {
  const { body } = response;
  if (body === undefined) return undefined;
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  if (body instanceof Uint8Array) return body;
  return Buffer.from(JSON.stringify(body), 'utf8');
}
