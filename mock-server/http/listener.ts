/**
 * The HTTP transport: a Node request listener that reads the raw body, turns the request into a
 * WireRequest, and writes the WireResponse back. Nothing else happens here. It sits on `node:http`
 * directly, without a framework, because the wire handler already does the routing and every
 * request goes straight to it: a framework's routing, middleware chain and body parsing would only
 * add work (and memory) to each request.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { createBrotliDecompress, createGunzip, createInflate, type Inflate } from 'node:zlib';
import type { Logger } from 'pino';
import { ApiError, type Authority } from '../core/index.js';
import { createWireHandler } from '../wire/handler.js';
import { errorResponse } from '../wire/router.js';
import { encodeBody, type WireRequest, type WireResponse } from '../wire/types.js';

const MB = 1024 * 1024;

/** Paths with long opaque segments (session keys) masked, and no query string: safe to log. */
export const loggablePath = (path: string) => path.split('?')[0]!.replace(/\/[^/]{20,}/g, '/…');

/**
 * The request's absolute URL. The path is set on the origin, never resolved against it: a path
 * such as `//v1.7/…` would otherwise read as another host (and `v1.7` is no valid one).
 */
function requestUrl(target: string, protocol: string, host: string | undefined): URL {
  let url: URL;
  try {
    url = new URL(`${protocol}://${host ?? 'localhost'}`);
  } catch {
    url = new URL('http://localhost');
  }
  // An absolute-form request target (`GET http://host/path`): its path and query only.
  if (!target.startsWith('/') && URL.canParse(target)) {
    const parsed = new URL(target);
    target = parsed.pathname + parsed.search;
  }
  const q = target.indexOf('?');
  url.pathname = q === -1 ? target : target.slice(0, q);
  url.search = q === -1 ? '' : target.slice(q);
  return url;
}

/** A body that cannot be taken: too large (413), or unreadable (400, digi.me's ValidationErrors). */
class BodyError extends Error {
  constructor(readonly status: 400 | 413) {
    super(status === 413 ? 'too large' : 'unreadable');
  }
}

/**
 * Files (a push to the library, a storage upload) come as application/octet-stream and may be
 * large; every other body is a small JSON document.
 */
function bodyLimit(contentType: string | undefined): number {
  const mime = contentType?.split(';', 1)[0]!.trim().toLowerCase();
  return mime === 'application/octet-stream' ? 64 * MB : MB;
}

function decoderFor(encoding: string): Inflate | ReturnType<typeof createBrotliDecompress> {
  if (encoding === 'gzip') return createGunzip();
  if (encoding === 'deflate') return createInflate();
  if (encoding === 'br') return createBrotliDecompress();
  throw new BodyError(400);
}

/** Reads off whatever is left of a refused request, then settles (the answer goes after it, as HTTP clients expect). */
function drain(req: IncomingMessage, err: BodyError): Promise<never> {
  return new Promise((_, reject) => {
    if (req.complete || req.destroyed) return reject(err);
    req.on('end', () => reject(err));
    req.on('close', () => reject(err));
    req.resume();
  });
}

const EMPTY = new Uint8Array(0);

/**
 * The raw body: undefined when the request has none (neither a length nor chunked transfer), else
 * its bytes, decoded from gzip, deflate or br. Over the limit (counted after decoding) is 413.
 */
