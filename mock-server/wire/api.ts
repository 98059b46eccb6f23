/**
 * digi.me API v1.7 (PROTOCOL §4): each route checks the request JWT, calls the authority and
 * shapes the answer. No rule lives here.
 */
import { bearerToken } from '../core/request-jwt.js';
import type { Authority } from '../core/authority.js';
import { jsonBody } from './body.js';
import type { Route, RouteContext } from './router.js';
import { json, type WireRequest } from './types.js';

export const API_PREFIX = '/v1.7';

/** The absolute JWKS URL put in the `jku` of server-signed JWS. */
export function jwksUrl(authority: Authority, req: WireRequest): string {
  const origin = authority.config.publicUrl?.replace(/\/+$/, '') ?? req.url.origin;
  return `${origin}${API_PREFIX}/jwks/oauth`;
}

/** A file's headers (PROTOCOL §5): `x-metadata` and `last-modified`. */
const fileHeaders = (head: { metadata: string; lastModified: string }) => ({
  'content-type': 'application/octet-stream',
  'x-metadata': head.metadata,
  'last-modified': head.lastModified,
  'cache-control': 'no-store',
});

const verified = ({ authority, req }: RouteContext) => authority.verifyRequest(bearerToken(req.headers.authorization));

export const apiRoutes: Route[] = [
  {
    method: 'GET',
    path: `${API_PREFIX}/jwks/oauth`,
    handler: ({ authority }) => json(200, authority.jwks(), { 'cache-control': 'public, max-age=300' }),
  },
  {
    method: 'POST',
    path: `${API_PREFIX}/oauth/authorize`,
    handler: async (ctx) => {
      const request = await verified(ctx);
      return json(201, await ctx.authority.authorize(request, jsonBody(ctx.req), jwksUrl(ctx.authority, ctx.req)));
    },
  },
  {
    method: 'POST',
    path: `${API_PREFIX}/oauth/token`,
    handler: async (ctx) => {
      const request = await verified(ctx);
      return json(201, await ctx.authority.token(request, jwksUrl(ctx.authority, ctx.req)));
    },
  },
  {
    method: 'POST',
    path: `${API_PREFIX}/oauth/token/reference`,
    handler: async (ctx) => {
      const request = await verified(ctx);
      return json(201, await ctx.authority.tokenReference(request, jwksUrl(ctx.authority, ctx.req)));
    },
  },
  {
    method: 'POST',
    path: `${API_PREFIX}/permission-access/trigger`,
    handler: async (ctx) => {
      const request = await verified(ctx);
      return json(202, ctx.authority.trigger(request, jsonBody(ctx.req)));
    },
  },
  {
    method: 'GET',
    path: `${API_PREFIX}/permission-access/query/:sessionKey`,
    handler: async (ctx) => json(200, ctx.authority.readFileList(await verified(ctx), ctx.params.sessionKey)),
  },
  {
    // Listed before the GET route, which would otherwise answer HEAD too.
    method: 'HEAD',
    path: `${API_PREFIX}/permission-access/query/:sessionKey/:fileName`,
    handler: async (ctx) => {
      const head = ctx.authority.readFileHead(await verified(ctx), ctx.params.sessionKey, ctx.params.fileName);
      return { status: 200, headers: fileHeaders(head) };
    },
  },
  {
    method: 'GET',
    path: `${API_PREFIX}/permission-access/query/:sessionKey/:fileName`,
    handler: async (ctx) => {
      const file = ctx.authority.readFile(await verified(ctx), ctx.params.sessionKey, ctx.params.fileName);
      return { status: 200, headers: fileHeaders(file), body: file.data };
    },
  },
  {
    method: 'GET',
    path: `${API_PREFIX}/permission-access/accounts`,
    handler: async (ctx) => json(200, ctx.authority.readAccounts(await verified(ctx))),
  },
  {
    method: 'DELETE',
    path: `${API_PREFIX}/user`,
    handler: async (ctx) => {
      ctx.authority.deleteUser(await verified(ctx));
      return { status: 204, headers: {} };
    },
  },
];
