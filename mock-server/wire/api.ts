/**
 * digi.me API v1.7 (docs/protocol.md §4): each route checks the request JWT, calls the authority and
 * shapes the answer. No rule lives here.
 */
import { API_BASE_PATH, bearerToken } from '../core/index.js';
import { jsonBody } from './body.js';
import type { Route, RouteContext } from './router.js';
import { json } from './types.js';


/** The absolute JWKS URL put in the `jku` of server-signed JWS. */
const jwksUrl = ({ authority, req }: RouteContext) => authority.jwksUrl(req.url.origin);

/** A file's headers (docs/protocol.md §5): `x-metadata` and `last-modified`. */
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
    path: `${API_BASE_PATH}/jwks/oauth`,
    handler: ({ authority }) => json(200, authority.jwks(), { 'cache-control': 'public, max-age=300' }),
  },
  {
    method: 'POST',
    path: `${API_BASE_PATH}/oauth/authorize`,
    handler: async (ctx) => {
      const request = await verified(ctx);
      return json(201, await ctx.authority.authorize(request, jsonBody(ctx.req), jwksUrl(ctx)));
    },
  },
  {
    method: 'POST',
    path: `${API_BASE_PATH}/oauth/token`,
    handler: async (ctx) => {
      const request = await verified(ctx);
      return json(201, await ctx.authority.token(request, jwksUrl(ctx)));
    },
  },
  {
    method: 'POST',
    path: `${API_BASE_PATH}/oauth/token/reference`,
    handler: async (ctx) => {
      const request = await verified(ctx);
      return json(201, await ctx.authority.tokenReference(request, jwksUrl(ctx)));
    },
  },
  {
    method: 'POST',
    path: `${API_BASE_PATH}/permission-access/trigger`,
    handler: async (ctx) => {
      const request = await verified(ctx);
      return json(202, ctx.authority.trigger(request, jsonBody(ctx.req)));
    },
  },
  {
    method: 'GET',
    path: `${API_BASE_PATH}/permission-access/query/:sessionKey`,
    handler: async (ctx) => json(200, ctx.authority.readFileList(await verified(ctx), ctx.params.sessionKey)),
  },
  {
    // Listed before the GET route, which would otherwise answer HEAD too.
    method: 'HEAD',
    path: `${API_BASE_PATH}/permission-access/query/:sessionKey/:fileName`,
    handler: async (ctx) => {
      const head = ctx.authority.readFileHead(await verified(ctx), ctx.params.sessionKey, ctx.params.fileName);
      return { status: 200, headers: fileHeaders(head) };
    },
  },
  {
    method: 'GET',
    path: `${API_BASE_PATH}/permission-access/query/:sessionKey/:fileName`,
    handler: async (ctx) => {
      const file = ctx.authority.readFile(await verified(ctx), ctx.params.sessionKey, ctx.params.fileName);
      return { status: 200, headers: fileHeaders(file), body: file.data };
    },
  },
  {
    method: 'GET',
    path: `${API_BASE_PATH}/permission-access/accounts`,
    handler: async (ctx) => json(200, ctx.authority.readAccounts(await verified(ctx))),
  },
  {
    method: 'DELETE',
    path: `${API_BASE_PATH}/user`,
    handler: async (ctx) => {
      ctx.authority.deleteUser(await verified(ctx));
      return { status: 204, headers: {} };
    },
  },
];
