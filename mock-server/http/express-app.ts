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

function toWireRequest(req: Request): WireRequest {
  let url: URL;
  try {
    url = new URL(req.originalUrl, `${req.protocol}://${req.get('host') ?? 'localhost'}`);
  } catch {
    url = new URL(req.originalUrl, 'http://localhost');
  }
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
  app.use(express.raw({ type: () => true, limit: '1mb' }));
  app.use((req, res, next) => {
    const started = process.hrtime.bigint();
    handle(toWireRequest(req))
      .then((out) => {
        send(res, out, req.method === 'HEAD');
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
