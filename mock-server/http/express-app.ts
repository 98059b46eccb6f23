/**
 * The Express transport: reads the raw body, turns the request into a WireRequest, and writes the
 * WireResponse back. Nothing else happens here.
 */
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import { ApiError, type Authority } from '../core/index.js';
import { createWireHandler } from '../wire/handler.js';
import { errorResponse } from '../wire/router.js';
import { encodeBody, type WireRequest, type WireResponse } from '../wire/types.js';

/** Paths with long opaque segments (session keys) masked, and no query string: safe to log. */
export const loggablePath = (path: string) =>
  path.split('?')[0]!.replace(/\/[^/]{20,}/g, '/…');

/**
 * The request's absolute URL. The path is set on the origin, never resolved against it: a path
 * such as `//v1.7/…` would otherwise read as another host (and `v1.7` is no valid one).
 */
function requestUrl(originalUrl: string, protocol: string, host: string | undefined): URL {
  let url: URL;
  try {
    url = new URL(`${protocol}://${host ?? 'localhost'}`);
  } catch {
    url = new URL('http://localhost');
  }
  let target = originalUrl;
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

function toWireRequest(req: Request): WireRequest {
  const url = requestUrl(req.originalUrl, req.protocol, req.get('host'));
  const headers: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(req.headers)) headers[k] = Array.isArray(v) ? v.join(', ') : v;
  return {
    method: req.method,
    url,
    headers,
    body: Buffer.isBuffer(req.body) ? req.body : undefined,
    remoteAddress: req.socket.remoteAddress,
  };
}

function send(res: Response, out: WireResponse, head: boolean): void {
  res.status(out.status);
  for (const [k, v] of Object.entries(out.headers)) res.setHeader(k, v);
  const body = encodeBody(out);
  if (body && !head) res.end(body);
  else {
    if (body) res.setHeader('content-length', String(body.length));
    res.end();
  }
}

export function createExpressApp(authority: Authority, logger?: Logger): express.Express {
  const handle = createWireHandler(authority);
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  // Files (a push to the library, a storage upload) come as application/octet-stream and may be
  // large; every other body is a small JSON document.
  app.use(express.raw({ type: 'application/octet-stream', limit: '64mb' }));
  app.use(express.raw({ type: () => true, limit: '1mb' }));
  app.use((req, res, next) => {
    const started = process.hrtime.bigint();
    handle(toWireRequest(req))
      .then((out) => {
        // A fault that drops the connection: the client gets no answer at all.
        if (out.drop) req.socket.destroy();
        else send(res, out, req.method === 'HEAD');
        logger?.info(
          { method: req.method, path: loggablePath(req.originalUrl), status: out.status, ms: Number(process.hrtime.bigint() - started) / 1e6 },
          'request',
        );
      })
      .catch(next);
  });
  // Body-parser failures (too large, bad encoding) and anything unexpected: digi.me's error shape, no stack.
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const status = (err as { status?: number }).status;
    const out =
      status === 413
        ? errorResponse(new ApiError('PayloadTooLarge', 'The request body is too large'))
        : status !== undefined && status >= 400 && status < 500
          ? errorResponse(new ApiError('ValidationErrors', 'Parameter validation errors: the body could not be read', 400))
          : errorResponse(new ApiError('ServerError', 'Internal server error'));
    if (out.status >= 500) logger?.error({ err: (err as Error)?.message, path: loggablePath(req.originalUrl) }, 'unexpected error');
    send(res, out, req.method === 'HEAD');
  });
  return app;
}
