/**
 * An admin route: a route of the table that declares what it takes and answers as zod schemas, and
 * a summary. Its handler parses the query and the JSON body with those schemas, so the OpenAPI
 * document (openapi.ts) describes exactly what is validated.
 */
import type { z } from 'zod';
import { ApiError, parseInput } from '../core/index.js';
import { jsonBody } from './body.js';
import type { Route, RouteContext } from './router.js';
import { json, type WireResponse } from './types.js';

export interface AdminRouteDoc {
  summary: string;
  description?: string;
  /** The JSON body it takes. */
  body?: z.ZodType;
  /** Its query parameters (an object of strings). */
  query?: z.ZodType;
  /** Its answer when it succeeds; no schema for 204. */
  answer: { status: number; schema?: z.ZodType; description: string };
}

export interface AdminRoute extends Route {
  doc: AdminRouteDoc;
}

type Out<S> = S extends z.ZodType ? z.output<S> : undefined;

/** Any validation failure of an admin call is 400, malformed JSON too (the digi.me API answers 406). */
function as400(err: unknown): unknown {
  return err instanceof ApiError && err.code === 'ValidationErrors' && err.status !== 400 ? new ApiError('ValidationErrors', err.message, 400) : err;
}

export function adminRoute<B extends z.ZodType | undefined = undefined, Q extends z.ZodType | undefined = undefined>(def: {
  method: Route['method'];
  path: string;
  summary: string;
  description?: string;
  body?: B;
  query?: Q;
  answer: AdminRouteDoc['answer'];
  handle: (ctx: RouteContext, input: { body: Out<B>; query: Out<Q> }) => unknown;
}): AdminRoute {
  const { method, path, handle, ...doc } = def;
  return {
    method,
    path,
    doc,
    handler: async (ctx): Promise<WireResponse> => {
      try {
        const body = (def.body ? parseInput(def.body, jsonBody(ctx.req) ?? {}) : undefined) as Out<B>;
        const query = (def.query ? parseInput(def.query, Object.fromEntries(ctx.req.url.searchParams), '(query)') : undefined) as Out<Q>;
        const value = await handle(ctx, { body, query });
        return def.answer.status === 204 ? { status: 204, headers: {} } : json(def.answer.status, value as object);
      } catch (err) {
        throw as400(err);
      }
    },
  };
}