function readBody(req: IncomingMessage): Promise<Uint8Array | undefined> | Uint8Array | undefined {
  const { headers } = req;
  const length = headers['content-length'];
  const chunked = headers['transfer-encoding'] !== undefined;
  if (!chunked && (length === undefined || Number.isNaN(Number(length)))) return undefined;
  const encoding = (headers['content-encoding'] ?? 'identity').toLowerCase();
  // Most requests (every GET, and the token calls) carry an empty body: nothing to wait for.
  if (!chunked && encoding === 'identity' && Number(length) === 0) return EMPTY;
  const limit = bodyLimit(headers['content-type']);
  if (encoding === 'identity' && !chunked && Number(length) > limit) return drain(req, new BodyError(413));
  let stream: NodeJS.ReadableStream = req;
  if (encoding !== 'identity') {
    let decoder;
    try {
      decoder = decoderFor(encoding);
    } catch (err) {
      return drain(req, err as BodyError);
    }
    req.pipe(decoder);
    stream = decoder;
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    let settled = false;
    const fail = (err: BodyError) => {
      if (settled) return;
      settled = true;
      if (stream !== req) {
        req.unpipe();
        (stream as Inflate).destroy();
      }
      drain(req, err).catch(reject);
    };
    stream.on('data', (chunk: Buffer) => {
      if (settled) return;
      received += chunk.length;
      if (received > limit) return fail(new BodyError(413));
      chunks.push(chunk);
    });
    stream.on('error', () => fail(new BodyError(400)));
    req.on('aborted', () => fail(new BodyError(400)));
    stream.on('end', () => {
      if (settled) return;
      if (stream === req && !chunked && received !== Number(length)) return fail(new BodyError(400));
      settled = true;
      if (stream !== req) req.resume();
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, received));
    });
  });
}

function toWireRequest(req: IncomingMessage, body: Uint8Array | undefined): WireRequest {
  const protocol = (req.socket as TLSSocket).encrypted ? 'https' : 'http';
  const url = requestUrl(req.url ?? '/', protocol, req.headers.host);
  const headers: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(req.headers)) headers[k] = Array.isArray(v) ? v.join(', ') : v;
  return { method: req.method ?? 'GET', url, headers, body, remoteAddress: req.socket.remoteAddress };
}

function send(res: ServerResponse, out: WireResponse, head: boolean): void {
  const body = encodeBody(out);
  const headers: Record<string, string | number> = { ...out.headers };
  // Framed by length, not chunked, whether there is a body or not (204 and 304 have none).
  if (body) headers['content-length'] = body.length;
  else if (out.status !== 204 && out.status !== 304) headers['content-length'] = 0;
  res.writeHead(out.status, headers);
  if (body && !head) res.end(body);
  else res.end();
}

/** The mock as a Node request listener, for `http.createServer` (or `https`) or a server of your own. */
export function createRequestListener(authority: Authority, logger?: Logger): RequestListener {
  const handle = createWireHandler(authority);
  const logs = logger?.isLevelEnabled('info') === true;
  const unexpected = (req: IncomingMessage, res: ServerResponse, err: unknown) => {
    const status = err instanceof BodyError ? err.status : undefined;
    const out =
      status === 413
        ? errorResponse(new ApiError('PayloadTooLarge', 'The request body is too large'))
        : status === 400
          ? errorResponse(new ApiError('ValidationErrors', 'Parameter validation errors: the body could not be read', 400))
          : errorResponse(new ApiError('ServerError', 'Internal server error'));
    if (out.status >= 500) logger?.error({ err: (err as Error)?.message, path: loggablePath(req.url ?? '/') }, 'unexpected error');
    if (!res.headersSent && !res.destroyed) send(res, out, req.method === 'HEAD');
  };
  const answer = (req: IncomingMessage, res: ServerResponse, body: Uint8Array | undefined, started: number) => {
    let pending: Promise<WireResponse>;
    try {
      pending = handle(toWireRequest(req, body));
    } catch (err) {
      return unexpected(req, res, err);
    }
    pending
      .then((out) => {
        // A fault that drops the connection: the client gets no answer at all.
        if (out.drop) req.socket.destroy();
        else send(res, out, req.method === 'HEAD');
        if (logs) logger!.info({ method: req.method, path: loggablePath(req.url ?? '/'), status: out.status, ms: performance.now() - started }, 'request');
      })
      .catch((err: unknown) => unexpected(req, res, err));
  };
  return (req: IncomingMessage, res: ServerResponse) => {
    const started = logs ? performance.now() : 0;
    let body;
    try {
      body = readBody(req);
    } catch (err) {
      return unexpected(req, res, err);
    }
    if (body instanceof Promise) body.then((b) => answer(req, res, b, started), (err: unknown) => unexpected(req, res, err));
    else answer(req, res, body, started);
  };
}
